"""Our CSRF failure page (settings CSRF_FAILURE_VIEW): cookies cleared or a stale tab get a
page that explains how to reopen the personal link, the autosave gets JSON it reads."""

import pytest
from django.test import Client
from django.urls import reverse

from surveysite.views import MESSAGE_CSRF
from tests.factories import inline_code

pytestmark = pytest.mark.django_db


def test_csrf_failure_on_a_form_gets_our_page(started_client, invitation):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = started_client.cookies
    response = browser.post(reverse("respondent:page", args=[1]), {"goto": "next"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>This page could not be sent</h1>" in page
    assert "Open the personal link from your invitation email again" in page
    assert "CSRF verification failed" not in page
    assert inline_code(page) == []


def test_csrf_failure_on_the_autosave_gets_json(started_client, invitation):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = started_client.cookies
    statement = invitation.response.statement_order[0]
    response = browser.post(
        reverse("respondent:autosave"),
        {"statement": statement, "value": "2"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403
    assert response.json() == {"saved": False, "error": "csrf", "message": str(MESSAGE_CSRF)}
    assert not invitation.response.answers.exists()
