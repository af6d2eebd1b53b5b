"""Researchers reset a forgotten password by email at /research/password-reset/: the link goes
to staff accounts only, is built on SITE_URL, works once, and the requests are throttled per
address and per client like the sign-in."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from surveysite.password_reset import ERROR_THROTTLED

pytestmark = pytest.mark.django_db

RESET = "/research/password-reset/"
PAUSED = ERROR_THROTTLED.split("{")[0]


def ask(email, address="203.0.113.9", client=None):
    return (client or Client()).post(RESET, {"email": email}, REMOTE_ADDR=address)


def reset_link() -> str:
    [message] = mail.outbox
    return re.search(r"https?://\S+/research/password-reset/\S+/\S+/", message.body).group(0)


def test_password_reset_page_looks_like_the_sign_in(client):
    page = client.get(RESET).content.decode()
    assert "<title>Reset your password | surveysite research</title>" in page
    assert 'class="signin-form"' in page and 'name="email"' in page
    login = client.get(reverse("research:login")).content.decode()
    assert f'href="{RESET}"' in login


def test_password_reset_emails_a_researcher_a_link_on_the_site_url(researcher, settings):
    settings.SITE_URL = "https://survey.example.org"
    response = ask("RITA@example.org")
    assert response["Location"] == reverse("research:password_reset_done")
    [message] = mail.outbox
    assert message.to == ["rita@example.org"]
    assert reset_link().startswith("https://survey.example.org/research/password-reset/")
    assert "Your username: rita" in message.body


def test_password_reset_sends_nothing_for_an_unknown_address_or_a_non_staff_account(
    django_user_model,
):
    django_user_model.objects.create_user("eve", "eve@example.org", "eve-password-1")
    for email in ("eve@example.org", "nobody@example.org"):
        assert ask(email)["Location"] == reverse("research:password_reset_done")
    assert mail.outbox == []


def test_password_reset_link_sets_the_password_once(researcher, client):
    ask("rita@example.org")
    link = reset_link()
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    new = {"new_password1": "a-brand-new-secret-9", "new_password2": "a-brand-new-secret-9"}
    done = client.post(form.redirect_chain[-1][0], new)
    assert done["Location"] == reverse("research:password_reset_complete")
    assert get_user_model().objects.get(username="rita").check_password("a-brand-new-secret-9")
    again = Client().get(link, follow=True).content.decode()
    assert "This link no longer works" in again


def test_password_reset_refuses_mismatched_passwords_and_keeps_the_old(researcher, client):
    ask("rita@example.org")
    form = client.get(reset_link(), follow=True)
    bad = {"new_password1": "a-brand-new-secret-9", "new_password2": "another-one-9"}
    response = client.post(form.redirect_chain[-1][0], bad)
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode()
    assert get_user_model().objects.get(username="rita").check_password("rita-password-1")


def test_password_reset_is_throttled_per_address(researcher):
    for number in range(3):
        assert ask("rita@example.org", address=f"198.51.100.{number}").status_code == 302
    response = ask("rita@example.org", address="198.51.100.200")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert PAUSED in response.content.decode()
    assert len(mail.outbox) == 3


def test_password_reset_is_throttled_per_client(researcher):
    for number in range(10):
        assert ask(f"someone{number}@example.org").status_code == 302
    assert ask("rita@example.org").status_code == 429
    assert mail.outbox == []
    assert ask("rita@example.org", address="192.0.2.1").status_code == 302


def test_admin_index_links_to_the_research_area(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'href="/research/"' in page


def test_survey_slug_password_reset_is_reserved(researcher):
    from responses.fieldwork.services.lifecycle import SurveyError, survey_create

    with pytest.raises(SurveyError):
        survey_create(slug="password-reset", title="Reset", owner=researcher)
