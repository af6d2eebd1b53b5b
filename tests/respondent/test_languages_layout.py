"""The expert's language on the pages of the questionnaire's layout: section titles, the
privacy notice, the background autosave's refusals and the words questionnaire.js writes."""

import html
import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from responses.models import Section, SurveyItem
from responses.respondent.forms import ERROR_SECTORS_COMBINED
from tests.factories import german_offered

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_german(expert_client, survey):
    german_offered(survey)
    expert_client.post(reverse("respondent:consent"), {"consent": "on", "language": "de"})
    return expert_client


def page_words(page: str) -> dict:
    return json.loads(html.unescape(re.search(r'data-words="([^"]*)"', page).group(1)))


def test_language_section_titles_in_the_expert_language(in_german, survey, invitation):
    first = invitation.response.statement_order[0]
    section = Section.objects.create(
        survey=survey, position=1, title="Governance", translations={"de": "Steuerung"}
    )
    SurveyItem.objects.filter(survey=survey, statement_id=first).update(section=section)
    page = in_german.get(reverse("respondent:page", args=[1])).content.decode()
    assert '<h2 class="q-section">Steuerung</h2>' in page
    assert ">Governance<" not in page


def test_language_privacy_notice_in_the_expert_language(in_german):
    page = in_german.get(reverse("respondent:privacy")).content.decode()
    assert '<html lang="de">' in page
    assert "<h1>Datenschutzhinweis</h1>" in page


def test_language_background_autosave_refuses_in_the_expert_language(in_german):
    body = {"sectors": ["prefer_not_to_say", "academia"]}
    response = in_german.post(reverse("respondent:background_autosave"), body)
    assert response.status_code == 400
    with translation.override("de"):
        german = str(ERROR_SECTORS_COMBINED)
    assert german != str(ERROR_SECTORS_COMBINED)
    assert response.json()["message"] == german


def test_language_script_words_on_the_background_and_page(in_german):
    background = in_german.get(reverse("respondent:background")).content.decode()
    words = page_words(background)
    assert words["saved"] == "Gespeichert"
    assert words["offline_next"].startswith("Noch nicht gespeichert")
    page = in_german.get(reverse("respondent:page", args=[1])).content.decode()
    assert page_words(page)["resent_one"].startswith("Eine Auswahl")
