"""axe-core on the dashboard and the import pages, in Debian's chromium."""

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from responses.models import Invitation, Response
from responses.services.emails import invitations_send

from .conftest import url

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page(new_context, live_server, client, researcher, survey):
    client.force_login(researcher)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = new_context()
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context.new_page()


def assert_no_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def fieldwork_under_way(survey, many_invitations):
    invitations = many_invitations(12)
    survey.closes_at = timezone.now() + timezone.timedelta(days=9)
    survey.save()
    invitations_send(survey=survey, invitations=Invitation.objects.all())
    now = timezone.now()
    for invitation in invitations[:4]:
        Response.objects.create(
            invitation=invitation,
            consented_at=now,
            statement_order=[],
            sectors=["academia"],
            submitted_at=now,
        )
        Invitation.objects.filter(pk=invitation.pk).update(submitted_at=now, started_at=now)


def test_dashboard_has_no_axe_violations(browser_page, live_server, survey, fieldwork_under_way):
    browser_page.goto(live_server.url + url("dashboard", survey))
    assert browser_page.locator("svg.chart-svg").count() == 1
    assert_no_violations(browser_page)


def test_invitations_page_has_no_axe_violations(
    browser_page, live_server, survey, fieldwork_under_way
):
    browser_page.goto(live_server.url + url("invitations", survey))
    assert_no_violations(browser_page)


def test_import_pages_have_no_axe_violations(browser_page, live_server, survey, tmp_path):
    browser_page.goto(live_server.url + url("import", survey))
    assert_no_violations(browser_page)
    path = tmp_path / "list.csv"
    path.write_text("name,email,sector,affiliation\nAnn,ann@x.example,agi_lab,\nBad,bad,mars,\n")
    browser_page.set_input_files("input[type=file]", str(path))
    browser_page.click("form.upload-form button[type=submit]")
    browser_page.wait_for_url("**/import/*/")
    assert "problem" in browser_page.content()
    assert_no_violations(browser_page)
    path.write_text("name,email,sector,affiliation\nAnn,ann@x.example,agi_lab,\n")
    browser_page.goto(live_server.url + url("import", survey))
    browser_page.set_input_files("input[type=file]", str(path))
    browser_page.click("form.upload-form button[type=submit]")
    browser_page.wait_for_url("**/import/*/")
    assert "1 expert ready to import" in browser_page.content()
    assert_no_violations(browser_page)


def test_invitation_page_copy_button_and_axe(
    browser_page, live_server, survey, fieldwork_under_way
):
    invitation = Invitation.objects.order_by("pk").first()
    browser_page.goto(live_server.url + url("invitation", survey, invitation.pk))
    assert_no_violations(browser_page)
    browser_page.click("button.copy-button")
    browser_page.wait_for_function("document.querySelector('.copy-status').textContent !== ''")
