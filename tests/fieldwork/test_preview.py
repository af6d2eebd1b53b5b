"""The preview: the expert's own page template, any page, and nothing written."""

import pytest
from django.apps import apps
from django.urls import reverse

from responses.models import Answer, Response, Survey
from responses.respondent.selectors import questionnaire_order
from statements.models import Statement
from tests.factories import inline_code
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db


def rows_now() -> dict:
    """Every table's row count: a preview writes none of them."""
    return {model.__name__: model.objects.count() for model in apps.get_models()}


def page_url(survey, number):
    return reverse("research:preview_page", args=[survey.slug, number])


def test_preview_starts_on_the_landing_page(researcher_client, survey):
    reply = researcher_client.get(url("preview", survey))
    assert reply["Location"] == url("preview_welcome", survey)


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


def test_preview_goes_on_to_the_background_questions_past_the_last_page(researcher_client, survey):
    last = -(-len(questionnaire_order(survey=survey)) // survey.statements_per_page)
    reply = researcher_client.post(page_url(survey, last), {"goto": "next"})
    assert reply["Location"] == url("preview_background", survey)
    reply = researcher_client.post(page_url(survey, 1), {"goto": "review"})
    assert reply["Location"] == url("preview_review", survey)


def test_preview_goes_back_to_the_landing_page_before_the_first(researcher_client, survey):
    reply = researcher_client.post(page_url(survey, 1), {"goto": "previous"})
    assert reply["Location"] == url("preview_welcome", survey)


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


def page_total(survey) -> int:
    return -(-len(questionnaire_order(survey=survey)) // survey.statements_per_page)


def test_preview_landing_shows_the_surveys_introduction_and_consent(researcher_client, survey):
    survey.introduction, survey.consent_text = "Welcome, dear expert.", "I agree to take part."
    survey.save()
    page = researcher_client.get(url("preview_welcome", survey)).content.decode()
    assert "Preview: nothing is saved" in page
    assert "Welcome, dear expert." in page and "I agree to take part." in page
    assert f"Page 1 of {page_total(survey) + 4}" in page
    assert f'action="{url("preview_welcome", survey)}"' in page
    assert f'href="{page_url(survey, 1)}">Next page' in page
    assert "/survey/" not in page  # no link or form leads to an expert's page
    assert inline_code(page) == []


def test_preview_background_page_asks_the_surveys_questions(researcher_client, survey):
    survey.ask_gender = False
    survey.save()
    page = researcher_client.get(url("preview_background", survey)).content.decode()
    assert "Preview: nothing is saved" in page
    assert 'name="sectors"' in page and 'name="gender"' not in page
    assert f"Page {page_total(survey) + 2} of {page_total(survey) + 4}" in page
    assert "questionnaire.js" not in page


def test_preview_review_lists_every_page_with_preview_links(researcher_client, survey):
    page = researcher_client.get(url("preview_review", survey)).content.decode()
    first = questionnaire_order(survey=survey)[0]
    assert Statement.objects.get(pk=first).title in page
    assert f'href="{page_url(survey, 1)}#st-{first}"' in page
    assert f'action="{url("preview_review", survey)}"' in page
    assert "/survey/" not in page


def test_preview_thanks_shows_the_surveys_thank_you_message(researcher_client, survey):
    survey.thank_you_message = "Thank you for your insight."
    survey.save()
    page = researcher_client.get(url("preview_thanks", survey)).content.decode()
    total = page_total(survey) + 4
    assert "Thank you for your insight." in page
    assert f"Page {total} of {total}" in page and "Next page" not in page


def test_preview_privacy_notice_shows_the_surveys_notice(researcher_client, survey):
    survey.privacy_purpose = "Only for the study of governance."
    survey.save()
    page = researcher_client.get(url("preview_privacy", survey)).content.decode()
    assert "Only for the study of governance." in page
    assert "Preview: nothing is saved" in page


def test_preview_forms_move_on_and_write_nothing(researcher_client, survey):
    before = rows_now()
    consent = researcher_client.post(url("preview_welcome", survey), {"consent": "on"})
    assert consent["Location"] == page_url(survey, 1)
    answers = {"sectors": ["academia"], "gender": "woman", "open_answer": "Mine", "goto": "review"}
    background = researcher_client.post(url("preview_background", survey), answers)
    assert background["Location"] == url("preview_review", survey)
    back = researcher_client.post(url("preview_background", survey), {"goto": "previous"})
    assert back["Location"] == page_url(survey, page_total(survey))
    submitted = researcher_client.post(url("preview_review", survey))
    assert submitted["Location"] == url("preview_thanks", survey)
    for name in ("preview_welcome", "preview_background", "preview_review", "preview_thanks"):
        assert researcher_client.get(url(name, survey)).status_code == 200
    assert rows_now() == before


@pytest.mark.parametrize(
    "name", ["preview_welcome", "preview_background", "preview_review", "preview_thanks"]
)
def test_preview_pages_refuse_another_teams_researcher(client, survey, other_researcher, name):
    client.force_login(other_researcher)
    assert client.get(url(name, survey)).status_code == 404
    assert not Response.objects.exists()
