"""CSRF under `Referrer-Policy: no-referrer`: browsers post with `Origin: null`."""

import pytest
from django.test import Client
from django.urls import reverse

from responses.models import Response
from responses.services.links import link_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(invitation):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("respondent:link", args=[link_secret(invitation.link_nonce)]))
    client.get(reverse("respondent:landing"))
    return client


def consent(browser, secure=False, **headers):
    token = browser.cookies["csrftoken"].value
    return browser.post(
        reverse("respondent:consent"),
        {"consent": "on", "csrfmiddlewaretoken": token},
        secure=secure,
        headers=headers,
    )


@pytest.mark.parametrize("secure", [False, True])
def test_csrf_accepts_null_origin_vouched_same_origin_by_the_browser(browser, secure, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = consent(browser, secure=secure, origin="null", sec_fetch_site="same-origin")
    assert response.status_code == 302
    assert Response.objects.count() == 1


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none", ""])
def test_csrf_refuses_null_origin_from_anywhere_else(browser, site):
    response = consent(browser, origin="null", sec_fetch_site=site)
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_csrf_still_requires_the_token(browser):
    response = browser.post(
        reverse("respondent:consent"),
        {"consent": "on"},
        headers={"origin": "null", "sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_csrf_refuses_a_foreign_origin(browser):
    response = consent(browser, origin="https://evil.example", sec_fetch_site="cross-site")
    assert response.status_code == 403
