"""Resume (issue 10): the landing page shows the expert's progress, and "Continue where you
stopped" goes to the page of the first unanswered statement, or to the review."""

import pytest
from django.test import Client
from django.urls import reverse

from responses.models import Response
from responses.respondent import selectors

pytestmark = pytest.mark.django_db


def order_of(invitation) -> list[int]:
    return Response.objects.get(invitation=invitation).statement_order


def answer(client, statement_ids, value="1"):
    for statement_id in statement_ids:
        saved = client.post(
            reverse("respondent:autosave"), {"statement": statement_id, "value": value}
        )
        assert saved.json()["saved"] is True


def continue_where_stopped(client) -> str:
    return client.post(reverse("respondent:consent"))["Location"]


def test_resume_page_is_the_page_of_the_first_unanswered_statement(started_client, invitation):
    response = Response.objects.get(invitation=invitation)
    order = response.statement_order
    answered = set(order[:23])
    assert selectors.resume_page(response=response, per_page=10, answered=answered) == 3
    assert selectors.resume_page(response=response, per_page=5, answered=answered) == 5
    assert selectors.resume_page(response=response, per_page=10, answered=set()) == 1


def test_resume_page_finds_a_gap_before_later_answers(started_client, invitation):
    response = Response.objects.get(invitation=invitation)
    order = response.statement_order
    answered = set(order) - {order[4]}
    assert selectors.resume_page(response=response, per_page=10, answered=answered) == 1


def test_resume_page_is_none_when_every_statement_is_answered(started_client, invitation):
    response = Response.objects.get(invitation=invitation)
    answered = set(response.statement_order)
    assert selectors.resume_page(response=response, per_page=10, answered=answered) is None


def test_landing_shows_progress_and_continue_where_you_stopped(started_client, invitation):
    answer(started_client, order_of(invitation)[:23])
    page = started_client.get(reverse("respondent:landing")).content.decode()
    assert "23 of 50 answered" in page
    assert "Continue where you stopped" in page


def test_continue_goes_to_the_page_of_the_first_unanswered_statement(started_client, invitation):
    answer(started_client, order_of(invitation)[:23])
    assert continue_where_stopped(started_client) == reverse("respondent:page", args=[3])


def test_continue_counts_dont_know_as_answered_and_cleared_as_not(started_client, invitation):
    order = order_of(invitation)
    answer(started_client, order[:10], value="-88")
    answer(started_client, order[10:12])
    answer(started_client, order[10:11], value="")  # cleared again
    assert continue_where_stopped(started_client) == reverse("respondent:page", args=[2])


def test_continue_goes_to_the_review_when_every_statement_is_answered(started_client, invitation):
    answer(started_client, order_of(invitation))
    page = started_client.get(reverse("respondent:landing")).content.decode()
    assert "50 of 50 answered" in page
    assert "Continue to the review" in page
    assert continue_where_stopped(started_client) == reverse("respondent:review")


def test_continue_from_another_device_resumes_the_same_response(started_client, invitation, secret):
    answer(started_client, order_of(invitation)[:10])
    phone = Client()
    phone.get(reverse("respondent:link", args=[secret]))
    assert continue_where_stopped(phone) == reverse("respondent:page", args=[2])
    assert Response.objects.filter(invitation=invitation).count() == 1


def test_first_consent_still_starts_on_page_one(expert_client, invitation):
    response = expert_client.post(reverse("respondent:consent"), {"consent": "on"})
    assert response["Location"] == reverse("respondent:page", args=[1])


def test_review_groups_unanswered_statements_by_page(started_client, invitation):
    order = order_of(invitation)
    answer(started_client, order[:10] + order[12:20] + order[21:])
    page = started_client.get(reverse("respondent:review")).content.decode()
    assert "3 statements not answered" in page
    page_2 = reverse("respondent:page", args=[2])
    page_3 = reverse("respondent:page", args=[3])
    assert page.count(f'<h3 class="h5"><a href="{page_2}">Page 2</a></h3>') == 1
    assert page.count(f'<h3 class="h5"><a href="{page_3}">Page 3</a></h3>') == 1
    assert "Page 1</a>" not in page
    for statement_id, number in ((order[10], 2), (order[11], 2), (order[20], 3)):
        link = reverse("respondent:page", args=[number]) + f"#st-{statement_id}"
        assert f'href="{link}"' in page
    assert page.index(f"#st-{order[11]}") < page.index(page_3) < page.index(f"#st-{order[20]}")
