"""A delivery left 'sending' by a killed worker: swept to 'unknown' after the timeout, never
resent by itself, resent once when a researcher asks."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from responses.fieldwork import tasks
from responses.fieldwork.services import deliveries, reminders
from responses.models import AuditEvent, EmailDelivery, Invitation
from tests.factories import worker_killed_while_sending

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
    assert tasks.deliveries_sweep_task.delay().get() == 1
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
    survey.reminder_days = [1]
    survey.save()
    with django_capture_on_commit_callbacks(execute=True):
        later = timezone.now() + timedelta(days=2)
        assert reminders.reminders_due_send(now=later) == 0
        assert reminders.reminders_send(survey=survey, invitations=Invitation.objects.all()) == 0
    assert not EmailDelivery.objects.filter(kind="reminder").exists()
    assert mail.outbox == []


def test_unknown_reminder_round_is_not_queued_again(
    survey, invitation, timeout, django_capture_on_commit_callbacks
):
    survey.reminder_days = [1, 3]
    survey.save()
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    reminders.reminders_send(survey=survey, invitations=Invitation.objects.all())
    reminder = worker_killed_while_sending(kind="reminder")
    deliveries.deliveries_sweep(now=timezone.now() + timeout + timedelta(minutes=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_due_send(now=timezone.now() + timedelta(days=2)) == 0
        assert reminders.reminders_send(survey=survey, invitations=Invitation.objects.all()) == 0
    assert list(EmailDelivery.objects.filter(kind="reminder").values_list("pk", "status")) == [
        (reminder.pk, Status.UNKNOWN)
    ]
    assert mail.outbox == []


def test_beat_schedule_sweeps_every_minute(settings):
    from surveysite.celery import app

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if "sweep" in e["task"]]
    assert entries == [{"task": "fieldwork.deliveries_sweep", "schedule": 60}]
    assert "fieldwork.deliveries_sweep" in app.tasks
