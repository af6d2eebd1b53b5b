"""The expert's questionnaire in a real browser: autosave, keyboard, no JavaScript, expiry."""

import pytest
from playwright.sync_api import expect

from responses.choices import SCALE
from responses.models import Answer, Invitation, Response
from responses.respondent.selectors import ERROR_SESSION_ENDED

from .pages import BrowserLog, open_and_consent

pytestmark = pytest.mark.browser

LABELS = dict(SCALE)
FALLBACK_EXPIRED = "Your session has ended. Your choice is still on screen but was not saved"


def statement_ids(page) -> list[int]:
    return [
        int(value)
        for value in page.locator("[data-statement]").evaluate_all(
            "sets => sets.map(s => s.dataset.statement)"
        )
    ]


def choose(page, statement_id: int, value: int) -> None:
    page.locator(f"#st-{statement_id}").get_by_label(LABELS[value], exact=True).click()


def stored_values(invitation) -> dict[int, int | None]:
    return dict(
        Answer.objects.filter(response__invitation=invitation).values_list("statement_id", "value")
    )


def tab_to(page, selector: str) -> None:
    page.keyboard.press("Tab")
    expect(page.locator(selector)).to_be_focused()


def answer_page_by_keyboard(page, ids: list[int]) -> dict[int, int]:
    """Tab into each radio group and answer with Space or the arrow keys; returns the values.
    Space checks the first option, ArrowDown the second, ArrowUp wraps round to the last.
    The comment is folded behind "Add a comment": Enter opens it."""
    keys = [("Space", 2), ("ArrowDown", 1), ("ArrowUp", -88)]
    chosen = {}
    tab_to(page, ".skip-link")
    tab_to(page, ".q-nav-top button[value=previous]")
    tab_to(page, ".q-nav-top button[value=next]")
    for index, statement_id in enumerate(ids):
        key, value = keys[index % len(keys)]
        tab_to(page, f"#v{statement_id}_1")
        page.keyboard.press(key)
        expect(page.locator(f"#st-{statement_id} input[value='{value}']")).to_be_checked()
        expect(page.locator(f"#status-{statement_id}")).to_have_text("Saved")
        chosen[statement_id] = value
        tab_to(page, f"#st-{statement_id} summary")
        if index == 0:
            page.keyboard.press("Enter")
            tab_to(page, f"#c{statement_id}")
            page.keyboard.type("Only with external audits.")
        tab_to(page, f"#st-{statement_id} button[name=clear]")
    tab_to(page, ".q-nav-bottom button[value=previous]")
    tab_to(page, ".q-nav-bottom button[value=next]")
    page.keyboard.press("Enter")
    return chosen


def test_expert_journey_survives_closing_the_browser_and_submits(
    launch_browser, live_server, expert_link, invitation
):
    first = launch_browser()
    context = first.new_context(base_url=live_server.url)
    page = context.new_page()
    log = BrowserLog(page)
    open_and_consent(page, expert_link)
    first_page = statement_ids(page)
    assert len(first_page) == 10
    values = [value for value, _ in SCALE]
    chosen = {pk: values[i % len(values)] for i, pk in enumerate(first_page)}
    for statement_id, value in chosen.items():
        choose(page, statement_id, value)
        expect(page.locator(f"#status-{statement_id}")).to_have_text("Saved")
    expect(page.locator("#progress-text")).to_have_text("10 of 50")
    assert log.static == {
        "css/survey.css": 200,
        "js/questionnaire.js": 200,
    }
    context.close()
    first.close()

    second = launch_browser()
    try:
        context = second.new_context(base_url=live_server.url)
        page = context.new_page()
        log2 = BrowserLog(page)
        page.goto(expert_link)
        page.get_by_role("button", name="Continue where you stopped").click()
        expect(page).to_have_url("/survey/page/2/")  # page 1 is answered
        page.get_by_role("button", name="Previous").first.click()
        expect(page).to_have_url("/survey/page/1/")
        for statement_id, value in chosen.items():
            expect(page.locator(f"#st-{statement_id} input[value='{value}']")).to_be_checked()
        page.locator(".q-nav-bottom").get_by_role("button", name="Next").click()
        expect(page).to_have_url("/survey/page/2/")
        second_page = statement_ids(page)
        chosen.update(answer_page_by_keyboard(page, second_page))
        expect(page).to_have_url("/survey/page/3/")
        expect(page.locator("#progress-text")).to_have_text("20 of 50")

        page.get_by_role("button", name="About you").click()
        expect(page).to_have_url("/survey/background/")
        page.get_by_label("Think tank").check()
        page.get_by_label("Academia").check()
        page.get_by_label("Woman").check()
        page.locator("textarea[name=open_answer]").fill("Publish incident reports.")
        page.get_by_role("button", name="Next: review").click()
        expect(page).to_have_url("/survey/review/")
        expect(page.get_by_role("heading", name="30 statements not answered")).to_be_visible()
        page.get_by_role("button", name="Submit my answers").click()
        expect(page).to_have_url("/survey/thanks/")
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    finally:
        second.close()

    assert log.problems == [] and log2.problems == []
    assert stored_values(invitation) == chosen
    comment = Answer.objects.get(response__invitation=invitation, statement_id=second_page[0])
    assert comment.comment == "Only with external audits."
    response = Response.objects.get(invitation=invitation)
    invitation = Invitation.objects.get(pk=invitation.pk)
    assert response.sectors == ["think_tank", "academia"]
    assert response.gender == "woman"
    assert response.open_answer == "Publish incident reports."
    assert response.submitted_at is not None
    assert invitation.submitted_at == response.submitted_at
    assert invitation.started_at is not None
    assert invitation.started_at <= response.submitted_at


