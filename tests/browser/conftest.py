"""A real browser against pytest-django's live_server (browser fixtures: tests/conftest.py)."""

import pytest
from django.urls import reverse

from responses.services.links import link_secret


@pytest.fixture
def expert_link(live_server, invitation):
    return live_server.url + reverse("respondent:link", args=[link_secret(invitation.link_nonce)])
