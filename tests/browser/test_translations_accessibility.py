"""axe-core on the researcher's Translations pages, and an entry saved through them."""

import pytest
from playwright.sync_api import expect

from statements.models import StatementTranslation
from tests.browser.pages import assert_no_axe_violations
from tests.factories import research_url as url

pytestmark = pytest.mark.browser


def test_translation_pages_have_no_axe_violations(researcher_page, live_server, survey):
    page = researcher_page
    page.goto(live_server.url + url("translations", survey))
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Edit the Deutsch texts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deutsch texts")
    assert_no_axe_violations(page)
    statement = survey.items.select_related("statement").first().statement
    page.get_by_label(f"Statement {statement.number}: title").fill("Ausrichtung")
    page.get_by_label(f"Statement {statement.number}: text").fill("Ein Text.")
    page.get_by_role("button", name="Save the Deutsch texts").click()
    expect(page.get_by_text("The Deutsch texts are saved.")).to_be_visible()
    assert StatementTranslation.objects.get(statement=statement, language="de").title == (
        "Ausrichtung"
    )
