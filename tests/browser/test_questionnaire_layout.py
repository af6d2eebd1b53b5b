"""The questionnaire's two layouts in a real browser (issue 10): a Likert grid at 1366x900
answered by keyboard alone, one card per statement at 390x844 answered by touch; resume on a
second device; our CSRF failure page, with the unsaved choice sent again afterwards."""

import pytest
from playwright.sync_api import expect

from responses.choices import DONT_KNOW, SCALE
from responses.models import Answer, Response

from .pages import BrowserLog, assert_no_axe_violations, open_and_consent
from .pages import axe_violations as axe_list

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
MAX_GRID_PAGE_PX = 2000
MIN_TARGET_PX = 44
LABELS = dict(SCALE)


def statement_ids(page) -> list[int]:
    return [
        int(value)
        for value in page.locator("[data-statement]").evaluate_all(
            "items => items.map(item => item.dataset.statement)"
        )
    ]


def stored_values(invitation) -> dict[int, int | None]:
    return dict(
        Answer.objects.filter(response__invitation=invitation).values_list("statement_id", "value")
    )


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def tab_to(page, selector: str) -> None:
    page.keyboard.press("Tab")
    expect(page.locator(selector)).to_be_focused()


def test_grid_is_answered_by_keyboard_alone_and_fits_in_2000_px(
    new_context, expert_link, invitation
):
    page = new_context(viewport=DESKTOP).new_page()
    log = BrowserLog(page)
    open_and_consent(page, expert_link)
    ids = statement_ids(page)
    height = page_height(page)
    print(f"\nquestionnaire page of {len(ids)} statements at 1366x900: {height} px tall")
    assert len(ids) == 10 and height <= MAX_GRID_PAGE_PX
    # One row per statement: its six options side by side, the column headers shown.
    first = page.locator(f"#st-{ids[0]}")
    options = first.locator(".q-opt").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().top)"
    )
    assert len(set(round(top) for top in options)) == 1
    expect(page.locator(".q-head")).to_be_visible()
    expect(page.locator(".q-head")).to_contain_text("I don't know")
    assert_no_axe_violations(page)

    tab_to(page, ".skip-link")
    tab_to(page, ".q-nav-top button[value=previous]")
    tab_to(page, ".q-nav-top button[value=next]")
    chosen = {}
    for index, statement_id in enumerate(ids):
        tab_to(page, f"#v{statement_id}_1")
        page.keyboard.press("Space")
        for _ in range(index % 6):
            page.keyboard.press("ArrowRight")  # arrows move within the row
        value = SCALE[index % 6][0]
        expect(page.locator(f"#st-{statement_id} input[value='{value}']")).to_be_checked()
        expect(page.locator(f"#status-{statement_id}")).to_have_text("Saved")
        expect(page.locator(f"#st-{statement_id}")).to_have_class("q-item is-answered")
        chosen[statement_id] = value
        tab_to(page, f"#st-{statement_id} summary")  # "Add a comment", folded
        if index == 0:
            page.keyboard.press("Enter")
            tab_to(page, f"#c{statement_id}")
            page.keyboard.type("Only with external audits.")
        tab_to(page, f"#st-{statement_id} button[name=clear]")
    # The headers stay in view while the rows scroll under them.
    page.locator(f"#st-{ids[-1]}").scroll_into_view_if_needed()
    assert page.locator(".q-head").bounding_box()["y"] == 0
    assert_no_axe_violations(page)
    assert stored_values(invitation) == chosen
    answer = Answer.objects.get(response__invitation=invitation, statement_id=ids[0])
    assert answer.comment == "Only with external audits."
    assert log.problems == []


def test_cards_are_answered_by_touch_with_44_px_targets(new_context, expert_link, invitation):
    page = new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    log = BrowserLog(page)
    open_and_consent(page, expert_link)
    ids = statement_ids(page)
    print(f"\nquestionnaire page of {len(ids)} statements at 390x844: {page_height(page)} px tall")
    card = page.locator(f"#st-{ids[0]}")
    scale_width = card.locator(".q-scale").bounding_box()["width"]
    assert scale_width >= PHONE["width"] - 2 * 48  # the card's width, less its margins
    for box in [option.bounding_box() for option in card.locator(".q-opt").all()]:
        assert box["height"] >= MIN_TARGET_PX
        assert box["width"] == scale_width  # each option the full width of the card
    for button in page.locator(".q-nav-bottom button").all():
        box = button.bounding_box()
        assert box["height"] >= MIN_TARGET_PX and box["width"] >= MIN_TARGET_PX
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator(".q-head")).to_be_hidden()
    for statement_id, value in ((ids[0], 2), (ids[1], DONT_KNOW)):
        page.locator(f"#st-{statement_id}").get_by_text(LABELS[value], exact=True).tap()
        expect(page.locator(f"#status-{statement_id}")).to_have_text("Saved")
    expect(page.locator("#progress-text")).to_have_text("2 of 50")
    assert_no_axe_violations(page)
    assert stored_values(invitation) == {ids[0]: 2, ids[1]: DONT_KNOW}
    assert log.problems == []


