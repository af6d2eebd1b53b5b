"""axe-core on the results page and a recompute job's page, in Debian's chromium."""

import itertools

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from responses.services.results import recompute_job_create, snapshot_refresh

from .conftest import respond

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = pytest.mark.browser


@pytest.fixture
def researcher_page(new_context, live_server, client, researcher):
    client.force_login(researcher)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = new_context()
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context.new_page()


@pytest.fixture
def computed(survey):
    """Twelve respondents in two sectors and genders, so that the group views show."""
    values = itertools.cycle([2, 1, 0, -1, -2, -88, 2, 1])
    for index in range(12):
        respond(
            survey,
            answers={number: next(values) for number in range(1, 51)},
            sector=["agi_lab", "academia"][index % 2],
            stated=[["agi_lab"], ["academia"]][index % 2],
            gender=["man", "woman"][index % 2],
        )
    snapshot_refresh(survey=survey)
    return survey


def assert_no_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    assert results.violations_count == 0, results.generate_report()


def test_axe_finds_nothing_on_the_results_page(researcher_page, live_server, computed):
    researcher_page.goto(live_server.url + reverse("research:results", args=[computed.slug]))
    assert researcher_page.locator("h1").inner_text().startswith("Results")
    charts = researcher_page.locator("figure.results-chart img")
    assert charts.count() >= 6
    for index in range(charts.count()):
        assert charts.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    assert_no_violations(researcher_page)


def test_axe_finds_nothing_on_a_recompute_job_page(researcher_page, live_server, computed):
    job = recompute_job_create(survey=computed)
    url = reverse("research:results_job", args=[computed.slug, job.pk])
    researcher_page.goto(live_server.url + url)
    assert_no_violations(researcher_page)
