"""The dashboard's Open, Close and Reopen: each confirmed (a dialog, or a page without
script) saying what will happen; the status changes only through them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from responses.fieldwork.services import lifecycle
from responses.models import AuditEvent, Invitation, Survey
from statements.models import Statement
from tests.factories import research_url as url
from tests.factories import respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(survey):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.DRAFT)
    survey.refresh_from_db()
    return survey


@pytest.fixture
def closed(survey, researcher):
    return lifecycle.survey_close(survey=survey, actor=researcher)


def when(days: int) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_open_confirmation_warns_of_provisional_wordings_contact_and_privacy(
    researcher_client, draft
):
    page = researcher_client.get(url("open", draft)).content.decode()
    assert "25 statements still have" in page
    assert escape(lifecycle.WARNING_CONTACT) in page and escape(lifecycle.WARNING_PRIVACY) in page
    assert 'name="confirm_provisional"' in page
    assert Survey.objects.get(pk=draft.pk).status == Survey.Status.DRAFT  # a GET changes nothing


def test_open_confirmation_without_gaps_has_no_warning(researcher_client, draft):
    Statement.objects.update(wording="verbatim")
    Survey.objects.filter(pk=draft.pk).update(
        contact_name="Rita",
        contact_email="rita@example.org",
        privacy_controller="GovAI",
        privacy_purpose="Research",
        privacy_retention="Two years",
        privacy_rights="Access, deletion",
    )
    page = researcher_client.get(url("open", draft)).content.decode()
    assert "warning-note" not in page
    researcher_client.post(url("open", draft))
    assert Survey.objects.get(pk=draft.pk).status == Survey.Status.OPEN


def test_dashboard_offers_each_action_in_a_dialog_with_a_page_behind_it(researcher_client, draft):
    page = researcher_client.get(url("dashboard", draft)).content.decode()
    assert f'href="{url("open", draft)}" data-dialog="dialog-open"' in page
    assert '<dialog id="dialog-open"' in page
    assert 'formmethod="dialog"' in page  # Cancel closes it without a script
    assert "js/dialogs.js" in page


def test_close_confirmation_counts_the_invited_who_have_not_answered(
    researcher_client, survey, many_invitations
):
    many_invitations(5)
    Invitation.objects.update(sent_at=timezone.now())
    respond(survey, answers={1: 2})  # invited by link, submitted
    respond(survey, answers={1: 1}, submitted=False)
    page = researcher_client.get(url("close", survey)).content.decode()
    assert "<strong>6 invited experts</strong> have not submitted, 1 of them part-way" in page
    assert "nobody can answer or change an answer" in page


def test_reopen_with_a_new_closing_date(researcher_client, closed):
    response = researcher_client.post(url("reopen", closed), {"closes_at": when(10)})
    assert response["Location"] == url("dashboard", closed)
    closed.refresh_from_db()
    assert closed.status == Survey.Status.OPEN and closed.closed_at is None
    assert timezone.localtime(closed.closes_at).strftime("%Y-%m-%dT%H:%M") == when(10)
    assert AuditEvent.objects.filter(action="survey.reopened").count() == 1


@pytest.mark.parametrize("closes_at", ["", "2020-01-01T10:00", "not a date"])
def test_reopen_refuses_a_missing_or_past_date(researcher_client, closed, closes_at):
    response = researcher_client.post(url("reopen", closed), {"closes_at": closes_at})
    assert response.status_code == 400
    assert lifecycle.ERROR_REOPEN_DATE in response.content.decode()
    assert Survey.objects.get(pk=closed.pk).status == Survey.Status.CLOSED


def test_reopen_refuses_an_open_or_anonymised_survey(researcher, researcher_client, survey):
    data = {"closes_at": when(3)}
    response = researcher_client.post(url("reopen", survey), data, follow=True)
    assert lifecycle.ERROR_NOT_REOPENABLE in response.content.decode()
    lifecycle.survey_close(survey=survey, actor=researcher)
    lifecycle.survey_anonymise(survey=survey, actor=researcher, confirm="agi", confirm_reasons=True)
    with pytest.raises(lifecycle.LifecycleError) as refused:
        lifecycle.survey_reopen(survey=survey, actor=researcher, closes_at=timezone.now())
    assert str(refused.value) == lifecycle.ERROR_REOPEN_ANONYMISED
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.CLOSED


def test_confirmation_page_of_an_action_that_does_not_apply_says_so(researcher_client, survey):
    page = researcher_client.get(url("open", survey)).content.decode()
    assert "Nothing to open" in page and 'action="/research/agi/open/"' not in page


def test_lifecycle_refuses_another_teams_researcher(client, other_researcher, survey):
    client.force_login(other_researcher)
    assert client.post(url("close", survey)).status_code == 404
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.OPEN


def test_admin_status_field_is_read_only(admin_client, survey):
    change = reverse("admin:responses_survey_change", args=[survey.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="status"' not in page
