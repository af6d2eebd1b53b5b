"""Researchers sign in at /research/login/, superusers also at the admin's login; failed
sign-ins are throttled per username and per client address, on both."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from surveysite.signin import ERROR_THROTTLED

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.7"
RESEARCH_LOGIN = "/research/login/"
ADMIN_LOGIN = "/admin/login/"
WRONG_LOGIN = "Please enter the correct username and password for a staff account."
PAUSED = ERROR_THROTTLED.split("{")[0]


def sign_in(url, username, password, address=ATTACKER, client=None):
    client = client or Client()
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def last_login(username):
    return get_user_model().objects.get(username=username).last_login


def test_research_login_page_looks_like_the_research_pages(client):
    response = client.get(RESEARCH_LOGIN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Sign in | surveysite research</title>" in page
    assert 'action="/research/logout/"' not in page
    assert 'name="username"' in page and 'name="password"' in page


def test_research_login_signs_a_researcher_in_to_the_survey_list(client, researcher):
    response = sign_in(RESEARCH_LOGIN, "rita", "rita-password-1", client=client)
    assert response.status_code == 302
    assert response["Location"] == reverse("research:surveys")
    assert signed_in(client)


def test_research_login_follows_next_to_the_page_asked_for(client, researcher, survey):
    dashboard = reverse("research:dashboard", args=[survey.slug])
    login = client.get(dashboard)["Location"]
    assert login == f"{RESEARCH_LOGIN}?next={dashboard}"
    response = client.post(login, {"username": "rita", "password": "rita-password-1"})
    assert response["Location"] == dashboard
    assert client.get(dashboard).status_code == 200


def test_research_login_refuses_an_account_that_is_not_staff(client, django_user_model):
    django_user_model.objects.create_user("nina", "nina@example.org", "nina-password-1")
    response = sign_in(RESEARCH_LOGIN, "nina", "nina-password-1", client=client)
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()
    assert not signed_in(client)


def test_research_session_lasts_research_session_seconds(client, researcher):
    response = sign_in(RESEARCH_LOGIN, "rita", "rita-password-1", client=client)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 8 * 3600
    assert client.session.get_expiry_age() == 8 * 3600


def test_research_logout_signs_out_on_post_and_not_on_get(researcher_client):
    assert researcher_client.get("/research/logout/").status_code == 405
    assert signed_in(researcher_client)
    response = researcher_client.post("/research/logout/")
    assert response["Location"] == RESEARCH_LOGIN
    assert not signed_in(researcher_client)


def test_the_research_pages_user_menu_signs_out_at_the_research_logout(researcher_client):
    page = researcher_client.get(reverse("research:surveys")).content.decode()
    assert '<form method="post" action="/research/logout/">' in page
    assert "/admin/logout/" not in page


def test_the_admin_login_signs_a_superuser_in(client, superuser):
    form = {"username": "sam", "password": "sam-password-1", "next": "/admin/"}
    response = client.post(ADMIN_LOGIN, form, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


@pytest.mark.parametrize("url", [RESEARCH_LOGIN, ADMIN_LOGIN])
def test_thirty_wrong_passwords_then_the_right_one_is_refused(url, researcher, superuser):
    username, password = ("sam", "sam-password-1") if url == ADMIN_LOGIN else ("rita", None)
    password = password or "rita-password-1"
    for attempt in range(30):
        sign_in(url, username, f"wrong-{attempt}")
    client = Client()
    response = sign_in(url, username, password, client=client)
    assert response.status_code == 429
    assert PAUSED in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 15 * 60
    assert not signed_in(client)
    assert last_login(username) is None


def test_five_failures_pass_and_the_sixth_is_refused(researcher):
    for attempt in range(5):
        response = sign_in(RESEARCH_LOGIN, "rita", f"wrong-{attempt}")
        assert response.status_code == 200
        assert WRONG_LOGIN in response.content.decode()
    assert sign_in(RESEARCH_LOGIN, "rita", "wrong-5").status_code == 429


def test_the_right_password_within_the_five_failures_signs_in(researcher):
    for attempt in range(5):
        sign_in(RESEARCH_LOGIN, "rita", f"wrong-{attempt}")
    assert sign_in(RESEARCH_LOGIN, "rita", "rita-password-1").status_code == 302


def test_a_throttled_username_is_refused_from_another_address_too(researcher):
    for attempt in range(6):
        sign_in(RESEARCH_LOGIN, "rita", f"wrong-{attempt}")
    response = sign_in(RESEARCH_LOGIN, "rita", "rita-password-1", address=ELSEWHERE)
    assert response.status_code == 429


def test_another_user_from_another_address_still_signs_in(researcher, other_researcher):
    for attempt in range(30):
        sign_in(RESEARCH_LOGIN, "rita", f"wrong-{attempt}")
    client = Client()
    response = sign_in(RESEARCH_LOGIN, "oscar", "oscar-password-1", ELSEWHERE, client)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_failure_after_twenty_from_one_address_pauses_every_username_from_it(
    researcher, other_researcher
):
    for attempt in range(20):
        assert sign_in(RESEARCH_LOGIN, f"guess{attempt}", "wrong").status_code == 200
    assert sign_in(RESEARCH_LOGIN, "guess20", "wrong").status_code == 429
    assert sign_in(RESEARCH_LOGIN, "oscar", "oscar-password-1").status_code == 429
    assert sign_in(RESEARCH_LOGIN, "oscar", "oscar-password-1", ELSEWHERE).status_code == 302


def test_look_alike_spellings_of_a_username_share_its_count(researcher):
    for attempt in range(6):
        sign_in(RESEARCH_LOGIN, "ｒｉｔａ", f"wrong-{attempt}")  # fullwidth: NFKC makes it rita
    assert sign_in(RESEARCH_LOGIN, "rita", "rita-password-1", ELSEWHERE).status_code == 429


def test_sign_in_fails_open_when_the_throttles_cache_is_down(unreachable_redis_cache, researcher):
    for attempt in range(30):
        sign_in(RESEARCH_LOGIN, "rita", f"wrong-{attempt}")
    client = Client()
    assert sign_in(RESEARCH_LOGIN, "rita", "rita-password-1", client=client).status_code == 302
    assert signed_in(client)


def test_the_home_page_sends_researchers_to_the_research_pages(client):
    page = client.get("/").content.decode()
    assert '<a href="/research/">sign in</a>' in page
    assert "/admin/" not in page
