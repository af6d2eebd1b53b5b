"""A two-round Delphi study end to end in a real browser, axe-core on every page (0
violations): an expert answers round 1; the researcher closes it, starts round 2 and opens
it; the same personal link shows the expert the panel's feedback, and they revise with a
reason; the researcher reads the change across rounds and exports the data."""

import csv
import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from responses.links import link_secret
from responses.models import Answer, Response, Survey
from responses.respondent.selectors import page_of_statement
from statements.models import Statement
from tests.factories import research_url as url
from tests.factories import respond

from .pages import BrowserLog, assert_no_axe_violations, open_and_consent, screenshot

pytestmark = pytest.mark.browser


def _submit(page):
    page.get_by_role("button", name="About you").first.click()
    expect(page).to_have_url("/survey/background/")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Next: review").click()
    expect(page).to_have_url("/survey/review/")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page).to_have_url("/survey/thanks/")


def _statement_page(page, live_server, survey, statement):
    """Go to the page of the expert's questionnaire that shows `statement`."""
    response = Response.objects.get(
        invitation__survey=survey, invitation__expert__email="alice@example.org"
    )
    number = page_of_statement(
        response=response, per_page=survey.statements_per_page, statement_id=statement.pk
    )
    page.goto(f"{live_server.url}/survey/page/{number}/")
    return page.locator(f"#st-{statement.pk}")


def _confirm(page, trigger: str, dialog: str):
    page.click(f"a[data-dialog={dialog}]")
    box = page.locator(f"#{dialog}")
    expect(box).to_be_visible()
    assert_no_axe_violations(page)
    provisional = box.locator("input[name=confirm_provisional]")
    if provisional.count():
        provisional.check()
    box.locator("button.primary, button.danger").first.click()


def test_two_round_delphi_study_end_to_end(
    new_context, researcher_page, live_server, survey, invitation
):
    statement = Statement.objects.get(number=1)
    for index in range(5):
        respond(survey, answers={1: index % 5 - 2, 2: 2}, sector=("agi_lab", "academia")[index % 2])
    link = live_server.url + reverse("respondent:link", args=[link_secret(invitation.link_nonce)])

    # Round 1: the expert agrees somewhat with statement 1 and submits.
    expert = new_context(viewport={"width": 1366, "height": 900}).new_page()
    log = BrowserLog(expert)
    open_and_consent(expert, link)
    item = _statement_page(expert, live_server, survey, statement)
    item.get_by_label("Somewhat agree").click()
    expect(item.locator(".save-status")).to_have_text("Saved")
    assert_no_axe_violations(expert)
    _submit(expert)

    # The researcher closes round 1, starts round 2 with its respondents, and opens it.
    page = researcher_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + url("dashboard", survey))
    _confirm(page, "close", "dialog-close")
    expect(page.locator("a[data-dialog=dialog-round]")).to_be_visible()
    _confirm(page, "round", "dialog-round")
    following = Survey.objects.get(previous_round=survey)
    page.wait_for_url(f"**{url('dashboard', following)}")
    assert_no_axe_violations(page)
    _confirm(page, "open", "dialog-open")
    expect(page.locator("a[data-dialog=dialog-close]")).to_be_visible()
    following.refresh_from_db()
    assert following.status == Survey.Status.OPEN and following.experts.count() == 6

    # Round 2, through the same link: the feedback, and a revision with a reason.
    expert.context.clear_cookies()
    open_and_consent(expert, link)
    item = _statement_page(expert, live_server, following, statement)
    expect(item.get_by_text("Your answer in the previous round: Somewhat agree")).to_be_visible()
    assert_no_axe_violations(expert)
    screenshot(expert, "delphi-round2-1366")
    item.get_by_label("Strongly disagree").click()
    expect(item.locator(".fb-prompt")).to_contain_text("please give your reason")
    item.get_by_label("Your reason").fill("The round-1 reasons convinced me otherwise.")
    expect(item.locator(".save-status")).to_have_text("Saved")
    _submit(expert)
    assert log.problems == []
    revised = Answer.objects.get(response__invitation__survey=following, statement=statement)
    assert (revised.value, revised.comment) == (-2, "The round-1 reasons convinced me otherwise.")

    # The researcher reads the change across rounds and exports both rounds' answers.
    page.goto(live_server.url + url("results_rounds", following))
    assert_no_axe_violations(page)
    first_row = page.locator("table").first.locator("tbody tr").nth(1)
    expect(first_row).to_contain_text("100.0")  # the one paired expert changed
    with page.expect_download() as download:
        page.goto(live_server.url + url("results", following))
        page.click(f"a[href='{url('results_export', following, 'long')}']")
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = [row for row in csv.DictReader(io.StringIO(text)) if row["statement"] == "1"]
    mine = [row for row in rows if row["comment"] == revised.comment]
    assert mine and mine[0]["round"] == "2"
    both = [row for row in rows if row["respondent"] == mine[0]["respondent"]]
    assert sorted((row["round"], row["value"]) for row in both) == [("1", "1"), ("2", "-2")]
