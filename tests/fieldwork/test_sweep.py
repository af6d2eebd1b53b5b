"""A delivery left 'sending' by a killed worker: swept to 'unknown' after the timeout, never
resent by itself, resent once when a researcher asks."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from responses.fieldwork import selectors, tasks
from responses.fieldwork.services import deliveries, emails, reminders
from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import survey_create
from responses.fieldwork.views import common as views
from responses.models import AuditEvent, EmailDelivery, Invitation, Survey
from tests.factories import research_url, worker_killed_while_sending

pytestmark = pytest.mark.django_db

Status = EmailDelivery.Status


@pytest.fixture
def timeout(settings):
    return timedelta(minutes=settings.FIELDWORK_SENDING_TIMEOUT_MINUTES)


@pytest.fixture
def stuck(survey, invitation):
    """Alice's invitation, handed to the mail server by a worker killed before its
    bookkeeping."""
    deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    return worker_killed_while_sending()


def claimed_ago(delivery, age):
    EmailDelivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - age)


def test_claim_records_when_the_delivery_was_claimed(stuck, invitation):
    assert stuck.status == Status.SENDING
    assert timezone.now() - stuck.claimed_at < timedelta(minutes=1)
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is None


def test_sweep_marks_only_deliveries_sending_longer_than_the_timeout(
    survey, many_invitations, timeout
):
    many_invitations(4)
    deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    old = worker_killed_while_sending()
    recent = worker_killed_while_sending()
    claimed_ago(old, timeout + timedelta(seconds=1))
    claimed_ago(recent, timeout - timedelta(minutes=1))
    sent = EmailDelivery.objects.filter(status=Status.PENDING).earliest("pk")
    deliveries.deliveries_send(delivery_ids=[sent.pk])
    assert deliveries.deliveries_sweep() == 1
    statuses = dict(EmailDelivery.objects.values_list("pk", "status"))
    assert (statuses[old.pk], statuses[recent.pk], statuses[sent.pk]) == (
        Status.UNKNOWN,
        Status.SENDING,
        Status.SENT,
    )
    assert sorted(statuses.values()) == sorted(
        [Status.UNKNOWN, Status.SENDING, Status.SENT, Status.PENDING]
    )
    assert EmailDelivery.objects.get(pk=old.pk).error == deliveries.ERROR_OUTCOME_UNKNOWN


def test_sweep_takes_its_now_and_audits_each_delivery_as_system(stuck, timeout):
    assert deliveries.deliveries_sweep(now=stuck.claimed_at + timeout) == 0
    assert deliveries.deliveries_sweep(now=stuck.claimed_at + timeout + timedelta(seconds=1)) == 1
    event = AuditEvent.objects.get(action="expert.email_unknown")
    assert (event.invitation_id, event.survey_id) == (
        stuck.invitation_id,
        stuck.invitation.survey_id,
    )
    assert (event.actor, event.actor_label) == (None, "system")
    assert event.data == {"kind": "invitation", "round": 0}


def test_sweep_twice_marks_and_audits_once(stuck, timeout):
    later = timezone.now() + timeout + timedelta(minutes=1)
    assert deliveries.deliveries_sweep(now=later) == 1
    assert deliveries.deliveries_sweep(now=later + timedelta(hours=1)) == 0
    assert AuditEvent.objects.filter(action="expert.email_unknown").count() == 1


def test_sweep_marks_a_delivery_claimed_before_claim_times_were_kept(stuck, timeout):
    old = timezone.now() - timeout - timedelta(minutes=1)
    EmailDelivery.objects.filter(pk=stuck.pk).update(claimed_at=None, created_at=old)
    assert deliveries.deliveries_sweep() == 1
    assert EmailDelivery.objects.get(pk=stuck.pk).status == Status.UNKNOWN


def test_sweep_task_runs_the_sweep(stuck, timeout):
    claimed_ago(stuck, timeout + timedelta(minutes=1))
    assert tasks.deliveries_sweep_task.delay().get() == {"unknown": 1, "requeued": 0}
    assert EmailDelivery.objects.get(pk=stuck.pk).status == Status.UNKNOWN


@pytest.fixture
def unknown(stuck, timeout):
    """Alice's invitation email after the sweep: it may or may not have reached her."""
    claimed_ago(stuck, timeout + timedelta(minutes=1))
    deliveries.deliveries_sweep()
    mail.outbox.clear()
    stuck.refresh_from_db()
    return stuck


