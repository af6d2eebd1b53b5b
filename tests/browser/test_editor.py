"""The survey editor and the lifecycle dialogs in Debian's chromium, at 1366 and 390 px:
axe-core finds nothing against WCAG 2.2 AA, no page scrolls sideways, statements reorder by
keyboard, and Open, Close and Reopen are confirmed in a dialog (or on a page without script)."""

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from responses.fieldwork.services import lifecycle
from responses.models import Section, Survey
from tests.factories import research_url as url

from .pages import BrowserLog, assert_no_axe_violations, screenshot

pytestmark = pytest.mark.browser

WIDTHS = [1366, 390]


@pytest.fixture
def signed_in(new_context, live_server, client, researcher):
    """A page of the survey's researcher at a width, with or without JavaScript."""
    client.force_login(researcher)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value

    def make(width: int, **options):
        context = new_context(viewport={"width": width, "height": 900}, **options)
        context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
        return context.new_page()

    return make


def check(page, name: str, width: int) -> None:
    screenshot(page, f"{name}-{width}")
    assert_no_axe_violations(page)
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name} scrolls sideways by {wide} px at {width} px"


def order(survey) -> list[int]:
    return list(survey.items.order_by("position").values_list("statement__number", flat=True))


@pytest.mark.parametrize("width", WIDTHS)
def test_editor_pages_have_no_axe_violations(signed_in, live_server, survey, width):
    page = signed_in(width)
    log = BrowserLog(page)
    Section.objects.create(survey=survey, position=1, title="Security")
    for name in ("edit", "edit_background", "edit_reminders"):
        page.goto(live_server.url + url(name, survey))
        check(page, name, width)
    page.goto(live_server.url + url("edit_statements", survey) + "?q=red+teaming")
    check(page, "edit_statements", width)
    page.goto(live_server.url + "/research/new/")
    check(page, "survey_new", width)
    assert log.problems == []


@pytest.mark.parametrize("width", WIDTHS)
def test_editor_refusal_has_no_axe_violations(signed_in, live_server, survey, width):
    page = signed_in(width)
    page.goto(live_server.url + url("edit", survey))
    page.get_by_label("Contact email").fill("not-an-email")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    check(page, "edit_refused", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_statements_reorder_by_keyboard(signed_in, live_server, survey, width):
    page = signed_in(width)
    first, second = order(survey)[:2]
    page.goto(live_server.url + url("edit_statements", survey))
    button = page.locator("button[value=down]").first
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit/statements/#item-*")
    assert order(survey)[:2] == [second, first]
    page.locator("button[value=up]").nth(1).focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".editor-items tbody tr td.num").first).to_have_text("1")
    assert order(survey)[:2] == [first, second]
    check(page, "edit_statements_moved", width)


def test_statements_reorder_without_javascript(signed_in, live_server, survey):
    page = signed_in(390, java_script_enabled=False)
    first, second = order(survey)[:2]
    page.goto(live_server.url + url("edit_statements", survey))
    page.locator("button[value=down]").first.click()
    page.wait_for_url("**/edit/statements/#item-*")
    assert order(survey)[:2] == [second, first]


@pytest.mark.parametrize("width", WIDTHS)
def test_open_dialog_warns_and_opens(signed_in, live_server, survey, width):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.DRAFT)
    page = signed_in(width)
    log = BrowserLog(page)
    page.goto(live_server.url + url("dashboard", survey))
    page.get_by_role("link", name="Open the survey…").click()
    dialog = page.locator("#dialog-open")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("provisional")
    expect(dialog).to_contain_text(lifecycle.WARNING_CONTACT)
    check(page, "dialog_open", width)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("link", name="Open the survey…").click()
    dialog.get_by_role("checkbox").check()
    dialog.get_by_role("button", name="Open the survey").click()
    expect(page.get_by_text("The survey is open.")).to_be_visible()
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.OPEN
    assert log.problems == []


@pytest.mark.parametrize("width", WIDTHS)
def test_close_and_reopen_dialogs(signed_in, live_server, survey, invitation, width):
    page = signed_in(width)
    page.goto(live_server.url + url("dashboard", survey))
    page.get_by_role("link", name="Close the survey now…").click()
    dialog = page.locator("#dialog-close")
    expect(dialog).to_contain_text("have not submitted")
    check(page, "dialog_close", width)
    dialog.get_by_role("button", name="Close the survey").click()
    expect(page.get_by_text("The survey is closed.")).to_be_visible()
    page.get_by_role("link", name="Reopen…").click()
    dialog = page.locator("#dialog-reopen")
    expect(dialog).to_be_visible()
    check(page, "dialog_reopen", width)
    later = timezone.localtime() + timezone.timedelta(days=7)
    dialog.get_by_label("New closing date").fill(later.strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_role("button", name="Reopen the survey").click()
    expect(page.get_by_text("The survey is open again.")).to_be_visible()
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.OPEN


@pytest.mark.parametrize("width", WIDTHS)
def test_confirmation_page_has_no_axe_violations(signed_in, live_server, survey, width):
    page = signed_in(width)
    page.goto(live_server.url + url("close", survey))
    check(page, "confirm_close_page", width)


def test_close_without_javascript_confirms_on_a_page(signed_in, live_server, survey):
    # axe-core runs as a script: the page itself is checked with JavaScript on (above).
    page = signed_in(390, java_script_enabled=False)
    page.goto(live_server.url + url("dashboard", survey))
    page.get_by_role("link", name="Close the survey now…").click()
    page.wait_for_url("**/close/")
    page.get_by_role("button", name="Close the survey").click()
    expect(page.get_by_text("The survey is closed.")).to_be_visible()
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.CLOSED
