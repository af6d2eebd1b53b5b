"""Respondent pages load nothing from other origins and carry no inline code (strict CSP)."""

import re

import pytest
from django.urls import reverse

from tests.factories import inline_code

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']\s*(?:https?:)?//""", re.I)


def pages(client):
    yield client.get(reverse("respondent:landing"))
    client.post(reverse("respondent:consent"), {"consent": "on"})
    for name in ("background", "review", "decline"):
        yield client.get(reverse(f"respondent:{name}"))
    yield client.get(reverse("respondent:page", args=[1]))
    yield client.post(reverse("respondent:page", args=[1]), {"comment_1": "x" * 6000})
    client.post(reverse("respondent:submit"))
    yield client.get(reverse("respondent:thanks"))
    yield client.get(reverse("respondent:landing"))
    yield client.get("/s/" + "x" * 43 + "/")


def test_respondent_pages_have_no_inline_code_and_no_other_origins(expert_client):
    for response in pages(expert_client):
        html = response.content.decode()
        assert inline_code(html) == [], response.request["PATH_INFO"]
        assert not EXTERNAL.search(html), response.request["PATH_INFO"]


def test_a_request_too_large_to_read_gets_our_page_saying_so(started_client, settings):
    body = "comment=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = started_client.post(
        "/survey/answer/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Request not understood</h1>" in page
    assert "it was too large, or malformed. Nothing was saved from it." in page
    assert inline_code(page) == []
