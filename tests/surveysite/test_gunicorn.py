"""gunicorn as the Procfile runs it: one access-log line per request, personal links redacted,
and our own 500 page when the database is down. No database server needed: the database URL
names a port where nothing listens."""

import pytest

from responses.links import link_nonce_new, link_secret
from tests.factories import HttpClient, free_port, inline_code

ERROR_HEADING = "<h1>Something went wrong on our side</h1>"


@pytest.fixture
def site_without_database(gunicorn_server):
    return gunicorn_server(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/down")


@pytest.fixture
def link_secret_unknown():
    return link_secret(link_nonce_new())


def test_gunicorn_logs_each_request_to_stdout_with_personal_links_redacted(
    site_without_database, link_secret_unknown
):
    browser = HttpClient(site_without_database.port)
    browser.get(f"/s/{link_secret_unknown}/", headers={"Referer": f"/s/{link_secret_unknown}/"})
    browser.get("/")
    lines = site_without_database.output().splitlines()
    requests = [line.split('"')[1] for line in lines]
    assert requests == ["GET /s/[redacted]/ HTTP/1.1", "GET / HTTP/1.1"]
    assert '"/s/[redacted]/"' in lines[0]  # the referrer


def test_gunicorn_writes_no_personal_link_anywhere(site_without_database, link_secret_unknown):
    HttpClient(site_without_database.port).get(f"/s/{link_secret_unknown}/decline/")
    errors = site_without_database.errors()
    assert "Internal Server Error: /s/[redacted]/decline/" in errors
    assert link_secret_unknown not in site_without_database.output() + errors


def test_server_error_page_is_ours_when_the_database_is_down(
    site_without_database, link_secret_unknown
):
    reply = HttpClient(site_without_database.port).get(f"/s/{link_secret_unknown}/")
    assert reply.status == 500
    assert ERROR_HEADING in reply.text
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
    assert inline_code(reply.text) == []
