"""The expert's pages cost a constant, small number of queries, whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responses.models import Answer

pytestmark = pytest.mark.django_db

PAGE_SIZES = [5, 25, 50]
# invitation with survey and response, the page's answers, its statements, progress
PAGE_GET_QUERIES = 4
# invitation with survey and response, the page's answers and statements, one upsert of
# every changed answer (the invitation is already started: no transaction, no claim)
PAGE_POST_QUERIES = 4
# one upsert that checks the invitation, survey and response itself (the expert's session is
# a signed cookie)
AUTOSAVE_QUERIES = 1


def page_size(survey, size: int) -> None:
    survey.statements_per_page = size
    survey.save(update_fields=["statements_per_page"])


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 302), response.status_code
    return len(captured.captured_queries)


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_page_get_query_count_is_constant(answering_client, survey, size):
    page_size(survey, size)
    assert (
        queries(lambda: answering_client.get(reverse("respondent:page", args=[1])))
        == PAGE_GET_QUERIES
    )


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_page_post_query_count_is_constant(answering_client, survey, invitation, size):
    page_size(survey, size)
    ids = invitation.response.statement_order[:size]
    data = {f"value_{pk}": "-88" for pk in ids} | {"goto": "next"}
    url = reverse("respondent:page", args=[1])
    assert queries(lambda: answering_client.post(url, data)) == PAGE_POST_QUERIES
    assert Answer.objects.filter(response__invitation=invitation, value=-88).count() == size


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_autosave_query_count_is_constant(answering_client, survey, invitation, size):
    page_size(survey, size)
    statement = invitation.response.statement_order[size - 1]
    url = reverse("respondent:autosave")
    data = {"statement": statement, "value": "2", "comment": "Sure."}
    assert queries(lambda: answering_client.post(url, data)) == AUTOSAVE_QUERIES
    assert Answer.objects.get(response__invitation=invitation, statement_id=statement).value == 2
