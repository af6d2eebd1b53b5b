import logging

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responses.fieldwork.services.lifecycle import invitation_regenerate_link, invitation_revoke
from responses.links import link_hash, link_secret
from responses.models import AuditEvent, Invitation, Response, Survey
from responses.respondent.session import SESSION_COOKIE
from tests.factories import session_invitation_id

pytestmark = pytest.mark.django_db

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def link(secret):
    return reverse("respondent:link", args=[secret])


def test_link_secret_has_256_bits(secret):
    assert len(secret) == 43  # 32 bytes, base64url without padding


def test_link_database_holds_neither_the_secret_nor_enough_to_make_it(invitation, secret, settings):
    row = Invitation.objects.values().get(pk=invitation.pk)
    assert secret not in str(row)
    assert row["link_hash"] == link_hash(secret)
    settings.SECRET_KEY = "another-server-secret-0123456789abcdefghijklmnopqrstuvwxyz"
    assert link_secret(invitation.link_nonce) != secret


def test_link_opens_into_session_and_redirects_away_from_secret(client, invitation, secret):
    response = client.get(link(secret))
    assert response.status_code == 302
    assert response["Location"] == reverse("respondent:landing")
    assert secret not in response["Location"]
    assert session_invitation_id(client) == invitation.pk


def test_link_response_sends_private_headers(client, secret):
    response = client.get(link(secret))
    for header, value in PRIVATE_HEADERS.items():
        assert response[header] == value


def test_landing_sends_private_headers(expert_client):
    response = expert_client.get(reverse("respondent:landing"))
    assert response.status_code == 200
    for header, value in PRIVATE_HEADERS.items():
        assert response[header] == value


def test_link_get_changes_nothing(client, invitation, secret):
    before = Invitation.objects.values().get(pk=invitation.pk)
    events = AuditEvent.objects.count()
    client.get(link(secret))
    client.get(reverse("respondent:landing"))
    client.get(reverse("respondent:decline"))
    assert Invitation.objects.values().get(pk=invitation.pk) == before
    assert not Response.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "bad",
    ["unknown", "A" * 43, "A" * 42 + "!", "", "../admin"],
)
def test_unknown_and_malformed_links_get_the_same_404(client, secret, bad):
    response = client.get(f"/s/{bad}/") if bad else client.get("/s//")
    assert response.status_code == 404
    assert SESSION_COOKIE not in client.cookies


def test_wrong_revoked_and_unknown_links_render_identically(client, invitation, secret):
    unknown = client.get(link("B" * 43))
    wrong = client.get(link(secret[:-1] + ("A" if secret[-1] != "A" else "B")))
    invitation_revoke(invitation=invitation)
    revoked = client.get(link(secret))
    assert unknown.status_code == wrong.status_code == revoked.status_code == 404
    assert unknown.content == wrong.content == revoked.content


def test_regenerated_link_replaces_the_old_one_at_once(client, invitation, secret):
    invitation_regenerate_link(invitation=invitation)
    assert client.get(link(secret)).status_code == 404
    new_secret = link_secret(invitation.link_nonce)
    assert client.get(link(new_secret)).status_code == 302


def test_link_keeps_working_on_another_device(client, client_factory, invitation, secret):
    client.get(link(secret))
    other_device = client_factory()
    assert other_device.get(link(secret)).status_code == 302
    assert other_device.get(reverse("respondent:landing")).status_code == 200


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


def test_closed_survey_link_gets_closed_page_with_date(client, survey, secret):
    survey.status = Survey.Status.CLOSED
    survey.closed_at = timezone.make_aware(timezone.datetime(2026, 6, 30, 12, 0))
    survey.save()
    response = client.get(link(secret), follow=True)
    assert response.status_code == 410
    assert "This survey closed on 30 June 2026" in response.content.decode()


def test_survey_past_its_closing_date_counts_as_closed(client, survey, secret):
    survey.closes_at = timezone.now() - timezone.timedelta(minutes=1)
    survey.save()
    response = client.get(link(secret), follow=True)
    assert response.status_code == 410


def test_draft_survey_link_says_not_open_yet(client, survey, secret):
    survey.status = Survey.Status.DRAFT
    survey.save()
    response = client.get(link(secret), follow=True)
    assert response.status_code == 403
    assert "not open yet" in response.content.decode()


def test_link_post_without_the_csrf_token_is_refused(secret):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(link(secret)).status_code == 403
    assert SESSION_COOKIE not in browser.cookies


def test_link_put_is_refused(client, secret):
    assert client.put(link(secret)).status_code == 405


def test_no_secret_reaches_a_log_line(client, secret, caplog):
    caplog.set_level(logging.DEBUG)
    client.get(link(secret[:-2] + "zz"))  # a wrong link is logged as a 404
    client.get(link(secret))
    assert "Not Found" in caplog.text
    assert secret[:20] not in caplog.text
    assert "/s/[redacted]" in caplog.text
