"""The mass actions' confirmation step, the email preview and the password reset in a real
browser: axe-core (WCAG 2.2 AA) at 1366 and 390 px, no horizontal page scroll, no CSP
violation (the email's HTML is framed under a policy of its own)."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from responses.models import EmailDelivery, ScheduledSend
from tests.browser.pages import BrowserLog, assert_no_axe_violations
from tests.factories import research_url as url

pytestmark = pytest.mark.browser

WIDTHS = [1366, 390]


@pytest.fixture
def signed_in(new_context, live_server, client, researcher):
    """A page at the given width, signed in as the survey's researcher."""

    def make(width: int):
        client.force_login(researcher)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        context = new_context(viewport={"width": width, "height": 900})
        context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
        return context.new_page()

    return make


def assert_no_page_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_bulk_confirmation_step_is_accessible_and_schedules(
    signed_in, live_server, survey, many_invitations, width
):
    many_invitations(12)
    page = signed_in(width)
    log = BrowserLog(page)
    page.goto(live_server.url + url("invitations", survey))
    assert_no_page_scroll(page, width)
    page.select_option("#b-action", "send")
    page.select_option("#b-scope", "filtered")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/invitations/bulk/")
    assert "12 of the 12 experts" in page.locator(".confirm-summary").inner_text()
    assert_no_axe_violations(page)
    assert_no_page_scroll(page, width)
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=1))
    page.fill("#id_send_at", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url("**/invitations/")
    assert "Scheduled for" in page.content()
    assert len(ScheduledSend.objects.get().invitation_ids) == 12
    assert not EmailDelivery.objects.exists()
    assert_no_axe_violations(page)
    assert log.csp_violations == []


@pytest.mark.parametrize("width", WIDTHS)
def test_email_preview_frames_the_html_email_without_csp_violations(
    signed_in, live_server, survey, invitation, width
):
    page = signed_in(width)
    log = BrowserLog(page)
    page.goto(live_server.url + url("email_preview", survey))
    frame = page.frame_locator("iframe.email-frame").first
    assert frame.get_by_role("link", name="Open the survey").count() == 1
    assert_no_axe_violations(page)
    assert_no_page_scroll(page, width)
    assert log.csp_violations == []


@pytest.mark.parametrize("width", WIDTHS)
def test_password_reset_pages_are_accessible(new_context, live_server, researcher, width):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(live_server.url + "/research/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_no_axe_violations(page)
    page.fill("#id_email", "rita@example.org")
    page.get_by_role("button", name="Send the reset link").click()
    page.wait_for_url("**/password-reset/sent/")
    assert_no_axe_violations(page)
    assert_no_page_scroll(page, width)
