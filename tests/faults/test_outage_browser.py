"""questionnaire.js in Chromium while the site's PostgreSQL is stopped and started again:
the expert's choice stays on screen, the page says it is retrying, and it is saved once
the database is back."""

import re

import pytest
from playwright.sync_api import expect

from tests.faults.servers import act, site_env, tally

pytestmark = [pytest.mark.fault, pytest.mark.browser, pytest.mark.xdist_group("faults")]


def test_autosave_during_a_database_outage_retries_until_saved(
    fault_database, own_postgres, mail_dir, started, browser, tmp_path
):
    env = site_env(database_url=fault_database, redis_url=None, mail_dir=mail_dir)
    seeded = act(env, "seed", experts=1)
    site = started("gunicorn", env)
    context = browser.new_context(base_url=site.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"/s/{seeded['secrets'][0]}/")
    page.goto("/survey/page/1/")
    first, second = [
        int(pk)
        for pk in page.locator(".q-item[data-statement]").evaluate_all(
            "sets => sets.map(s => s.dataset.statement)"
        )[:2]
    ]
    page.locator(f"#st-{first}").get_by_label("Strongly agree", exact=True).click()
    expect(page.locator(f"#status-{first}")).to_have_text("Saved")

    own_postgres.stop("fast")
    try:
        page.locator(f"#st-{second}").get_by_label("Somewhat disagree", exact=True).click()
        status = page.locator(f"#status-{second}")
        expect(status).to_contain_text("Not saved yet")
        expect(status).to_contain_text(re.compile(r"Retrying in \d+ s"))
        expect(page.locator(f"#st-{second} input[value='-1']")).to_be_checked()
        page.screenshot(path=str(tmp_path / "retrying.png"), full_page=False)
    finally:
        own_postgres.start()
    expect(status).to_have_text("Saved", timeout=40_000)
    expect(page.locator("#progress-text")).to_have_text("2 of 50")
    context.close()
    answers = tally(env["DATABASE_URL"])["answers"]["expert0@example.org"]
    assert answers == {first: 2, second: -1}
