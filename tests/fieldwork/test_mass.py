"""Mass actions: send, remind and revoke show whom they affect before anything happens; sends
scheduled for later go out once; reminders skip anyone emailed in the quiet days."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from responses.fieldwork import tasks
from responses.fieldwork.services import deliveries, emails, mass, reminders
from responses.models import AuditEvent, EmailDelivery, Invitation, ScheduledSend, Survey
from tests.factories import at_once
from tests.factories import research_url as url
from tests.fieldwork.test_dashboard import bulk_invitations

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(send, survey, invitation, other_invitation):
    """Both experts invited; Alice today, Bob ten days ago."""
    send(deliveries.invitations_send, survey=survey, invitations=Invitation.objects.all())
    Invitation.objects.filter(pk=other_invitation.pk).update(
        sent_at=timezone.now() - timedelta(days=10)
    )
    mail.outbox.clear()
    return survey


def bulk(client, survey, action, ids, **extra):
    return client.post(url("invitations_bulk", survey), {"action": action, "ids": ids} | extra)


def later(**delta) -> str:
    return timezone.localtime(timezone.now() + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M")


def test_bulk_send_first_shows_how_many_and_who_and_changes_nothing(
    researcher_client, survey, invitation, other_invitation
):
    response = bulk(researcher_client, survey, "send", [invitation.pk, other_invitation.pk])
    page = response.content.decode()
    assert response.status_code == 200
    assert '<strong class="count">2</strong> of the 2 experts you chose' in page
    assert "Alice Expert" in page and "bob@example.org" in page
    assert "Send 2 invitations now" in page
    assert not EmailDelivery.objects.exists()
    assert not AuditEvent.objects.filter(action="invitations.send").exists()


def test_bulk_send_confirmed_sends_to_the_chosen(
    researcher_client, survey, invitation, other_invitation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = bulk(researcher_client, survey, "send", [invitation.pk], confirmed="1")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_bulk_remind_preview_counts_those_emailed_in_the_quiet_days(
    researcher_client, invited, invitation, other_invitation
):
    response = bulk(researcher_client, invited, "remind", [invitation.pk, other_invitation.pk])
    page = response.content.decode()
    assert '<strong class="count">1</strong> of the 2 experts you chose' in page
    assert "1 expert is skipped: emailed in the last 3 days." in page
    assert "bob@example.org" in page and "alice@example.org" not in page


def test_bulk_revoke_previews_then_revokes_once_confirmed(
    researcher_client, survey, invitation, other_invitation
):
    page = bulk(researcher_client, survey, "revoke", [invitation.pk]).content.decode()
    assert "will have their personal link revoked" in page
    assert 'class="button danger">Revoke 1 link<' in page
    assert not Invitation.objects.filter(revoked_at__isnull=False).exists()
    bulk(researcher_client, survey, "revoke", [invitation.pk], confirmed="1")
    assert list(Invitation.objects.filter(revoked_at__isnull=False)) == [invitation]


def test_bulk_preview_shows_a_sample_of_ten_of_all_matching(
    researcher_client, survey, many_invitations
):
    many_invitations(15)
    data = {"action": "send", "scope": "filtered", "state": "not_sent"}
    page = researcher_client.post(url("invitations_bulk", survey), data).content.decode()
    assert '<strong class="count">15</strong> of the 15' in page
    assert "The first 10 of 15, by name" in page
    assert page.count('<th scope="row">Expert ') == 10
    assert '<input type="hidden" name="state" value="not_sent">' in page


def test_bulk_preview_that_affects_nobody_offers_no_confirmation(
    researcher_client, invited, invitation
):
    page = bulk(researcher_client, invited, "send", [invitation.pk]).content.decode()
    assert "Nothing to do: this would affect none of the experts you chose." in page
    assert 'name="confirmed"' not in page


def test_bulk_schedule_creates_a_send_for_later_and_sends_nothing_now(
    researcher_client, survey, invitation, other_invitation
):
    ids = [invitation.pk, other_invitation.pk]
    response = bulk(
        researcher_client, survey, "send", ids, confirmed="1", when="later", send_at=later(days=1)
    )
    assert response.status_code == 302
    scheduled = ScheduledSend.objects.get()
    assert (scheduled.kind, scheduled.invitation_ids, scheduled.status) == (
        "invitation",
        sorted(ids),
        "pending",
    )
    assert not EmailDelivery.objects.exists()
    page = researcher_client.get(url("invitations", survey)).content.decode()
    assert "Scheduled sends" in page and "Scheduled</td>" in page


@pytest.mark.parametrize(
    ("send_at", "error"),
    [
        ("", mass.ERROR_SEND_AT_MISSING),
        ("yesterday", "Enter the date and time as YYYY-MM-DD HH:MM."),
        (later(hours=-2), mass.ERROR_SEND_AT_PAST),
        (later(days=400), mass.ERROR_SEND_AT_FAR),
    ],
)
def test_bulk_schedule_refuses_a_bad_time_and_changes_nothing(
    researcher_client, survey, invitation, send_at, error
):
    response = bulk(
        researcher_client, survey, "send", [invitation.pk], confirmed="1", when="later",
        send_at=send_at,
    )  # fmt: skip
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not ScheduledSend.objects.exists()
    assert not EmailDelivery.objects.exists()


def test_scheduled_send_after_the_survey_closes_is_refused(researcher, survey, invitation):
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() + timedelta(days=1))
    survey.refresh_from_db()
    with pytest.raises(emails.EmailError, match=mass.ERROR_SEND_AT_CLOSED):
        mass.scheduled_send_create(
            survey=survey,
            action="send",
            invitations=Invitation.objects.all(),
            send_at=timezone.now() + timedelta(days=2),
            actor=researcher,
        )


def schedule(survey, researcher, action="send", hours=1):
    return mass.scheduled_send_create(
        survey=survey,
        action=action,
        invitations=Invitation.objects.all(),
        send_at=timezone.now() + timedelta(hours=hours),
        actor=researcher,
    )


def test_scheduled_send_goes_out_once_when_due(
    send, survey, researcher, invitation, other_invitation
):
    scheduled = schedule(survey, researcher)
    assert send(mass.scheduled_sends_due_run) == 0
    due = timezone.now() + timedelta(hours=2)
    assert send(mass.scheduled_sends_due_run, now=due) == 2
    assert send(mass.scheduled_sends_due_run, now=due) == 0
    assert send(mass.scheduled_send_run, scheduled_id=scheduled.pk, now=due) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.queued) == ("done", 2)
    assert AuditEvent.objects.get(action="scheduled_send.done").data["count"] == 2


def test_scheduled_send_skips_those_no_longer_to_write_to(
    send, survey, researcher, invitation, other_invitation
):
    schedule(survey, researcher)
    Invitation.objects.filter(pk=other_invitation.pk).update(declined_at=timezone.now())
    assert send(mass.scheduled_sends_due_run, now=timezone.now() + timedelta(hours=2)) == 1
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_scheduled_send_of_a_survey_no_longer_open_is_cancelled_visibly(
    send, survey, researcher, invitation
):
    scheduled = schedule(survey, researcher)
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    assert send(mass.scheduled_sends_due_run, now=timezone.now() + timedelta(hours=2)) == 0
    scheduled.refresh_from_db()
    assert scheduled.status == "cancelled"
    event = AuditEvent.objects.get(action="scheduled_send.skipped")
    assert event.data["reason"] == mass.REASON_NOT_OPEN
    assert not EmailDelivery.objects.exists()


def test_scheduled_reminder_skips_those_emailed_in_the_quiet_days(
    send, invited, researcher, invitation, other_invitation
):
    schedule(invited, researcher, action="remind")
    assert send(mass.scheduled_sends_due_run, now=timezone.now() + timedelta(hours=2)) == 1
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_scheduled_send_cancel_stops_it_once(
    researcher_client, send, survey, researcher, invitation
):
    scheduled = schedule(survey, researcher)
    cancel = url("scheduled_send_cancel", survey, scheduled.pk)
    first = researcher_client.post(cancel, follow=True)
    assert "The scheduled send is cancelled" in first.content.decode()
    again = researcher_client.post(cancel, follow=True)
    assert mass.ERROR_NOT_PENDING in again.content.decode()
    assert send(mass.scheduled_sends_due_run, now=timezone.now() + timedelta(hours=2)) == 0
    assert AuditEvent.objects.filter(action="scheduled_send.cancelled").count() == 1


def test_scheduled_sends_task_is_on_the_beat(settings, survey, researcher):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "fieldwork.scheduled_sends_due" in tasks_scheduled
    assert tasks.scheduled_sends_due_task.apply().result == 0


def test_reminders_by_hand_skip_anyone_emailed_in_the_quiet_days(send, invited):
    assert send(reminders.reminders_send, survey=invited, invitations=Invitation.objects.all()) == 1
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    # Bob was just reminded: a second reminder now is quiet too.
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=10))
    assert send(reminders.reminders_send, survey=invited, invitations=Invitation.objects.all()) == 1
    assert [m.to for m in mail.outbox][1:] == [["alice@example.org"]]


def test_scheduled_reminders_wait_out_the_quiet_days(send, survey, invitation):
    survey.reminder_days = [1]
    survey.save()
    send(deliveries.invitations_send, survey=survey, invitations=Invitation.objects.all())
    assert send(reminders.reminders_due_send, now=timezone.now() + timedelta(days=2)) == 0
    assert send(reminders.reminders_due_send, now=timezone.now() + timedelta(days=3, hours=1)) == 1


def test_quiet_days_are_saved_from_the_reminder_schedule(researcher_client, survey):
    data = {"day_1": "7", "reminder_max": 1, "reminder_quiet_days": 5}
    researcher_client.post(url("edit_reminders", survey), data)
    survey.refresh_from_db()
    assert survey.reminder_quiet_days == 5
    response = researcher_client.post(
        url("edit_reminders", survey), data | {"reminder_quiet_days": 99}
    )
    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.reminder_quiet_days == 5


def test_remind_of_one_expert_emailed_recently_says_why_nothing_went(
    researcher_client, invited, invitation
):
    action = url("invitation_action", invited, invitation.pk, "remind")
    page = researcher_client.post(action, follow=True).content.decode()
    assert "No reminder queued: 1 of the selected experts were emailed in the last 3" in page
    assert not EmailDelivery.objects.filter(kind="reminder").exists()


@pytest.mark.parametrize("action", ["send", "remind", "revoke"])
def test_bulk_confirmation_keeps_a_constant_query_count(researcher_client, survey, action):
    data = {"action": action, "scope": "filtered"}
    sent = timezone.now() - timedelta(days=5) if action == "remind" else None
    bulk_invitations(survey, 10, sector="academia", sent_at=sent)
    with CaptureQueriesContext(connection) as few:
        assert researcher_client.post(url("invitations_bulk", survey), data).status_code == 200
    bulk_invitations(survey, 2000, prefix="more", sector="", sent_at=sent)
    with CaptureQueriesContext(connection) as many:
        page = researcher_client.post(url("invitations_bulk", survey), data)
    assert '<strong class="count">2010</strong>' in page.content.decode()
    assert len(many) == len(few)


def test_scheduled_send_run_by_two_beats_at_once_queues_once(
    transactional_db, postgres, survey, researcher, invitation, other_invitation
):
    scheduled = schedule(survey, researcher)
    due = timezone.now() + timedelta(hours=2)
    queued = at_once(lambda: mass.scheduled_sends_due_run(now=due))
    assert sorted(queued) == [0, 2]
    assert EmailDelivery.objects.filter(kind="invitation").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert ScheduledSend.objects.get(pk=scheduled.pk).queued == 2
