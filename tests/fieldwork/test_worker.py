"""With a real Celery worker on Redis and PostgreSQL, and real concurrency."""

import time

import pytest
from django.core import mail

from responses.fieldwork import tasks
from responses.fieldwork.services import deliveries
from responses.fieldwork.services.experts import invitation_create
from responses.models import AuditEvent, EmailDelivery, Invitation
from tests.factories import at_once


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def sent_messages(folder):
    return sum(path.read_text().count("\nSubject: ") for path in folder.glob("*.log"))


@pytest.fixture
def mail_dir(tmp_path, monkeypatch):
    """The worker writes emails to files here (the environment is read when it starts)."""
    monkeypatch.setenv("EMAIL_BACKEND", "file")
    monkeypatch.setenv("EMAIL_FILE_PATH", str(tmp_path))
    return tmp_path


@pytest.mark.worker
def test_worker_sends_invitations_enqueued_on_commit(mail_dir, celery_worker, survey):
    for number in range(5):
        invitation_create(survey=survey, email=f"w{number}@example.org", name=f"W {number}")
    assert deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all()) == 5
    assert wait_for(lambda: Invitation.objects.filter(sent_at__isnull=False).count() == 5)
    assert sent_messages(mail_dir) == 5
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.worker
def test_worker_task_delivered_twice_sends_once(mail_dir, celery_worker, survey, invitation):
    deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    delivery = EmailDelivery.objects.get()
    tasks.delivery_send_task.delay(delivery_id=delivery.pk)
    tasks.deliveries_send_task.delay(delivery_ids=[delivery.pk])
    tasks.delivery_send_task.delay(delivery_id=delivery.pk)
    assert wait_for(lambda: EmailDelivery.objects.get().status == "sent")
    time.sleep(1.0)  # let the duplicates run
    assert sent_messages(mail_dir) == 1
    assert EmailDelivery.objects.get().attempts == 1


@pytest.mark.worker
def test_worker_runs_scheduled_reminders_task(mail_dir, celery_worker, survey, invitation):
    from datetime import timedelta

    from django.utils import timezone

    survey.reminder_days = [1]
    survey.save()
    # Invited four days ago: the first reminder is due, and the quiet days (3) are over.
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=4))
    tasks.reminders_due_task.delay()
    assert wait_for(lambda: Invitation.objects.get().reminders_sent == 1)
    tasks.reminders_due_task.delay()
    time.sleep(1.0)
    assert sent_messages(mail_dir) == 1


@pytest.mark.worker
def test_worker_sweeps_a_lost_email_then_sends_it_once_when_resent(
    mail_dir, celery_worker, survey, invitation, researcher
):
    from datetime import timedelta

    from django.utils import timezone

    lost = timezone.now() - timedelta(hours=1)
    delivery = EmailDelivery.objects.create(invitation=invitation, kind="invitation")
    EmailDelivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=lost)
    tasks.deliveries_sweep_task.delay()
    assert wait_for(lambda: EmailDelivery.objects.get().status == "unknown")
    assert AuditEvent.objects.filter(action="expert.email_unknown").count() == 1
    deliveries.delivery_resend(delivery_id=delivery.pk, actor=researcher)
    assert wait_for(lambda: Invitation.objects.get().sent_at is not None)
    tasks.deliveries_sweep_task.delay()
    time.sleep(1.0)
    assert sent_messages(mail_dir) == 1
    assert EmailDelivery.objects.get().status == "sent"


def test_delivery_claimed_by_two_threads_at_once_sends_one_email(
    transactional_db, postgres, survey, invitation
):
    EmailDelivery.objects.create(invitation=invitation, kind="invitation")
    delivery = EmailDelivery.objects.get()
    outcomes = at_once(lambda: deliveries.delivery_send(delivery_id=delivery.pk))
    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.get().attempts == 1
