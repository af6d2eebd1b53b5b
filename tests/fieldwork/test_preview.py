"""The preview: the expert's own page template, any page, and nothing written."""

import pytest
from django.urls import reverse

from responses.models import Answer, AuditEvent, Expert, Invitation, Response, Survey
from responses.respondent.selectors import questionnaire_order
from statements.models import Statement
from tests.factories import inline_code
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db


def rows_now() -> dict:
    models = (Answer, AuditEvent, Expert, Invitation, Response, Survey)
    return {model.__name__: model.objects.count() for model in models}


def page_url(survey, number):
    return reverse("research:preview_page", args=[survey.slug, number])


def test_preview_starts_on_the_first_page(researcher_client, survey):
    reply = researcher_client.get(url("preview", survey))
    assert reply["Location"] == page_url(survey, 1)


def test_preview_shows_the_page_as_the_expert_sees_it(researcher_client, survey):
    page = researcher_client.get(page_url(survey, 2)).content.decode()
    pages = -(-len(questionnaire_order(survey=survey)) // survey.statements_per_page)
    assert "Preview: nothing is saved" in page
    assert f"Statements, page 2 of {pages}" in page  # respondent/page.html's own heading
    second = questionnaire_order(survey=survey)[survey.statements_per_page]
    assert Statement.objects.get(pk=second).title in page
    assert f'name="value_{second}"' in page
    assert "questionnaire.js" not in page  # no autosave
    assert inline_code(page) == []


def test_preview_writes_nothing(researcher_client, survey):
    before = rows_now()
    first = questionnaire_order(survey=survey)[0]
    researcher_client.get(url("preview", survey))
    researcher_client.get(page_url(survey, 1))
    researcher_client.post(page_url(survey, 1), {f"value_{first}": "2", "goto": "next"})
    researcher_client.post(page_url(survey, 1), {"clear": str(first)})
    assert rows_now() == before
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("goto", "target"),
    [("next", 3), ("previous", 1), ("5", 5), ("999", 2), ("²", 2), ("", 2)],
)
def test_preview_buttons_move_between_pages(researcher_client, survey, goto, target):
    reply = researcher_client.post(page_url(survey, 2), {"goto": goto})
    assert reply["Location"] == page_url(survey, target)


def test_preview_ends_on_the_dashboard_past_the_last_page(researcher_client, survey):
    last = -(-len(questionnaire_order(survey=survey)) // survey.statements_per_page)
    reply = researcher_client.post(page_url(survey, last), {"goto": "next"}, follow=True)
    assert reply.redirect_chain[-1][0] == url("dashboard", survey)
    assert "End of the preview: nothing was saved." in reply.content.decode()


@pytest.mark.parametrize("number", [0, 999])
def test_preview_refuses_a_page_that_does_not_exist(researcher_client, survey, number):
    assert researcher_client.get(page_url(survey, number)).status_code == 404


def test_preview_follows_the_paper_order(researcher_client, survey):
    survey.order = Survey.Order.PAPER
    survey.save()
    page = researcher_client.get(page_url(survey, 1)).content.decode()
    assert Statement.objects.get(number=1).title in page


def test_preview_refuses_another_teams_researcher(client, survey, other_researcher):
    client.force_login(other_researcher)
    assert client.get(page_url(survey, 1)).status_code == 404


def test_preview_refuses_an_expert(expert_client, survey):
    reply = expert_client.get(page_url(survey, 1))
    assert reply.status_code == 302 and reply["Location"].startswith(reverse("research:login"))
