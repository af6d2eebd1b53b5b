"""Opening another invitation's link in a browser that holds a session asks before switching
(Chromium: the button posts under no-referrer with the CSRF token)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from responses.links import link_secret
from responses.models import Response

from .pages import BrowserLog, assert_no_axe_violations, open_and_consent

pytestmark = pytest.mark.browser


@pytest.fixture
def other_link(live_server, other_invitation):
    secret = link_secret(other_invitation.link_nonce)
    return live_server.url + reverse("respondent:link", args=[secret])


def test_switching_surveys_asks_first_and_switches_on_the_button(
    page, expert_link, other_link, invitation, other_invitation
):
    log = BrowserLog(page)
    open_and_consent(page, expert_link)
    page.goto(other_link)
    expect(page.get_by_role("heading", name="Switch to another invitation?")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Back to AGI safety and governance").click()
    expect(page).to_have_url("/survey/")
    expect(page.get_by_role("button", name="Continue where you stopped")).to_be_visible()
    page.goto(other_link)
    page.get_by_role("button", name="Switch to this invitation").click()
    expect(page).to_have_url("/survey/")
    page.get_by_label("I have read the information above and agree to take part.").check()
    page.get_by_role("button", name="Start the survey").click()
    expect(page).to_have_url("/survey/page/1/")
    assert set(Response.objects.values_list("invitation", flat=True)) == {
        invitation.pk,
        other_invitation.pk,
    }
    assert log.csp_violations == []
