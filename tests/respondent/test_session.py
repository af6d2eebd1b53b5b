"""An expert's session lives as long as the link that opened it: regenerating or revoking the
link ends it, and nothing brings it back."""

import pytest
from django.core import signing
from django.urls import reverse

from responses.fieldwork.services.lifecycle import invitation_regenerate_link, invitation_revoke
from responses.links import link_secret
from responses.models import Answer
from responses.respondent.selectors import ERROR_SESSION_ENDED
from responses.respondent.session import SESSION_COOKIE

pytestmark = pytest.mark.django_db

SESSION_EXPIRED_TITLE = "<h1>Please reopen your personal link</h1>"


def autosave(client, statement, value="1"):
    return client.post(reverse("respondent:autosave"), {"statement": statement, "value": value})


def second_statement(invitation):
    invitation.refresh_from_db()
    return invitation.response.statement_order[1]


def test_session_ends_when_its_link_is_regenerated(answering_client, invitation):
    invitation_regenerate_link(invitation=invitation)
    response = answering_client.get(reverse("respondent:page", args=[1]))
    assert response.status_code == 403
    assert SESSION_EXPIRED_TITLE in response.content.decode()


def test_autosave_of_a_session_whose_link_was_regenerated_saves_nothing(
    answering_client, invitation
):
    statement = second_statement(invitation)
    invitation_regenerate_link(invitation=invitation)
    response = autosave(answering_client, statement)
    assert response.status_code == 403
    assert response.json() == {
        "saved": False,
        "error": "session_expired",
        "message": ERROR_SESSION_ENDED,
    }
    assert not Answer.objects.filter(statement_id=statement).exists()


def test_page_post_of_a_session_whose_link_was_regenerated_saves_nothing(
    answering_client, invitation
):
    statement = second_statement(invitation)
    invitation_regenerate_link(invitation=invitation)
    response = answering_client.post(
        reverse("respondent:page", args=[1]), {f"value_{statement}": "2"}
    )
    assert response.status_code == 403
    assert not Answer.objects.filter(statement_id=statement).exists()


def test_submit_of_a_session_whose_link_was_regenerated_is_refused(answering_client, invitation):
    invitation_regenerate_link(invitation=invitation)
    response = answering_client.post(reverse("respondent:submit"))
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.submitted_at is None


def test_revoke_then_regenerate_does_not_bring_the_old_session_back(answering_client, invitation):
    statement = second_statement(invitation)
    invitation_revoke(invitation=invitation)
    invitation_regenerate_link(invitation=invitation)
    assert answering_client.get(reverse("respondent:landing")).status_code == 403
    assert autosave(answering_client, statement).json()["error"] == "session_expired"
    assert not Answer.objects.filter(statement_id=statement).exists()


def test_the_new_link_opens_a_session_that_continues_the_response(answering_client, invitation):
    statement = second_statement(invitation)
    invitation_regenerate_link(invitation=invitation)
    answering_client.get(reverse("respondent:link", args=[link_secret(invitation.link_nonce)]))
    assert answering_client.get(reverse("respondent:page", args=[1])).status_code == 200
    assert autosave(answering_client, statement, "2").json()["saved"] is True
    assert Answer.objects.get(statement_id=statement).value == 2


def test_a_session_cookie_without_the_link_opens_nothing(started_client, invitation):
    # The cookie's form before sessions were bound to their link: the invitation's id alone.
    signer = signing.get_cookie_signer(salt=SESSION_COOKIE + "surveysite.respondent-session")
    started_client.cookies[SESSION_COOKIE] = signer.sign(str(invitation.pk))
    assert started_client.get(reverse("respondent:page", args=[1])).status_code == 403


def test_the_expert_session_lasts_respondent_session_seconds(client, secret, settings):
    settings.RESPONDENT_SESSION_SECONDS = 3600
    response = client.get(reverse("respondent:link", args=[secret]))
    assert int(response.cookies[SESSION_COOKIE]["max-age"]) == 3600


def test_the_expert_session_ends_after_respondent_session_seconds(
    started_client, settings, monkeypatch
):
    import time

    settings.RESPONDENT_SESSION_SECONDS = 3600
    later = time.time() + 3601
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert started_client.get(reverse("respondent:page", args=[1])).status_code == 403
