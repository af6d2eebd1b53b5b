"""axe-core on the pages of a download prepared as a job (offered, done, failed), at a
desktop and a phone's width, in Debian's chromium. With SHOTS=<folder> set, each page is
also saved there as a screenshot."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from responses.models import Job
from responses.results.services import export_jobs
from tests.browser.pages import assert_no_axe_violations, screenshot
from tests.factories import respond

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)


@pytest.fixture
def large(settings, survey, tmp_path):
    settings.EXPORT_JOB_ABOVE = 1
    settings.EXPORTS_DIR = tmp_path / "exports"
    respond(survey, answers={1: 2, 2: 1}, sector="academia")
    respond(survey, answers={1: -1, 2: 0}, sector="agi_lab")
    return survey


def signed_in_page(new_context, live_server, client, researcher, width: int):
    client.force_login(researcher)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context.new_page()


def assert_fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"scrolls sideways by {overflow}px"


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_nothing_on_a_download_offered_then_done(
    new_context, live_server, client, researcher, large, width
):
    page = signed_in_page(new_context, live_server, client, researcher, width)
    page.goto(live_server.url + reverse("research:results_export", args=[large.slug, "sav"]))
    assert_no_axe_violations(page)
    assert_fits(page)
    screenshot(page, f"export-offered-{width}")
    page.get_by_role("button", name="Prepare the file").click()
    link = page.get_by_role("link", name="Download agi-responses.sav")
    assert link.is_visible()
    assert_no_axe_violations(page)
    assert_fits(page)
    screenshot(page, f"export-done-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_nothing_on_a_failed_download(
    new_context, live_server, client, researcher, large, width
):
    job = Job.objects.create(
        survey=large,
        kind=export_jobs.JOB_EXPORT,
        status=Job.Status.FAILED,
        result={"key": "dta", "include_test": False},
        error=export_jobs.ERROR_EXPORT_FAILED.format(error=OSError(28, "No space left on device")),
    )
    page = signed_in_page(new_context, live_server, client, researcher, width)
    page.goto(live_server.url + reverse("research:results_export_job", args=[large.slug, job.pk]))
    assert "No space left on device" in page.locator(".errornote").inner_text()
    assert page.get_by_role("button", name="Try again").is_visible()
    assert_no_axe_violations(page)
    assert_fits(page)
    screenshot(page, f"export-failed-{width}")