def test_resume_on_a_second_device_lands_on_the_first_unanswered_page(
    new_context, expert_link, invitation
):
    laptop = new_context(viewport=DESKTOP).new_page()
    open_and_consent(laptop, expert_link)
    for statement_id in statement_ids(laptop):
        laptop.locator(f"#st-{statement_id}").get_by_label("Somewhat agree").check()
        expect(laptop.locator(f"#status-{statement_id}")).to_have_text("Saved")
    laptop.locator(".q-nav-bottom").get_by_role("button", name="Next").click()
    expect(laptop).to_have_url("/survey/page/2/")
    second = statement_ids(laptop)[0]
    laptop.locator(f"#st-{second}").get_by_label("Strongly agree").check()
    expect(laptop.locator(f"#status-{second}")).to_have_text("Saved")

    phone = new_context(viewport=PHONE, has_touch=True).new_page()
    phone.goto(expert_link)
    expect(phone.locator("#landing-progress")).to_have_text("11 of 50 answered")
    assert_no_axe_violations(phone)
    phone.get_by_role("button", name="Continue where you stopped").tap()
    expect(phone).to_have_url("/survey/page/2/")
    expect(phone.locator(f"#st-{second} input[value='2']")).to_be_checked()


def test_csrf_failure_gets_our_page_and_the_unsaved_choice_is_sent_again(
    new_context, expert_link, invitation
):
    page = new_context(viewport=DESKTOP).new_page()
    log = BrowserLog(page)
    open_and_consent(page, expert_link)
    statement_id = statement_ids(page)[0]
    page.context.clear_cookies()
    page.locator(f"#st-{statement_id}").get_by_label("Somewhat disagree").check()
    expect(page.locator("#session-alert")).to_contain_text("This browser tab keeps your choice")
    expect(page.locator(f"#status-{statement_id}")).to_have_text("Not saved")
    assert page.evaluate("window.sessionStorage.length") == 1  # kept in this tab
    page.locator(".q-nav-bottom").get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="This page could not be sent")).to_be_visible()
    expect(
        page.get_by_text("Open the personal link from your invitation email again")
    ).to_be_visible()
    assert_no_axe_violations(page)
    assert stored_values(invitation) == {}

    page.goto(expert_link)
    page.get_by_role("button", name="Continue where you stopped").click()
    expect(page).to_have_url("/survey/page/1/")
    expect(page.locator("#resent-alert")).to_contain_text("sent again")
    expect(page.locator(f"#status-{statement_id}")).to_have_text("Saved")
    expect(page.locator(f"#st-{statement_id} input[value='-1']")).to_be_checked()
    assert stored_values(invitation) == {statement_id: -1}
    assert page.evaluate("window.sessionStorage.length") == 0
    assert log.csp_violations == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_axe_finds_nothing_on_the_expert_pages_in_both_layouts(
    new_context, expert_link, invitation, viewport
):
    page = new_context(viewport=viewport).new_page()
    log = BrowserLog(page)
    found = {}
    open_and_consent(page, expert_link)
    first = statement_ids(page)[0]
    page.locator(f"#st-{first}").get_by_text("Add a comment").click()
    page.locator(f"#c{first}").fill("With audits.")
    page.locator(f"#st-{first}").get_by_label("Strongly disagree").check()
    expect(page.locator(f"#status-{first}")).to_have_text("Saved")
    found["page"] = axe_list(page)
    page.goto("/survey/privacy/")
    found["privacy"] = axe_list(page)
    page.goto("/survey/background/")
    page.get_by_label("Government").check()
    expect(page.locator("#status-background")).to_have_text("Saved")
    page.get_by_label("Prefer not to say").first.check()
    expect(page.locator("#status-background")).to_contain_text("cannot be combined")
    page.get_by_label("Prefer not to say").first.uncheck()
    page.locator("textarea[name=open_answer]").fill("Incident reports.")
    page.locator("textarea[name=open_answer]").blur()
    expect(page.locator("#status-background")).to_have_text("Saved")
    found["background"] = axe_list(page)
    page.goto("/survey/review/")
    found["review"] = axe_list(page)
    page.get_by_role("button", name="Submit my answers").click()
    found["thanks"] = axe_list(page)
    page.goto("/survey/")
    expect(page.get_by_text("Incident reports.")).to_be_visible()
    found["record"] = axe_list(page)
    assert found == {name: [] for name in found}
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert log.csp_violations == []
    response = Response.objects.get(invitation=invitation)
    assert (response.sectors, response.open_answer) == (["government"], "Incident reports.")


def test_record_after_submission_prints_without_the_page_furniture(
    new_context, expert_link, invitation
):
    page = new_context(viewport=DESKTOP).new_page()
    open_and_consent(page, expert_link)
    first = statement_ids(page)[0]
    page.locator(f"#st-{first}").get_by_label("Strongly agree").check()
    expect(page.locator(f"#status-{first}")).to_have_text("Saved")
    page.goto("/survey/review/")
    page.get_by_role("button", name="Submit my answers").click()
    page.goto("/survey/")
    page.emulate_media(media="print")
    expect(page.locator(".answer-list")).to_be_visible()
    expect(page.get_by_text("Your answer: Strongly agree")).to_be_visible()
    for furniture in (".site-footer", ".skip-link"):
        expect(page.locator(furniture)).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