def test_unknown_delivery_is_never_claimed_again(
    unknown, survey, django_capture_on_commit_callbacks
):
    assert deliveries.deliveries_send(delivery_ids=[unknown.pk]).sent == 0
    assert tasks.delivery_send_task.delay(delivery_id=unknown.pk).get() == "skipped"
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all()) == 0
    unknown.refresh_from_db()
    assert (unknown.status, unknown.attempts) == (Status.UNKNOWN, 1)
    assert EmailDelivery.objects.count() == 1
    assert mail.outbox == []


def test_unknown_invitation_gets_no_reminder(unknown, survey, django_capture_on_commit_callbacks):
    survey.reminder_days, survey.reminder_quiet_days = [1], 0
    survey.save()
    with django_capture_on_commit_callbacks(execute=True):
        later = timezone.now() + timedelta(days=2)
        assert reminders.reminders_due_send(now=later) == 0
        assert reminders.reminders_send(survey=survey, invitations=Invitation.objects.all()) == 0
    assert not EmailDelivery.objects.filter(kind="reminder").exists()
    assert mail.outbox == []


@pytest.fixture
def unknown_reminder(survey, invitation, timeout, django_capture_on_commit_callbacks):
    """Alice was invited (reminders 1 and 3 days later); her first reminder went to a worker
    killed while sending it, and the sweep has marked it unknown."""
    survey.reminder_days, survey.reminder_quiet_days = [1, 3], 0
    survey.save()
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    reminders.reminders_send(survey=survey, invitations=Invitation.objects.all())
    reminder = worker_killed_while_sending(kind="reminder")
    deliveries.deliveries_sweep(now=timezone.now() + timeout + timedelta(minutes=1))
    mail.outbox.clear()
    return reminder


