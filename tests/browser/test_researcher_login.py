"""A researcher signs in at /research/login/ in a real browser: under the site's
`Referrer-Policy: no-referrer` Chromium posts it with `Origin: null` (see surveysite/csrf.py)."""

import re

import pytest
from playwright.sync_api import expect

from .pages import BrowserLog, assert_no_axe_violations

pytestmark = pytest.mark.browser


def sign_in(page, password):
    page.fill("#id_username", "rita")
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()


def test_researcher_signs_in_reaches_the_dashboard_and_signs_out(
    page, live_server, researcher, survey
):
    log = BrowserLog(page)
    page.goto(live_server.url + f"/research/{survey.slug}/")
    expect(page).to_have_url(f"/research/login/?next=/research/{survey.slug}/")
    assert_no_axe_violations(page)
    sign_in(page, "rita-password-1")
    page.wait_for_url(f"**/research/{survey.slug}/")
    assert page.locator("h1").inner_text() == survey.title
    page.locator(".research-user summary").click()  # the user menu holds the sign-out
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/research/login/")
    page.goto(live_server.url + f"/research/{survey.slug}/")
    expect(page).to_have_url(f"/research/login/?next=/research/{survey.slug}/")
    assert log.csp_violations == []


def test_throttled_sign_in_page_says_when_to_try_again(page, live_server, researcher):
    page.goto(live_server.url + "/research/login/")
    for attempt in range(6):
        sign_in(page, f"wrong-{attempt}")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(re.compile(r"Sign-in is paused for \d+ more minute"))
    assert_no_axe_violations(page)
