"""axe-core on the dashboard and the import pages, in Debian's chromium."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from responses.fieldwork.services import lifecycle
from responses.fieldwork.services.deliveries import invitations_send
from responses.models import Invitation, Response
from tests.browser.pages import assert_no_axe_violations
from tests.factories import research_url as url

pytestmark = pytest.mark.browser


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


def test_dashboard_has_no_axe_violations(researcher_page, live_server, survey, fieldwork_under_way):
    researcher_page.goto(live_server.url + url("dashboard", survey))
    assert researcher_page.locator("svg.chart-svg").count() == 1
    assert_no_axe_violations(researcher_page)


def test_invitations_page_has_no_axe_violations(
    researcher_page, live_server, survey, fieldwork_under_way
):
    researcher_page.goto(live_server.url + url("invitations", survey))
    assert_no_axe_violations(researcher_page)


def _upload(page, live_server, survey, path, content: bytes):
    path.write_bytes(content)
    page.goto(live_server.url + url("import", survey))
    page.set_input_files("input[type=file]", str(path))
    page.click("form.upload-form button[type=submit]")


def test_import_pages_have_no_axe_violations(researcher_page, live_server, survey, tmp_path):
    researcher_page.goto(live_server.url + url("import", survey))
    assert_no_axe_violations(researcher_page)
    path = tmp_path / "list.csv"
    content = b"name,email,sector,affiliation\nAnn,ann@x.example,agi_lab,\nBad,bad,mars,\n"
    _upload(researcher_page, live_server, survey, path, content)
    researcher_page.wait_for_url("**/import/*/")
    assert "problem" in researcher_page.content()
    assert_no_axe_violations(researcher_page)
    content = b"name,email,sector,affiliation\nAnn,ann@x.example,agi_lab,\n"
    _upload(researcher_page, live_server, survey, path, content)
    researcher_page.wait_for_url("**/import/*/")
    assert "1 expert ready to import" in researcher_page.content()
    assert_no_axe_violations(researcher_page)


def test_invitation_page_copy_button_and_axe(
    researcher_page, live_server, survey, fieldwork_under_way
):
    invitation = Invitation.objects.order_by("pk").first()
    researcher_page.goto(live_server.url + url("invitation", survey, invitation.pk))
    assert_no_axe_violations(researcher_page)
    researcher_page.click("button.copy-button")
    researcher_page.wait_for_function("document.querySelector('.copy-status').textContent !== ''")


def test_invitation_page_edit_expert_form_and_axe(researcher_page, live_server, survey, invitation):
    page = researcher_page
    page.goto(live_server.url + url("invitation", survey, invitation.pk))
    email = page.get_by_role("textbox", name="Email", exact=True)
    email.fill("not-an-email")
    page.get_by_role("button", name="Save the expert").click()
    page.wait_for_selector("#id_email_error")
    assert email.get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(page)
    email.fill("alice.new@example.org")
    page.get_by_label("Sector").select_option("other")
    page.get_by_role("button", name="Save the expert").click()
    page.wait_for_selector("text=The expert's details are saved.")
    assert_no_axe_violations(page)
    invitation.expert.refresh_from_db()
    assert (invitation.expert.email, invitation.expert.sector) == ("alice.new@example.org", "other")


def test_anonymise_page_with_its_refusals_has_no_axe_violations(
    researcher_page, live_server, survey, researcher
):
    lifecycle.survey_close(survey=survey, actor=researcher)
    researcher_page.goto(live_server.url + url("anonymise", survey))
    assert_no_axe_violations(researcher_page)
    researcher_page.get_by_role("button", name="Anonymise for good").click()
    researcher_page.wait_for_selector("#confirm-reasons-errors")


def test_a_refused_upload_has_no_axe_violations(researcher_page, live_server, survey, tmp_path):
    content = b"name,email,sector,affiliation\nAnn\x00,ann@x.example,agi_lab,\n"
    _upload(researcher_page, live_server, survey, tmp_path / "list.csv", content)
    researcher_page.wait_for_selector("p.errornote[role=alert]")
    assert "control character (U+0000)" in researcher_page.content()
    assert_no_axe_violations(researcher_page)


def test_dashboard_refreshes_its_figures_without_a_reload(
    researcher_page, live_server, survey, fieldwork_under_way
):
    page = researcher_page
    page.goto(live_server.url + url("dashboard", survey))
    box = page.locator("#live-figures")
    assert "(4 of 12 invited)" in box.inner_text()
    page.evaluate("document.getElementById('live-figures').dataset.marker = 'same page'")
    # One more submission arrives; the next tick (shortened here) shows it.
    invitation = Invitation.objects.filter(submitted_at__isnull=True).order_by("pk").first()
    now = timezone.now()
    Response.objects.create(
        invitation=invitation, consented_at=now, statement_order=[], submitted_at=now
    )
    Invitation.objects.filter(pk=invitation.pk).update(submitted_at=now, started_at=now)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(box).to_contain_text("(5 of 12 invited)")
    assert page.evaluate("document.getElementById('live-figures').dataset.marker") == "same page"
    assert_no_axe_violations(page)
