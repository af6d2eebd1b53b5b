"""axe-core on the results page and a recompute job's page, in Debian's chromium."""

import itertools

import pytest
from django.urls import reverse

from responses.results.exports import codebook
from responses.results.services.snapshots import recompute_job_create, snapshot_refresh
from tests.browser.pages import assert_no_axe_violations
from tests.factories import respond

pytestmark = pytest.mark.browser


@pytest.fixture
def grouped_results(survey):
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


def test_axe_finds_nothing_on_the_results_page(researcher_page, live_server, grouped_results):
    researcher_page.goto(live_server.url + reverse("research:results", args=[grouped_results.slug]))
    assert researcher_page.locator("h1").inner_text().startswith("Results")
    charts = researcher_page.locator("figure.results-chart img")
    assert charts.count() >= 6
    for index in range(charts.count()):
        assert charts.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    assert_no_axe_violations(researcher_page)


def test_axe_finds_nothing_on_a_recompute_job_page(researcher_page, live_server, grouped_results):
    job = recompute_job_create(survey=grouped_results)
    url = reverse("research:results_job", args=[grouped_results.slug, job.pk])
    researcher_page.goto(live_server.url + url)
    assert_no_axe_violations(researcher_page)


def test_axe_finds_nothing_on_the_methods_page(researcher_page, live_server, grouped_results):
    url = reverse("research:results_methods", args=[grouped_results.slug])
    researcher_page.goto(live_server.url + url)
    assert researcher_page.locator("h1").inner_text().startswith("Methods")
    assert_no_axe_violations(researcher_page)


def test_axe_finds_nothing_on_a_statement_page(researcher_page, live_server, grouped_results):
    url = reverse("research:results_statement", args=[grouped_results.slug, 12])
    researcher_page.goto(live_server.url + url)
    chart = researcher_page.locator("figure.results-chart img")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_no_axe_violations(researcher_page)


def test_axe_finds_nothing_in_the_html_codebook(new_context, grouped_results):
    page = new_context().new_page()
    page.set_content(codebook.html_bytes(grouped_results).decode())
    assert page.locator("h1").inner_text() == f"Codebook: {grouped_results.title}"
    assert page.locator("article").count() == 71
    assert_no_axe_violations(page)


def test_axe_finds_nothing_on_the_consensus_rule_page(researcher_page, live_server, survey):
    url = reverse("research:results_consensus", args=[survey.slug])
    researcher_page.goto(live_server.url + url)
    researcher_page.check("input[name=kind][value=iqr]")
    researcher_page.click("form.consensus-form button[type=submit]")
    # Fixed when the survey opened: a change without a reason is refused, and says why.
    assert "give the reason" in researcher_page.locator(".errornote").inner_text()
    assert_no_axe_violations(researcher_page)
