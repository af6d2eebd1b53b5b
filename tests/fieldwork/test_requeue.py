"""Emails that must not be lost: a broker down when they are queued, a worker that dies
mid-batch, a message that cannot be built. The rows are committed first; the sweep queues
the pending ones again; each outcome is written as it happens."""

import time
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone

from responses.broker import BrokerUnavailable
from responses.fieldwork import tasks
from responses.fieldwork.services import deliveries, reminders
from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.views import common as views
from responses.models import AuditEvent, EmailDelivery, Expert, Invitation, Survey
from tests.factories import research_url, worker_killed_while_sending

Status = EmailDelivery.Status


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def send_all(client, survey, **options):
    path = research_url("invitations_bulk", survey)
    data = {"action": "send", "scope": "filtered", "confirmed": "1"}
    return client.post(path, data, **options)


def test_send_with_the_broker_down_keeps_the_emails_and_says_they_will_go_out(
    dead_broker, researcher_client, survey, invitation, other_invitation
):
    started = time.monotonic()
    response = send_all(researcher_client, survey)
    assert time.monotonic() - started < 10  # refused at once, not after gunicorn's 30 s
    assert response.status_code == 302
    assert said(response) == [views.MESSAGE_QUEUED_LATER.format(count=2)]
    assert sorted(EmailDelivery.objects.values_list("status", flat=True)) == ["pending"] * 2
    assert AuditEvent.objects.get(action="invitations.send").data == {"count": 2}


def test_send_again_with_the_broker_down_says_the_emails_are_waiting(
    dead_broker, researcher_client, survey, invitation
):
    first = send_all(researcher_client, survey, follow=True)  # the page shows the message
    assert views.MESSAGE_QUEUED_LATER.format(count=1) in first.content.decode()
    again = send_all(researcher_client, survey)
    assert said(again) == [views.MESSAGE_WAITING.format(count=1)]
    assert EmailDelivery.objects.count() == 1


def test_resend_with_the_broker_down_says_it_will_go_out(
    dead_broker, researcher_client, survey, invitation
):
    delivery = EmailDelivery.objects.create(invitation=invitation, kind="invitation")
    EmailDelivery.objects.filter(pk=delivery.pk).update(status=Status.UNKNOWN)
    path = research_url("delivery_resend", survey, invitation.pk, delivery.pk)
    response = researcher_client.post(path)
    assert said(response) == [views.MESSAGE_QUEUED_LATER.format(count=1)]
    assert EmailDelivery.objects.get().status == Status.PENDING


def test_broker_unavailable_comes_after_the_commit_and_names_the_rows(
    dead_broker, survey, invitation, other_invitation
):
    with pytest.raises(BrokerUnavailable) as refused:
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    assert sorted(refused.value.ids) == sorted(EmailDelivery.objects.values_list("pk", flat=True))
    assert EmailDelivery.objects.filter(status=Status.PENDING).count() == 2


@pytest.fixture
def queued(survey, invitation, other_invitation, django_capture_on_commit_callbacks):
    """Alice's and Bob's invitations saved as pending, their tasks lost with the broker."""
    with django_capture_on_commit_callbacks(execute=False):
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    return list(EmailDelivery.objects.order_by("pk"))


def requeue(capture, **kwargs):
    with capture(execute=True):
        return deliveries.deliveries_requeue(**kwargs)


