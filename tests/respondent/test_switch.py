"""Opening another invitation's link while a session holds a live one asks before switching:
a GET changes nothing, the page's POST (with CSRF) switches, and the same link continues."""

import pytest
from django.test import Client
from django.urls import reverse

from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import invitation_regenerate_link, survey_create
from responses.links import link_secret
from responses.respondent.session import SESSION_COOKIE
from tests.factories import session_invitation_id

pytestmark = pytest.mark.django_db

QUESTION = "<h1>Switch to another invitation?</h1>"


def link(invitation, decline=False):
    name = "respondent:link_decline" if decline else "respondent:link"
    return reverse(name, args=[link_secret(invitation.link_nonce)])


def test_another_invitations_link_asks_before_switching(
    expert_client, invitation, other_invitation
):
    response = expert_client.get(link(other_invitation))
    page = response.content.decode()
    assert response.status_code == 200
    assert QUESTION in page
    assert "a different invitation to the same survey" in page
    assert session_invitation_id(expert_client) == invitation.pk


def test_the_question_names_neither_invitations_expert(expert_client, other_invitation):
    page = expert_client.get(link(other_invitation)).content.decode()
    for personal in ("Alice", "alice@example.org", "Bob", "bob@example.org"):
        assert personal not in page


def test_the_question_sends_private_headers(expert_client, other_invitation):
    response = expert_client.get(link(other_invitation))
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_question_offers_a_post_button_and_a_way_back(expert_client, other_invitation):
    page = expert_client.get(link(other_invitation)).content.decode()
    assert '<form method="post">' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert (
        f'<a href="{reverse("respondent:landing")}">Back to AGI safety and governance</a>' in page
    )


def test_the_switch_button_switches_to_the_new_invitation(
    expert_client, invitation, other_invitation
):
    response = expert_client.post(link(other_invitation))
    assert response.status_code == 302
    assert response["Location"] == reverse("respondent:landing")
    assert session_invitation_id(expert_client) == other_invitation.pk


def test_the_switch_needs_the_csrf_token(invitation, other_invitation):
    browser = Client(enforce_csrf_checks=True)
    browser.get(link(invitation))
    assert browser.post(link(other_invitation)).status_code == 403
    assert session_invitation_id(browser) == invitation.pk


def test_the_switch_from_a_decline_link_goes_on_to_declining(expert_client, other_invitation):
    assert QUESTION in expert_client.get(link(other_invitation, decline=True)).content.decode()
    response = expert_client.post(link(other_invitation, decline=True))
    assert response["Location"] == reverse("respondent:decline")
    assert session_invitation_id(expert_client) == other_invitation.pk


def test_the_same_link_again_simply_continues(expert_client, invitation):
    response = expert_client.get(link(invitation))
    assert response.status_code == 302
    assert response["Location"] == reverse("respondent:landing")


def test_a_session_that_has_ended_does_not_ask(expert_client, invitation, other_invitation):
    invitation_regenerate_link(invitation=invitation)
    response = expert_client.get(link(other_invitation))
    assert response.status_code == 302
    assert session_invitation_id(expert_client) == other_invitation.pk


def test_a_link_to_another_survey_names_that_survey(expert_client, other_researcher):
    theirs = survey_create(slug="theirs", title="Their survey", owner=other_researcher)
    foreign, _ = invitation_create(survey=theirs, email="carol@example.org", name="Carol")
    page = expert_client.get(link(foreign)).content.decode()
    assert "a different invitation, to <strong>Their survey</strong>" in page
    assert "Carol" not in page


def test_without_a_session_a_link_opens_at_once(client, other_invitation):
    assert client.get(link(other_invitation)).status_code == 302
    assert client.cookies[SESSION_COOKIE].value
