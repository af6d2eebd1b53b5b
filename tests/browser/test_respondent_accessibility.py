"""axe-core finds no WCAG 2.2 AA violations on the expert's pages."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from responses.models import Survey

from .pages import BrowserLog, open_and_consent
from .pages import axe_violations as violations

pytestmark = pytest.mark.browser


def test_axe_finds_nothing_on_the_questionnaire_pages(page, expert_link):
    log = BrowserLog(page)
    found = {}
    page.goto(expert_link)
    found["landing"] = violations(page)
    open_and_consent(page, expert_link)
    page.locator("[data-statement]").first.get_by_label("Somewhat agree").click()
    expect(page.locator(".save-status").first).to_have_text("Saved")
    found["question"] = violations(page)
    page.get_by_role("button", name="About you").click()
    expect(page).to_have_url("/survey/background/")
    found["background"] = violations(page)
    page.get_by_role("button", name="Next: review").click()
    expect(page).to_have_url("/survey/review/")
    found["review"] = violations(page)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page).to_have_url("/survey/thanks/")
    found["thanks"] = violations(page)
    page.goto(expert_link)
    expect(page.get_by_role("heading", name="Submitted on")).to_be_visible()
    found["submitted"] = violations(page)
    assert found == {name: [] for name in found}
    assert log.csp_violations == []


def test_axe_finds_nothing_on_the_not_found_page(page, live_server):
    log = BrowserLog(page)
    response = page.goto(live_server.url + reverse("respondent:link", args=["x" * 43]))
    assert response.status == 404
    assert violations(page) == []
    assert log.csp_violations == []


def test_axe_finds_nothing_on_the_closed_page(page, expert_link, survey):
    log = BrowserLog(page)
    Survey.objects.filter(pk=survey.pk).update(
        status=Survey.Status.CLOSED, closed_at=timezone.now()
    )
    response = page.goto(expert_link)
    assert response.status == 410
    expect(page.get_by_role("heading", name="This survey closed on")).to_be_visible()
    assert violations(page) == []
    assert log.csp_violations == []


def test_axe_finds_nothing_on_the_session_expired_page(page, live_server):
    log = BrowserLog(page)
    response = page.goto(live_server.url + reverse("respondent:page", args=[1]))
    assert response.status == 403
    assert violations(page) == []
    assert log.csp_violations == []


def test_axe_finds_nothing_on_the_decline_pages(page, expert_link):
    log = BrowserLog(page)
    found = {}
    page.goto(expert_link)
    page.get_by_role("link", name="I do not wish to take part").click()
    expect(page).to_have_url("/survey/decline/")
    found["decline"] = violations(page)
    page.get_by_role("button", name="Decline the invitation").click()
    expect(page.get_by_role("heading", name="You have declined")).to_be_visible()
    found["declined"] = violations(page)
    assert found == {"decline": [], "declined": []}
    assert log.csp_violations == []


def test_axe_finds_nothing_on_the_too_many_attempts_page(page, live_server):
    log = BrowserLog(page)
    for number in range(20):
        page.goto(live_server.url + reverse("respondent:link", args=[f"{number:043d}"]))
    response = page.goto(live_server.url + reverse("respondent:link", args=["9" * 43]))
    assert response.status == 429
    assert violations(page) == []
    assert log.csp_violations == []
