"""CSRF under `Referrer-Policy: no-referrer`: browsers post with `Origin: null`."""

import pytest
from django.test import Client
from django.urls import reverse

from responses.links import link_secret
from responses.models import Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client(invitation):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("respondent:link", args=[link_secret(invitation.link_nonce)]))
    client.get(reverse("respondent:landing"))
    return client


def consent(csrf_client, secure=False, **headers):
    token = csrf_client.cookies["csrftoken"].value
    return csrf_client.post(
        reverse("respondent:consent"),
        {"consent": "on", "csrfmiddlewaretoken": token},
        secure=secure,
        headers=headers,
    )


@pytest.mark.parametrize("secure", [False, True])
def test_csrf_accepts_null_origin_vouched_same_origin_by_the_browser(csrf_client, secure, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = consent(csrf_client, secure=secure, origin="null", sec_fetch_site="same-origin")
    assert response.status_code == 302
    assert Response.objects.count() == 1


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none", ""])
def test_csrf_refuses_null_origin_from_anywhere_else(csrf_client, site):
    response = consent(csrf_client, origin="null", sec_fetch_site=site)
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_csrf_still_requires_the_token(csrf_client):
    response = csrf_client.post(
        reverse("respondent:consent"),
        {"consent": "on"},
        headers={"origin": "null", "sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_csrf_refuses_a_foreign_origin(csrf_client):
    response = consent(csrf_client, origin="https://evil.example", sec_fetch_site="cross-site")
    assert response.status_code == 403
