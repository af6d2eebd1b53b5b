"""A real browser against pytest-django's live_server (browser fixtures: tests/conftest.py)."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from responses.links import link_secret


@pytest.fixture
def expert_link(live_server, invitation):
    return live_server.url + reverse("respondent:link", args=[link_secret(invitation.link_nonce)])


@pytest.fixture
def researcher_page(new_context, live_server, client, researcher):
    """A browser signed in as the survey's researcher (the session of Django's test client)."""
    client.force_login(researcher)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = new_context()
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context.new_page()