def test_unknown_reminder_round_is_not_queued_again(
    unknown_reminder, survey, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_due_send(now=timezone.now() + timedelta(days=2)) == 0
        assert reminders.reminders_send(survey=survey, invitations=Invitation.objects.all()) == 0
    assert list(EmailDelivery.objects.filter(kind="reminder").values_list("pk", "status")) == [
        (unknown_reminder.pk, Status.UNKNOWN)
    ]
    assert mail.outbox == []


def resend_url(delivery):
    invitation = delivery.invitation
    return research_url("delivery_resend", invitation.survey, invitation.pk, delivery.pk)


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_resend_sends_an_unknown_email_once_however_often_clicked(
    researcher_client, researcher, unknown, invitation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = researcher_client.post(resend_url(unknown), follow=True)
        second = researcher_client.post(resend_url(unknown))
    page = research_url("invitation", invitation.survey, invitation.pk)
    assert first.redirect_chain == [(page, 302)]
    assert views.MESSAGE_RESENT in first.content.decode()
    assert said(second) == [deliveries.ERROR_NOT_UNKNOWN]
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    unknown.refresh_from_db()
    assert (unknown.status, unknown.attempts, unknown.error) == (Status.SENT, 2, "")
    invitation.refresh_from_db()
    assert invitation.sent_at == unknown.sent_at
    event = AuditEvent.objects.get(action="invitation.email_resent")
    assert (event.actor, event.invitation_id) == (researcher, invitation.pk)
    assert event.data == {"kind": "invitation", "round": 0}


def test_resend_is_enqueued_after_commit(unknown, researcher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliveries.delivery_resend(delivery_id=unknown.pk, actor=researcher)
    assert len(callbacks) == 1
    assert mail.outbox == []
    assert EmailDelivery.objects.get(pk=unknown.pk).status == Status.PENDING


def test_resent_reminder_round_is_not_queued_again(
    unknown_reminder, invitation, researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.delivery_resend(delivery_id=unknown_reminder.pk, actor=researcher)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_due_send(now=timezone.now() + timedelta(days=2)) == 0
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 1
    assert EmailDelivery.objects.filter(kind="reminder").count() == 1


@pytest.mark.parametrize("status", [Status.PENDING, Status.SENDING, Status.SENT, Status.FAILED])
def test_resend_refuses_an_email_whose_outcome_is_known(researcher_client, stuck, status):
    EmailDelivery.objects.filter(pk=stuck.pk).update(status=status)
    response = researcher_client.post(resend_url(stuck))
    assert said(response) == [deliveries.ERROR_NOT_UNKNOWN]
    assert EmailDelivery.objects.get(pk=stuck.pk).status == status
    assert not AuditEvent.objects.filter(action="invitation.email_resent").exists()


def test_resend_refused_while_the_survey_is_not_open(researcher_client, survey, unknown):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    response = researcher_client.post(resend_url(unknown))
    assert said(response) == [emails.ERROR_NOT_OPEN]
    assert EmailDelivery.objects.get(pk=unknown.pk).status == Status.UNKNOWN
    assert mail.outbox == []


def test_resend_needs_a_post(researcher_client, unknown):
    assert researcher_client.get(resend_url(unknown)).status_code == 405
    assert EmailDelivery.objects.get(pk=unknown.pk).status == Status.UNKNOWN


def test_resend_of_another_teams_email_is_not_found(client, other_researcher, unknown):
    client.force_login(other_researcher)
    assert client.post(resend_url(unknown)).status_code == 404
    assert EmailDelivery.objects.get(pk=unknown.pk).status == Status.UNKNOWN


def test_resend_finds_an_email_only_under_its_own_invitation(
    researcher_client, survey, other_researcher, unknown, other_invitation
):
    theirs = survey_create(slug="theirs", title="Their survey", owner=other_researcher)
    foreign, _ = invitation_create(survey=theirs, email="x@example.org", name="X")
    for pk in (other_invitation.pk, foreign.pk):
        path = research_url("delivery_resend", survey, pk, unknown.pk)
        assert researcher_client.post(path).status_code == 404
    assert EmailDelivery.objects.get(pk=unknown.pk).status == Status.UNKNOWN


def test_invitation_page_explains_an_unknown_outcome_and_offers_resend(
    researcher_client, unknown, invitation
):
    page = researcher_client.get(research_url("invitation", invitation.survey, invitation.pk))
    html = page.content.decode()
    assert "<td>Outcome unknown</td>" in html
    assert deliveries.ERROR_OUTCOME_UNKNOWN in html
    form = f'<form method="post" action="{resend_url(unknown)}"><input type="hidden"'
    assert form in html
    assert html.count(">Resend</button>") == 1


def test_invitation_page_offers_no_resend_for_a_sent_email(researcher_client, stuck, invitation):
    EmailDelivery.objects.filter(pk=stuck.pk).update(status=Status.SENT)
    page = researcher_client.get(research_url("invitation", invitation.survey, invitation.pk))
    assert ">Resend</button>" not in page.content.decode()


def unknown_emails(invitations):
    EmailDelivery.objects.bulk_create(
        EmailDelivery(invitation=i, kind="invitation", status=Status.UNKNOWN) for i in invitations
    )


def test_dashboard_counts_emails_with_an_unknown_outcome_and_links_to_them(
    researcher_client, survey, other_researcher, many_invitations
):
    theirs = survey_create(slug="theirs", title="Their survey", owner=other_researcher)
    unknown_emails(
        [*many_invitations(2), invitation_create(survey=theirs, email="x@e.org", name="X")[0]]
    )
    assert selectors.deliveries_unknown_count(survey) == 2
    page = researcher_client.get(research_url("dashboard", survey)).content.decode()
    assert "<strong>2 emails</strong> may or may not have gone out" in page
    assert f'<a href="{research_url("invitations", survey)}?delivery=unknown">' in page


def test_dashboard_says_nothing_of_unknown_outcomes_when_there_are_none(
    researcher_client, survey, stuck
):
    page = researcher_client.get(research_url("dashboard", survey)).content.decode()
    assert "unknown outcome" not in page
    assert "?delivery=unknown" not in page


def test_invitation_table_filters_on_an_email_with_an_unknown_outcome(
    researcher_client, survey, many_invitations
):
    invitations = many_invitations(3)
    unknown_emails(invitations[1:2])
    EmailDelivery.objects.create(invitation=invitations[2], kind="invitation", status=Status.SENT)
    response = researcher_client.get(research_url("invitations", survey), {"delivery": "unknown"})
    page = response.content.decode()
    assert "Expert 1<" in page and "Expert 0<" not in page and "Expert 2<" not in page
    assert '<option value="unknown" selected>Outcome unknown</option>' in page


def test_invitation_table_filtered_on_email_status_keeps_a_constant_query_count(
    researcher_client, survey, many_invitations
):
    path, query = research_url("invitations", survey), {"delivery": "unknown"}
    unknown_emails(many_invitations(2))
    with CaptureQueriesContext(connection) as few:
        researcher_client.get(path, query)
    unknown_emails(many_invitations(40, start=2))
    with CaptureQueriesContext(connection) as many:
        assert "Expert 41<" in researcher_client.get(path, query).content.decode()
    assert len(many) == len(few)


def test_beat_schedule_sweeps_every_minute(settings):
    from surveysite.celery import app

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if "sweep" in e["task"]]
    deliveries = [e for e in entries if e["task"] == "fieldwork.deliveries_sweep"]
    assert deliveries == [{"task": "fieldwork.deliveries_sweep", "schedule": 60}]
    assert "fieldwork.deliveries_sweep" in app.tasks
    # The export files' sweep runs on its own period (results/tasks.py), less often.
    assert {e["task"] for e in entries} <= {"fieldwork.deliveries_sweep", "results.exports_sweep"}
