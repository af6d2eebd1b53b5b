"""The production shape, once, as CI runs it: collectstatic, then gunicorn with DEBUG off on the
test's PostgreSQL database serves a page, a hashed static file (whitenoise) and an autosave."""

import json
import re

import pytest

from responses.models import Answer
from tests.factories import HttpClient, server_database_url

STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/css/survey\.[0-9a-f]{12}\.css)">')
STATEMENT = re.compile(r'data-statement="(\d+)"')


@pytest.fixture
def production_site(postgres, transactional_db, collected_static, gunicorn_server):
    return gunicorn_server(
        DATABASE_URL=server_database_url(),
        STATIC_MANIFEST="1",
        STATIC_ROOT=str(collected_static),
    )


def test_production_shape_serves_a_page_a_hashed_static_file_and_an_autosave(
    production_site, invitation, secret
):
    expert = HttpClient(production_site.port)
    assert expert.get(f"/s/{secret}/").status == 302
    landing = expert.get("/survey/")
    assert landing.status == 200

    stylesheet = expert.get(STYLESHEET.search(landing.text).group(1))
    assert stylesheet.status == 200
    assert stylesheet.headers["Content-Type"] == 'text/css; charset="utf-8"'
    assert "immutable" in stylesheet.headers["Cache-Control"]  # whitenoise, for hashed names

    consent = {"csrfmiddlewaretoken": landing.csrf_token(), "consent": "on"}
    assert expert.post("/survey/consent/", consent).status == 302
    page = expert.get("/survey/page/1/")
    statement = int(STATEMENT.search(page.text).group(1))
    form = {"csrfmiddlewaretoken": page.csrf_token(), "statement": statement, "value": "2"}
    saved = expert.post("/survey/answer/", form, headers={"Accept": "application/json"})
    assert (saved.status, json.loads(saved.body)["saved"]) == (200, True)
    assert Answer.objects.get(response__invitation=invitation, statement_id=statement).value == 2
