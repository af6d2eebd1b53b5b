"""axe-core on the Delphi rounds' researcher pages, at 1366 and 390 px: the "Start round 2"
dialog, the feedback to experts and the reasons shown; no horizontal scroll on a phone."""

import pytest

from responses.fieldwork.services import lifecycle
from responses.models import Survey
from tests.browser.pages import assert_no_axe_violations, screenshot
from tests.factories import research_url as url
from tests.factories import respond

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)


@pytest.fixture
def closed_round(survey, researcher):
    for index in range(4):
        respond(
            survey,
            answers={1: index % 5 - 2, 2: 2},
            sector=("agi_lab", "academia")[index % 2],
            comments={1: f"Reason number {index}, with a long explanation of the view taken"},
        )
    lifecycle.survey_close(survey=survey, actor=researcher)
    return survey


def _check(page, name: str, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_axe_violations(page)
    screenshot(page, f"{name}-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_start_round_dialog_feedback_and_reasons_have_no_axe_violations(
    researcher_page, live_server, closed_round, width
):
    page = researcher_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + url("dashboard", closed_round))
    page.click("a[data-dialog=dialog-round]")
    assert page.locator("#dialog-round").is_visible()
    _check(page, "start-round-dialog", width)
    page.click("#dialog-round button.primary")
    page.wait_for_url("**/agi-safety-and-governance-round-2/")
    following = Survey.objects.get(previous_round=closed_round)
    assert "Round 2 is created" in page.content()
    _check(page, "round-2-dashboard", width)
    page.goto(live_server.url + url("edit_feedback", following))
    _check(page, "feedback", width)
    page.goto(live_server.url + url("reasons", following))
    page.locator("form.reason-form textarea").first.fill("An anonymised reason")
    page.locator("form.reason-form button[value=approve]").first.click()
    page.wait_for_url("**/edit/reasons/")
    assert "The reason is approved" in page.content()
    _check(page, "reasons", width)
