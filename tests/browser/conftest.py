"""A real browser: Debian's chromium driven by Playwright against pytest-django's live_server.

One chromium per test session; each test gets fresh contexts. Nothing downloads a browser."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from responses.services.links import link_secret
from statements.services import statements_load
from tests.conftest import require

# Playwright's sync API runs an event loop in this thread; the Django ORM calls made by the
# tests from the same thread are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def playwright():
    require(CHROMIUM.exists(), "needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def launch_browser(playwright):
    """Start another chromium, for tests that close theirs on purpose."""

    def launch():
        return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

    return launch


@pytest.fixture(scope="session")
def browser(launch_browser):
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture
def catalogue(transactional_db):
    """The statements. live_server tests are transactional: each one ends by emptying every
    table, including the catalogue the data migration loaded, so put it back first."""
    statements_load()


@pytest.fixture
def survey(catalogue, survey):
    return survey


@pytest.fixture
def expert_link(live_server, invitation):
    return live_server.url + reverse("respondent:link", args=[link_secret(invitation.link_nonce)])


@pytest.fixture
def new_context(browser, live_server):
    """Fresh browser contexts (own cookies), closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()
