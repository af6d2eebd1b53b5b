"""axe-core (WCAG 2.2 AA) and no horizontal page scroll, at 1366 and 390 px wide, on the
preview, the test mode, the respondent page and the comments view, in Debian's chromium.
With SHOTS=<folder> set, each page is also saved there as a screenshot at both widths."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from responses.fieldwork.services.experts import invitation_create
from responses.models import Invitation
from tests.browser.pages import BrowserLog, assert_no_axe_violations, open_and_consent, screenshot
from tests.factories import research_url as url
from tests.factories import walk_through

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)


def check_widths(page, name: str) -> None:
    """At each width: no axe violation, and the page itself never scrolls sideways (wide
    tables scroll in their own box)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_no_axe_violations(page)
        screenshot(page, f"{name}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at {width} px"


@pytest.fixture
def commented(survey):
    for index in range(6):
        invitation, _ = invitation_create(
            survey=survey,
            email=f"c{index}@example.org",
            name=f"Commenter {index}",
            sector="academia",
        )
        walk_through(
            invitation,
            answers={1: 2, 2: -1, 3: -88},
            comments={1: f"A long comment number {index} " * 6, 3: "Unsure"},
            open_answer="Publish the safety cases." if index == 0 else "",
        )
    return survey


def test_axe_finds_nothing_in_the_preview(researcher_page, live_server, survey):
    log = BrowserLog(researcher_page)
    base = f"/research/{survey.slug}/preview/"
    researcher_page.goto(live_server.url + url("preview", survey))
    expect(researcher_page).to_have_url(base + "welcome/")
    expect(researcher_page.get_by_text("Preview: nothing is saved.")).to_be_visible()
    check_widths(researcher_page, "preview-welcome")
    researcher_page.get_by_role("link", name="Privacy notice").first.click()
    expect(researcher_page).to_have_url(base + "privacy/")
    check_widths(researcher_page, "preview-privacy")
    researcher_page.go_back()
    researcher_page.get_by_role("button", name="Start the survey").click()
    expect(researcher_page).to_have_url(base + "1/")
    check_widths(researcher_page, "preview-page-1")
    researcher_page.locator(".q-nav-bottom").get_by_role("button", name="Next").click()
    expect(researcher_page).to_have_url(base + "2/")
    check_widths(researcher_page, "preview-page-2")
    researcher_page.locator(".q-nav-bottom").get_by_role("button", name="About you").click()
    expect(researcher_page).to_have_url(base + "about-you/")
    check_widths(researcher_page, "preview-about-you")
    researcher_page.get_by_role("button", name="Next: review").click()
    expect(researcher_page).to_have_url(base + "review/")
    check_widths(researcher_page, "preview-review")
    researcher_page.get_by_role("button", name="Submit my answers").click()
    expect(researcher_page).to_have_url(base + "thanks/")
    expect(researcher_page.get_by_role("heading", name="Thank you")).to_be_visible()
    check_widths(researcher_page, "preview-thanks")
    researcher_page.get_by_role("link", name="Previous page").click()
    expect(researcher_page).to_have_url(base + "review/")
    assert log.csp_violations == []


def test_axe_finds_nothing_in_test_mode(researcher_page, new_context, live_server, survey):
    log = BrowserLog(researcher_page)
    researcher_page.goto(live_server.url + url("invitations", survey))
    check_widths(researcher_page, "invitations-test-mode")
    researcher_page.get_by_role("button", name="Create a test invitation for me").click()
    # The link names the configured site; the live server has an address of its own.
    link = researcher_page.locator("#personal-link").input_value()
    link = live_server.url + "/s/" + link.split("/s/", 1)[1]
    check_widths(researcher_page, "test-invitation")
    expert = new_context().new_page()
    open_and_consent(expert, link)
    expert.locator("[data-statement]").first.get_by_label("Strongly agree").click()
    expect(expert.locator(".save-status").first).to_have_text("Saved")
    expert.goto(live_server.url + reverse("respondent:review"))
    expert.get_by_role("button", name="Submit my answers").click()
    expect(expert).to_have_url("/survey/thanks/")
    researcher_page.goto(live_server.url + url("invitations", survey))
    expect(researcher_page.locator(".state-test")).to_have_count(1)
    researcher_page.get_by_label("I confirm: delete the 1 test invitation").check()
    researcher_page.get_by_role("button", name="Delete test responses").click()
    expect(researcher_page.get_by_text("1 test invitation(s)")).to_be_visible()
    assert not Invitation.objects.filter(is_test=True).exists()
    assert log.csp_violations == []


def test_axe_finds_nothing_on_the_respondent_page(researcher_page, live_server, commented):
    log = BrowserLog(researcher_page)
    invitation = Invitation.objects.filter(survey=commented).order_by("pk").first()
    researcher_page.goto(live_server.url + url("invitations", commented))
    researcher_page.get_by_role("link", name=f"Answers of {invitation.expert.name}").click()
    expect(researcher_page.get_by_role("heading", name="Timeline")).to_be_visible()
    check_widths(researcher_page, "respondent")
    researcher_page.get_by_label("I confirm: withdraw").check()
    researcher_page.get_by_role("button", name="Withdraw the response").click()
    expect(researcher_page.get_by_text("The response is withdrawn")).to_be_visible()
    check_widths(researcher_page, "respondent-withdrawn")
    assert log.csp_violations == []


def test_axe_finds_nothing_on_the_comments_view(researcher_page, live_server, commented):
    log = BrowserLog(researcher_page)
    researcher_page.goto(live_server.url + url("comments", commented))
    expect(researcher_page.locator("table.comments tbody tr")).to_have_count(13)
    check_widths(researcher_page, "comments")
    researcher_page.get_by_label("Sector").select_option("academia")
    researcher_page.get_by_role("button", name="Filter").click()
    expect(researcher_page).to_have_url(
        f"/research/{commented.slug}/comments/?statement=&sector=academia"
    )
    check_widths(researcher_page, "comments-academia")
    assert log.csp_violations == []


def test_axe_finds_nothing_with_test_responses_included(
    researcher_page, live_server, survey, researcher
):
    from responses.fieldwork.services.respondents import test_invitation_create as create
    from responses.results.services.snapshots import snapshot_refresh

    walk_through(create(survey=survey, actor=researcher, sector="academia"), answers={1: 2, 2: -1})
    snapshot_refresh(survey=survey)
    log = BrowserLog(researcher_page)
    for name in ("dashboard", "results"):
        researcher_page.goto(live_server.url + url(name, survey))
        switch = researcher_page.get_by_role("button", name="Include test responses")
        expect(switch).to_have_attribute("aria-pressed", "false")
        check_widths(researcher_page, f"{name}-without-tests")
        switch.click()
        expect(researcher_page.get_by_text("Including 1 test")).to_be_visible()
        check_widths(researcher_page, f"{name}-with-tests")
    researcher_page.goto(live_server.url + url("emails", survey))
    expect(researcher_page.get_by_role("link", name="Edit the reminder schedule")).to_be_visible()
    check_widths(researcher_page, "emails-schedule-read-only")
    assert log.csp_violations == []
