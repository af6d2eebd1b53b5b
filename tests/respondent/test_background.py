"""The background questions (issue 10): they autosave like statements, through the write
rule, refuse what statements refuse, and the page's texts match the questions asked."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responses.fieldwork.services.lifecycle import invitation_regenerate_link
from responses.models import Response, Survey
from responses.respondent.selectors import ERROR_CLOSED, ERROR_SESSION_ENDED, ERROR_SUBMITTED

pytestmark = pytest.mark.django_db

SAVE = reverse("respondent:background_autosave")
PAGE = reverse("respondent:background")


def stored(invitation) -> tuple:
    response = Response.objects.get(invitation=invitation)
    return response.sectors, response.gender, response.open_answer


def test_background_autosave_saves_the_whole_form(started_client, invitation):
    posted = {"sectors": ["think_tank", "academia"], "gender": "man", "open_answer": "Audits."}
    response = started_client.post(SAVE, posted)
    assert response.status_code == 200
    assert response.json() == {"saved": True}
    assert stored(invitation) == (["think_tank", "academia"], "man", "Audits.")


def test_background_autosave_clears_what_is_unticked(started_client, invitation):
    started_client.post(SAVE, {"sectors": ["academia"], "gender": "man"})
    started_client.post(SAVE, {"open_answer": "Only this."})
    assert stored(invitation) == ([], "", "Only this.")


def test_background_autosave_refuses_prefer_not_to_say_with_a_sector(started_client, invitation):
    started_client.post(SAVE, {"gender": "woman"})
    response = started_client.post(SAVE, {"sectors": ["academia", "prefer_not_to_say"]})
    assert response.status_code == 400
    assert response.json() == {
        "saved": False,
        "error": "invalid",
        "message": "“Prefer not to say” cannot be combined with another sector.",
    }
    assert stored(invitation) == ([], "woman", "")


def test_background_autosave_refuses_an_unknown_gender(started_client, invitation):
    response = started_client.post(SAVE, {"gender": "robot"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert stored(invitation) == ([], "", "")


def test_background_autosave_refuses_after_close(started_client, invitation, survey):
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())
    response = started_client.post(SAVE, {"gender": "woman"})
    assert response.status_code == 410
    assert response.json()["message"] == ERROR_CLOSED
    assert stored(invitation) == ([], "", "")


def test_background_autosave_refuses_after_submission(started_client, invitation):
    started_client.post(reverse("respondent:submit"))
    response = started_client.post(SAVE, {"gender": "woman"})
    assert response.status_code == 409
    assert response.json()["message"] == ERROR_SUBMITTED
    assert stored(invitation) == ([], "", "")


def test_background_autosave_refuses_a_regenerated_link(started_client, invitation):
    invitation_regenerate_link(invitation=invitation)
    response = started_client.post(SAVE, {"gender": "woman"})
    assert response.status_code == 403
    assert response.json()["message"] == ERROR_SESSION_ENDED
    assert stored(invitation) == ([], "", "")


def test_background_autosave_refuses_without_a_session(invitation):
    response = Client().post(SAVE, {"gender": "woman"})
    assert response.status_code == 403
    assert response.json()["error"] == "session_expired"


def test_background_autosave_refuses_a_get(started_client):
    assert started_client.get(SAVE).status_code == 405


def test_background_keeps_the_stored_answer_of_a_question_turned_off(
    started_client, invitation, survey
):
    started_client.post(SAVE, {"sectors": ["academia"], "gender": "woman"})
    Survey.objects.filter(pk=survey.pk).update(ask_gender=False)
    started_client.post(SAVE, {"sectors": ["government"]})
    assert stored(invitation) == (["government"], "woman", "")


def test_background_page_text_matches_three_questions(started_client):
    page = started_client.get(PAGE).content.decode()
    assert "These 3 questions are all optional." in page
    assert "Both are optional" not in page


def test_background_page_text_matches_two_questions(started_client, survey):
    Survey.objects.filter(pk=survey.pk).update(ask_sector=False)
    page = started_client.get(PAGE).content.decode()
    assert "These 2 questions are all optional." in page
    assert 'name="sectors"' not in page
    assert 'name="gender"' in page


def test_background_page_with_only_the_open_question(started_client, survey):
    Survey.objects.filter(pk=survey.pk).update(ask_sector=False, ask_gender=False)
    page = started_client.get(PAGE).content.decode()
    assert "This question is optional." in page
    assert "compare groups" not in page


def test_background_page_uses_the_researchers_option_labels(started_client, survey):
    Survey.objects.filter(pk=survey.pk).update(
        background_labels={"sector": {"academia": "University"}, "gender": {"man": "Male"}}
    )
    page = started_client.get(PAGE).content.decode()
    assert "University" in page and "Male" in page
    assert "Academia" not in page