def test_requeue_sends_pending_emails_a_minute_old_once(queued, django_capture_on_commit_callbacks):
    later = timezone.now() + timedelta(minutes=1, seconds=1)
    assert requeue(django_capture_on_commit_callbacks, now=later) == 2
    assert requeue(django_capture_on_commit_callbacks, now=later) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert set(EmailDelivery.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
    assert Invitation.objects.filter(sent_at__isnull=True).count() == 0


def test_requeue_leaves_emails_queued_less_than_a_minute_ago(
    queued, django_capture_on_commit_callbacks
):
    soon = timezone.now() + timedelta(seconds=50)
    assert requeue(django_capture_on_commit_callbacks, now=soon) == 0
    assert mail.outbox == []


def test_requeue_waits_out_the_backoff_of_a_transient_error(
    queued, settings, django_capture_on_commit_callbacks
):
    settings.FIELDWORK_EMAIL_RETRY_BASE = 30
    claimed = timezone.now()
    EmailDelivery.objects.filter(pk=queued[0].pk).update(attempts=3, claimed_at=claimed)
    EmailDelivery.objects.filter(pk=queued[1].pk).delete()
    # Released after its third attempt: the retry due within 4 x 30 s, then a minute more.
    assert requeue(django_capture_on_commit_callbacks, now=claimed + timedelta(seconds=179)) == 0
    assert requeue(django_capture_on_commit_callbacks, now=claimed + timedelta(seconds=181)) == 1
    assert EmailDelivery.objects.get().status == Status.SENT


def test_requeued_tasks_racing_the_lost_ones_send_each_email_once(
    queued, django_capture_on_commit_callbacks
):
    ids = [delivery.pk for delivery in queued]
    tasks.deliveries_send_task.delay(delivery_ids=ids)
    later = timezone.now() + timedelta(minutes=2)
    assert requeue(django_capture_on_commit_callbacks, now=later) == 0
    tasks.deliveries_send_task.delay(delivery_ids=ids)
    assert len(mail.outbox) == 2


def test_requeue_takes_only_pending_emails(queued, django_capture_on_commit_callbacks):
    statuses = [Status.SENDING, Status.UNKNOWN]
    for delivery, status in zip(queued, statuses, strict=True):
        EmailDelivery.objects.filter(pk=delivery.pk).update(status=status)
    later = timezone.now() + timedelta(hours=1)
    assert requeue(django_capture_on_commit_callbacks, now=later) == 0
    assert mail.outbox == []


def test_requeued_email_no_longer_wanted_fails_visibly(
    queued, survey, django_capture_on_commit_callbacks
):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    requeue(django_capture_on_commit_callbacks, now=timezone.now() + timedelta(minutes=2))
    assert set(EmailDelivery.objects.values_list("status", "error")) == {
        (Status.FAILED, "Not sent: the survey is not open.")
    }
    assert mail.outbox == []


def test_sweep_task_queues_lost_emails_again(queued, django_capture_on_commit_callbacks):
    old = timezone.now() - timedelta(minutes=2)
    EmailDelivery.objects.update(created_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deliveries_sweep_task.delay().get() == {"unknown": 0, "requeued": 2}
    assert len(mail.outbox) == 2


def test_beat_sweep_queues_lost_emails_again_with_the_broker_back(dead_broker, survey, invitation):
    with pytest.raises(BrokerUnavailable):
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    EmailDelivery.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    dead_broker.conf.task_always_eager = True  # the broker is back: tasks run
    assert tasks.deliveries_sweep_task.delay().get() == {"unknown": 0, "requeued": 1}
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert Invitation.objects.get().sent_at is not None


def test_batch_writes_each_outcome_before_the_next_email(survey, many_invitations):
    many_invitations(5)
    deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    killed = worker_killed_while_sending(after=2)  # the third goes out, then its worker dies
    assert len(mail.outbox) == 3
    assert killed.status == Status.SENDING
    rows = list(EmailDelivery.objects.order_by("pk").values_list("status", flat=True))
    assert rows == [Status.SENT, Status.SENT, Status.SENDING, Status.PENDING, Status.PENDING]
    sent = Invitation.objects.filter(sent_at__isnull=False).count()
    assert (sent, AuditEvent.objects.filter(action="expert.invited").count()) == (2, 2)


def test_reminder_outcome_is_written_as_it_goes_out(
    survey, invitation, django_capture_on_commit_callbacks
):
    survey.reminder_quiet_days = 0  # reminded at once
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    reminders.reminders_send(survey=survey, invitations=Invitation.objects.all())
    reminder = EmailDelivery.objects.get(kind="reminder")
    deliveries.deliveries_send(delivery_ids=[reminder.pk])
    invitation.refresh_from_db()
    assert (invitation.reminders_sent, invitation.last_reminded_at is not None) == (1, True)
    event = AuditEvent.objects.get(action="expert.reminded")
    assert event.data == {"round": 1}


@pytest.fixture
def name_with_a_line_break(survey):
    """A survey whose subject names the expert, and a name holding a CR: the checks refuse
    one now, so it stands for a row written before they did."""
    survey.invitation_subject = "Invitation for {name}"
    survey.save()
    invitation, _ = invitation_create(survey=survey, email="mallory@example.org", name="Mallory")
    Expert.objects.filter(pk=invitation.expert_id).update(name="Mallory\rBcc: x@example.org")
    invitation.expert.refresh_from_db()
    return invitation


def test_email_that_cannot_be_built_fails_alone_with_its_reason(
    survey, invitation, name_with_a_line_break, other_invitation
):
    deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    ids = list(EmailDelivery.objects.order_by("pk").values_list("pk", flat=True))
    outcome = deliveries.deliveries_send(delivery_ids=ids)
    assert (outcome.sent, outcome.failed) == (2, 1)
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    failed = EmailDelivery.objects.get(invitation=name_with_a_line_break)
    assert failed.status == Status.FAILED
    assert failed.error.startswith("Not sent: the email could not be built (Header values")
    assert failed.error.endswith("Correct the expert's details or the survey's email templates.")
    name_with_a_line_break.refresh_from_db()
    assert name_with_a_line_break.failure_reason == failed.error


def test_invitation_page_shows_why_an_email_could_not_be_built(
    researcher_client, survey, name_with_a_line_break, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    page = researcher_client.get(research_url("invitation", survey, name_with_a_line_break.pk))
    html = page.content.decode()
    assert "<td>Failed</td>" in html
    assert "Not sent: the email could not be built" in html


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
def test_every_email_of_a_batch_is_written_down_alike(
    survey, invitation, other_invitation, kind, django_capture_on_commit_callbacks
):
    # The first of two goes through the statement that claims the next (outcomes.py on
    # PostgreSQL), the last through the ORM's path: both write the same rows.
    with django_capture_on_commit_callbacks(execute=kind == "reminder"):
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    if kind == "reminder":
        survey.reminder_quiet_days = 0  # reminded at once
        reminders.reminders_send(survey=survey, invitations=Invitation.objects.all())
    ids = list(EmailDelivery.objects.filter(kind=kind).order_by("pk").values_list("pk", flat=True))
    assert deliveries.deliveries_send(delivery_ids=ids).sent == 2
    rows = EmailDelivery.objects.filter(kind=kind).order_by("pk")
    assert [(d.status, d.error, d.sent_at is not None) for d in rows] == [
        (Status.SENT, "", True)
    ] * 2
    action = "expert.invited" if kind == "invitation" else "expert.reminded"
    events = AuditEvent.objects.filter(action=action).order_by("invitation_id")
    expected_data = {} if kind == "invitation" else {"round": 1}
    assert [(e.invitation_id, e.survey_id, e.actor_id, e.actor_label, e.data) for e in events] == [
        (invitation.pk, survey.pk, None, "system", expected_data),
        (other_invitation.pk, survey.pk, None, "system", expected_data),
    ]
    for row in Invitation.objects.all():
        if kind == "invitation":
            assert row.sent_at is not None
        else:
            assert (row.reminders_sent, row.last_reminded_at is not None) == (1, True)