def test_questionnaire_without_javascript_saves_answers_with_next(
    new_context, expert_link, invitation
):
    page = new_context(java_script_enabled=False).new_page()
    open_and_consent(page, expert_link)
    ids = statement_ids_without_js(page)
    choose(page, ids[0], 1)
    choose(page, ids[3], -88)
    page.locator(f"#st-{ids[3]}").get_by_text("Add a comment").click()
    page.locator(f"#c{ids[3]}").fill("Depends on the lab.")
    assert stored_values(invitation) == {}
    page.locator(".q-nav-bottom").get_by_role("button", name="Next").click()
    expect(page).to_have_url("/survey/page/2/")
    assert stored_values(invitation) == {ids[0]: 1, ids[3]: -88}
    assert Answer.objects.get(statement_id=ids[3]).comment == "Depends on the lab."
    expect(page.locator("#progress-text")).to_have_text("2 of 50")


def statement_ids_without_js(page) -> list[int]:
    """The statements' ids, read from their id attributes (no page scripts run)."""
    return [
        int(page.locator("[data-statement]").nth(i).get_attribute("data-statement"))
        for i in range(page.locator("[data-statement]").count())
    ]


@pytest.mark.parametrize(
    ("cookies", "message"),
    [
        (["survey_session"], ERROR_SESSION_ENDED),
        (["survey_session", "csrftoken"], FALLBACK_EXPIRED),
    ],
    ids=["session-cookie", "session-and-csrf-cookies"],
)
def test_autosave_after_session_expired_keeps_choice_and_asks_to_reopen_link(
    page, expert_link, invitation, cookies, message
):
    open_and_consent(page, expert_link)
    statement_id = statement_ids(page)[0]
    for name in cookies:
        page.context.clear_cookies(name=name)
    choose(page, statement_id, 2)
    alert = page.locator("#session-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(message)
    expect(alert).to_contain_text("personal link")
    expect(page.locator(f"#status-{statement_id}")).to_have_text("Not saved")
    expect(page.locator(f"#st-{statement_id} input[value='2']")).to_be_checked()
    assert stored_values(invitation) == {}


def test_clear_answer_with_javascript_unchecks_and_stores_null(page, expert_link, invitation):
    open_and_consent(page, expert_link)
    statement_id = statement_ids(page)[0]
    choose(page, statement_id, -1)
    status = page.locator(f"#status-{statement_id}")
    expect(status).to_have_text("Saved")
    assert stored_values(invitation) == {statement_id: -1}
    page.locator(f"#st-{statement_id}").get_by_role("button", name="Clear answer").click()
    expect(page.locator(f"#st-{statement_id} input:checked")).to_have_count(0)
    expect(page.locator("#progress-text")).to_have_text("0 of 50")
    expect(status).to_have_text("Saved")
    assert stored_values(invitation) == {statement_id: None}
    expect(page).to_have_url("/survey/page/1/")
