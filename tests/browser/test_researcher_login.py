"""A researcher signs in through the admin's form in a real browser: under the site's
`Referrer-Policy: no-referrer` Chromium posts it with `Origin: null` (see surveysite/csrf.py)."""

import pytest

pytestmark = pytest.mark.browser


def test_researcher_signs_in_and_reaches_the_dashboard(page, live_server, researcher, survey):
    page.goto(live_server.url + f"/admin/login/?next=/research/{survey.slug}/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "rita-password-1")
    page.click("input[type=submit]")
    page.wait_for_url(f"**/research/{survey.slug}/")
    assert page.locator("h1").inner_text() == survey.title
