"""A German-speaking expert end to end, on a desktop and a phone: the language chosen on the
landing page, every page (and the autosave's words) in German, axe-core clean throughout."""

import pytest
from playwright.sync_api import expect

from responses.models import Response
from tests.factories import german_offered

from .pages import BrowserLog, axe_violations

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
GERMAN_TITLE = "Sicherheit und Governance von AGI"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_german_walk_through_end_to_end(new_context, expert_link, survey, invitation, viewport):
    german_offered(survey)
    page = new_context(viewport=VIEWPORTS[viewport]).new_page()
    log = BrowserLog(page)
    found = {}
    page.goto(expert_link)
    expect(page).to_have_url("/survey/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text(GERMAN_TITLE)
    found["landing"] = axe_violations(page)

    page.get_by_label("Ich habe die Informationen oben gelesen").check()
    page.get_by_role("button", name="Umfrage beginnen").click()
    expect(page).to_have_url("/survey/page/1/")
    expect(page.get_by_role("heading", name="Aussagen, Seite 1 von 5")).to_be_visible()
    first = page.locator("[data-statement]").first
    expect(first.locator(".q-title")).to_contain_text("DE ")
    first.get_by_label("Stimme eher zu").click()
    expect(page.locator(".save-status").first).to_have_text("Gespeichert")
    expect(page.locator("#progress-text")).to_have_text("1 von 50")
    found["question"] = axe_violations(page)

    page.get_by_role("button", name="Zu Ihrer Person").click()
    expect(page).to_have_url("/survey/background/")
    page.get_by_label("Wissenschaft").check()
    found["background"] = axe_violations(page)
    page.get_by_role("button", name="Weiter: Überblick").click()
    expect(page).to_have_url("/survey/review/")
    expect(page.get_by_role("heading", name="49 Aussagen nicht beantwortet")).to_be_visible()
    found["review"] = axe_violations(page)
    page.get_by_role("button", name="Meine Antworten absenden").click()
    expect(page).to_have_url("/survey/thanks/")
    expect(page.get_by_role("heading", name="Vielen Dank")).to_be_visible()
    found["thanks"] = axe_violations(page)
    page.goto(expert_link)
    expect(page.get_by_role("heading", name="Abgeschickt am")).to_be_visible()
    expect(page.get_by_text("Ihre Antwort: Stimme eher zu")).to_be_visible()
    found["submitted"] = axe_violations(page)

    assert found == {name: [] for name in found}
    assert log.csp_violations == [] and log.problems == []
    response = Response.objects.get(invitation=invitation)
    assert (response.language, response.sectors) == ("de", ["academia"])
