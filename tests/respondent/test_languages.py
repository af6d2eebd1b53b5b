"""The expert's language: offered once the survey's texts exist in it, chosen on the landing
page (by default the expert's own), stored at consent and kept on every later page, message
and email."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responses.fieldwork.services.emails import email_render
from responses.models import Invitation, Response
from responses.respondent import languages
from statements.models import Statement, StatementTranslation
from tests.factories import german_offered

pytestmark = pytest.mark.django_db

GERMAN_TITLE = "Sicherheit und Governance von AGI"


@pytest.fixture
def german(survey):
    return german_offered(survey)


def landing(client, **params):
    return client.get(reverse("respondent:landing"), params).content.decode()


def consent(client, language: str):
    return client.post(reverse("respondent:consent"), {"consent": "on", "language": language})


def test_language_landing_has_no_chooser_in_one_language(expert_client):
    html = landing(expert_client)
    assert '<html lang="en">' in html
    assert 'name="language" id="language"' not in html


def test_language_landing_offers_german_once_every_text_exists(expert_client, german):
    html = landing(expert_client)
    assert '<option value="de" lang="de">Deutsch</option>' in html
    assert '<html lang="en">' in html


def test_language_survey_offers_german_once_every_text_exists(survey, german):
    survey.refresh_from_db()
    assert languages.survey_languages_offered(survey=survey) == ["en", "de"]
    assert german.languages == ["en", "de"]


def test_language_one_missing_statement_withdraws_the_offer(expert_client, survey, german):
    StatementTranslation.objects.filter(language="de").first().delete()
    survey.refresh_from_db()
    assert languages.survey_languages_offered(survey=survey) == ["en"]
    html = landing(expert_client, language="de")
    assert '<html lang="en">' in html and GERMAN_TITLE not in html


def test_language_chosen_on_landing_shows_it_before_consent(expert_client, german):
    html = landing(expert_client, language="de")
    assert '<html lang="de">' in html
    assert f"<h1>{GERMAN_TITLE}</h1>" in html
    assert "Umfrage beginnen" in html
    assert '<input type="hidden" name="language" value="de">' in html


def test_language_of_the_expert_is_the_default(expert_client, invitation, german):
    invitation.expert.language = "de"
    invitation.expert.save(update_fields=["language"])
    assert '<html lang="de">' in landing(expert_client)
    assert '<html lang="en">' in landing(expert_client, language="en")


def test_language_chosen_is_stored_at_consent(expert_client, invitation, german):
    consent(expert_client, "de")
    assert Response.objects.get(invitation=invitation).language == "de"


def test_language_not_offered_falls_back_to_the_surveys(expert_client, invitation, german):
    consent(expert_client, "fr")
    assert Response.objects.get(invitation=invitation).language == "en"


def test_language_not_yet_complete_is_refused_at_consent(expert_client, invitation, survey):
    consent(expert_client, "de")
    assert Response.objects.get(invitation=invitation).language == "en"


def test_language_pages_show_the_statements_in_it(expert_client, invitation, german):
    consent(expert_client, "de")
    first = Statement.objects.get(pk=invitation.response.statement_order[0])
    html = expert_client.get(reverse("respondent:page", args=[1])).content.decode()
    assert '<html lang="de">' in html
    assert f"DE {first.title}" in html
    assert "Stimme voll zu" in html and "Strongly agree" not in html
    assert "Aussagen, Seite 1 von 5" in html


def test_language_stays_once_consented(expert_client, german):
    consent(expert_client, "de")
    html = landing(expert_client, language="en")
    assert '<html lang="de">' in html
    assert "Dort weitermachen, wo Sie aufgehört haben" in html
    assert 'name="language" id="language"' not in html


def test_language_autosave_refusal_is_in_it(expert_client, german):
    consent(expert_client, "de")
    response = expert_client.post(reverse("respondent:autosave"), {"statement": "1", "value": "9"})
    assert response.status_code == 400
    assert response.json()["message"] == "Bitte wählen Sie eine der sechs angebotenen Antworten."


def test_language_page_errors_are_in_it(expert_client, invitation, german):
    consent(expert_client, "de")
    first = invitation.response.statement_order[0]
    url = reverse("respondent:page", args=[1])
    html = expert_client.post(url, {f"value_{first}": "9"}).content.decode()
    assert "Von dieser Seite wurde nichts gespeichert:" in html
    assert "Bitte wählen Sie eine der sechs angebotenen Antworten." in html


def test_language_review_and_thanks_are_in_it(expert_client, german):
    consent(expert_client, "de")
    review = expert_client.get(reverse("respondent:review")).content.decode()
    assert "50 Aussagen nicht beantwortet" in review
    expert_client.post(reverse("respondent:submit"))
    thanks = expert_client.get(reverse("respondent:thanks")).content.decode()
    assert '<html lang="de">' in thanks and "Vielen Dank" in thanks


@pytest.mark.parametrize("size", [5, 25, 50])
def test_language_page_query_count_is_constant(expert_client, survey, german, size):
    consent(expert_client, "de")
    survey.statements_per_page = size
    survey.save(update_fields=["statements_per_page"])
    with CaptureQueriesContext(connection) as captured:
        response = expert_client.get(reverse("respondent:page", args=[1]))
    assert response.status_code == 200
    # as in English (test_queries.py), and one for the page's statements in German
    assert len(captured.captured_queries) == 5


def test_language_404_follows_the_browser(client):
    html = client.get("/survey/no-such-page/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de">' in html and "Seite nicht gefunden" in html


def test_language_email_is_in_the_experts_language(invitation, german):
    invitation.expert.language = "de"
    invitation.expert.save(update_fields=["language"])
    email = email_render(invitation=Invitation.objects.get(pk=invitation.pk), kind="invitation")
    assert email.subject == f"Einladung: {GERMAN_TITLE}"
    assert email.text.startswith("Guten Tag Alice Expert,")
    assert '<html lang="de">' in email.html


def test_language_email_stays_english_while_not_offered(invitation, survey):
    invitation.expert.language = "de"
    invitation.expert.save(update_fields=["language"])
    email = email_render(invitation=invitation, kind="invitation")
    assert email.subject == f"Invitation: {survey.title}"
    assert '<html lang="en">' in email.html


def test_language_reminder_follows_the_response(expert_client, invitation, german):
    consent(expert_client, "de")
    invitation.refresh_from_db()
    email = email_render(invitation=invitation, kind="reminder")
    assert email.subject == f"Erinnerung: {GERMAN_TITLE}"
    # No closing date: the sentence is left out, in German as in English.
    assert "Die Umfrage endet" not in email.text and "kein Enddatum" not in email.text
