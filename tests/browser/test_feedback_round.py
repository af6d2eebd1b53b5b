"""A round-2 page with the panel's feedback: axe finds nothing at 1366 and 390 px, and the
expert revises an answer with a reason."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from responses.links import link_secret
from responses.models import Invitation, Response
from responses.respondent.selectors import page_of_statement
from statements.models import Statement
from tests.factories import round_two

from .pages import BrowserLog, open_and_consent, screenshot
from .pages import axe_violations as violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_round_two_page_accessible_and_revised_with_a_reason(
    new_context, live_server, survey, researcher, width
):
    following = round_two(survey, researcher, respondents=6)
    statement = Statement.objects.get(number=1)
    first = Invitation.objects.filter(survey=survey, response__answers__value=1).first()
    link = live_server.url + reverse("respondent:link", args=[link_secret(first.link_nonce)])
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log = BrowserLog(page)
    open_and_consent(page, link)
    response = Response.objects.get(invitation__survey=following, invitation__previous=first)
    number = page_of_statement(
        response=response, per_page=following.statements_per_page, statement_id=statement.pk
    )
    page.goto(f"{live_server.url}/survey/page/{number}/")
    item = page.locator(f"#st-{statement.pk}")
    expect(item.get_by_text("Your answer in the previous round: Somewhat agree")).to_be_visible()
    item.get_by_label("Strongly disagree").click()
    expect(item.locator(".fb-prompt")).to_contain_text("please give your reason")
    # The reason is autosaved after typing stops: wait for that save's answer.
    with page.expect_response(
        lambda reply: (
            "/survey/answer/" in reply.url and "evidence" in (reply.request.post_data or "")
        )
    ):
        item.get_by_label("Your reason").fill("New evidence since round 1")
    expect(item.locator(".fb-prompt")).to_have_text("")
    expect(item.locator(".save-status")).to_have_text("Saved")
    item.scroll_into_view_if_needed()
    screenshot(page, f"round2-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert violations(page) == []
    assert log.csp_violations == []
    answer = response.answers.get(statement=statement)
    assert (answer.value, answer.comment) == (-2, "New evidence since round 1")
