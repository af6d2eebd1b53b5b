from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from responses.fieldwork import tasks
from responses.fieldwork.services import deliveries, emails, reminders
from responses.links import invitation_decline_url, invitation_url
from responses.models import AuditEvent, EmailDelivery, Invitation, Survey
from responses.respondent.services import invitation_decline
from tests.factories import research_url as url

from . import backends

pytestmark = pytest.mark.django_db


def test_email_render_merges_every_field_in_text_and_html(invitation):
    survey = invitation.survey
    survey.closes_at = timezone.now() + timedelta(days=10)
    survey.researcher_name = "Dr Rita <Research>"
    survey.save()
    email = emails.email_render(invitation=invitation, kind="invitation")
    assert email.subject == "Invitation: AGI safety and governance"
    assert "Dear Alice Expert," in email.text
    assert invitation_url(invitation) in email.text
    assert invitation_decline_url(invitation) in email.text
    closes = timezone.localtime(survey.closes_at)
    assert f"{closes.day} {closes:%B %Y}" in email.text
    assert "Dr Rita <Research>" in email.text
    assert "Dr Rita &lt;Research&gt;" in email.html
    assert f'<a href="{invitation_url(invitation)}" ' in email.html


def test_email_render_escapes_expert_names_in_html(invitation):
    invitation.expert.name = "<script>x</script>"
    email = emails.email_render(invitation=invitation, kind="reminder")
    assert "<script>" not in email.html
    assert "&lt;script&gt;x&lt;/script&gt;" in email.html


def email_settings(survey) -> dict:
    return emails.survey_templates(survey) | {"researcher_name": ""}


def test_emails_save_refuses_unknown_fields_and_a_body_without_link(survey, researcher):
    fields = email_settings(survey)
    with pytest.raises(emails.EmailError, match=r"Unknown merge field \{nmae\}"):
        emails.survey_emails_save(
            survey=survey, actor=researcher, **fields | {"invitation_subject": "Hi {nmae}"}
        )
    with pytest.raises(emails.EmailError) as refused:
        emails.survey_emails_save(
            survey=survey, actor=researcher, **fields | {"reminder_body": "no link"}
        )
    assert str(refused.value) == emails.ERROR_LINK_MISSING
    survey.refresh_from_db()
    assert survey.invitation_subject == ""


def test_email_settings_view_saves_and_previews_for_a_real_expert(
    researcher_client, survey, invitation
):
    data = emails.survey_templates(survey) | {
        "invitation_subject": "Your view on {survey_title}, {name}",
        "researcher_name": "Rita R.",
    }
    response = researcher_client.post(url("emails", survey), data, follow=True)
    assert response.redirect_chain[-1][0] == url("email_preview", survey)
    page = response.content.decode()
    assert "Your view on AGI safety and governance, Alice Expert" in page
    assert invitation_url(invitation) in page
    survey.refresh_from_db()
    assert survey.researcher_name == "Rita R."


def test_email_settings_refused_form_saves_nothing_and_audits_nothing(researcher_client, survey):
    data = emails.survey_templates(survey) | {
        "invitation_subject": "A new subject for {name}",
        "researcher_name": "Rita R.",
        "reminder_body": "A reminder without its link",
    }
    response = researcher_client.post(url("emails", survey), data)
    assert response.status_code == 200
    survey.refresh_from_db()
    assert (survey.invitation_subject, survey.researcher_name) == ("", "")
    assert (
        not AuditEvent.objects.filter(survey=survey, action__startswith="survey.")
        .exclude(action="survey.created")
        .exists()
    )


def test_emails_save_audits_once_with_the_changed_fields(survey, researcher):
    fields = email_settings(survey) | {
        "reminder_subject": "Still time",
        "researcher_name": " Rita ",
    }
    emails.survey_emails_save(survey=survey, actor=researcher, **fields)
    emails.survey_emails_save(survey=survey, actor=researcher, **fields)
    event = AuditEvent.objects.get(survey=survey, action="survey.emails_changed")
    assert {"researcher_name", "reminder_subject"} <= set(event.data["changed"])
    assert "reminder_days" not in event.data["changed"]
    assert event.actor == researcher
    survey.refresh_from_db()
    assert (survey.researcher_name, survey.reminder_subject) == ("Rita", "Still time")


def test_email_settings_show_the_schedule_read_only_with_a_link_to_the_editor(
    researcher_client, survey
):
    survey.reminder_days, survey.reminder_max, survey.reminder_quiet_days = [7, 14], 2, 4
    survey.save(update_fields=["reminder_days", "reminder_max", "reminder_quiet_days"])
    page = researcher_client.get(url("emails", survey)).content.decode()
    assert "7, 14 days after the invitation" in page
    assert "<dd>2 reminders</dd>" in page
    assert "<dd>4</dd>" in page
    assert f'href="{url("edit_reminders", survey)}"' in page
    assert 'name="reminder_days"' not in page
    assert 'name="reminder_max"' not in page
    assert 'name="reminder_quiet_days"' not in page


def test_email_settings_post_leaves_the_reminder_schedule_alone(researcher_client, survey):
    survey.reminder_days, survey.reminder_max = [7], 1
    survey.save(update_fields=["reminder_days", "reminder_max"])
    data = emails.survey_templates(survey) | {
        "reminder_days": "3, 5",
        "reminder_max": 5,
        "reminder_quiet_days": 9,
    }
    researcher_client.post(url("emails", survey), data)
    survey.refresh_from_db()
    assert (survey.reminder_days, survey.reminder_max, survey.reminder_quiet_days) == ([7], 1, 3)


def test_send_emails_after_commit_in_text_and_html(send, survey, invitation, researcher):
    assert (
        send(
            deliveries.invitations_send,
            survey=survey,
            invitations=Invitation.objects.all(),
            actor=researcher,
        )
        == 1
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.alternatives[0].mimetype == "text/html"
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert EmailDelivery.objects.get().status == EmailDelivery.Status.SENT
    assert AuditEvent.objects.filter(invitation=invitation, action="expert.invited").count() == 1


def test_send_is_not_enqueued_before_commit(django_capture_on_commit_callbacks, survey, invitation):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_send_twice_sends_one_email(send, survey, invitation):
    send(deliveries.invitations_send, survey=survey, invitations=Invitation.objects.all())
    assert (
        send(deliveries.invitations_send, survey=survey, invitations=Invitation.objects.all()) == 0
    )
    delivery = EmailDelivery.objects.get()
    tasks.delivery_send_task.delay(delivery_id=delivery.pk)
    tasks.delivery_send_task.apply(kwargs={"delivery_id": delivery.pk})
    tasks.deliveries_send_task.delay(delivery_ids=[delivery.pk, delivery.pk])
    assert len(mail.outbox) == 1


def test_send_refused_while_survey_is_draft(survey, invitation):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.DRAFT)
    survey.refresh_from_db()
    with pytest.raises(emails.EmailError) as refused:
        deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    assert str(refused.value) == emails.ERROR_NOT_OPEN
    assert EmailDelivery.objects.count() == 0


def test_send_retries_transient_errors_then_sends(send, settings, survey, invitation):
    settings.EMAIL_BACKEND = "tests.fieldwork.backends.FlakyBackend"
    backends.FAILURES["transient_left"] = 2
    send(deliveries.invitations_send, survey=survey, invitations=Invitation.objects.all())
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.SENT, 3)
    assert len(mail.outbox) == 1


def test_send_gives_up_after_retries_and_marks_failed(send, settings, survey, invitation):
    settings.EMAIL_BACKEND = "tests.fieldwork.backends.FlakyBackend"
    backends.FAILURES["transient_left"] = 100
    send(deliveries.invitations_send, survey=survey, invitations=Invitation.objects.all())
    backends.FAILURES["transient_left"] = 0
    invitation.refresh_from_db()
    assert invitation.failed_at is not None
    assert invitation.failure_reason.startswith("Gave up retrying")
    # The batch's attempt, then delivery_send's first try and its retries.
    assert EmailDelivery.objects.get().attempts == 1 + tasks.MAX_RETRIES + 1
    assert mail.outbox == []


def test_send_permanent_refusal_marks_invitation_failed_visibly(
    send, settings, researcher_client, survey, invitation
):
    settings.EMAIL_BACKEND = "tests.fieldwork.backends.RefusingBackend"
    send(deliveries.invitations_send, survey=survey, invitations=Invitation.objects.all())
    invitation.refresh_from_db()
    assert "No such user" in invitation.failure_reason
    assert EmailDelivery.objects.get().attempts == 1
    page = researcher_client.get(url("invitations", survey)).content.decode()
    assert "Failed / bounced" in page
    assert "No such user" in page


def invite(send, survey):
    """Invite everyone. The reminder tests here remind at once: no quiet days."""
    survey.reminder_quiet_days = 0
    survey.save(update_fields=["reminder_quiet_days"])
    send(deliveries.invitations_send, survey=survey, invitations=Invitation.objects.all())
    mail.outbox.clear()


def test_remind_by_hand_only_writes_to_those_still_expected(
    send, survey, invitation, other_invitation
):
    invite(send, survey)
    invitation_decline(invitation=other_invitation, reason="")
    count = send(reminders.reminders_send, survey=survey, invitations=Invitation.objects.all())
    assert count == 1
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert mail.outbox[0].subject == "Reminder: AGI safety and governance"
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 1


def test_scheduled_reminders_send_each_due_round_once(send, survey, invitation):
    survey.reminder_days, survey.reminder_max = [7, 14], 2
    survey.save()
    invite(send, survey)
    sent = timezone.now()
    Invitation.objects.update(sent_at=sent - timedelta(days=8))
    assert send(reminders.reminders_due_send) == 1
    assert send(reminders.reminders_due_send) == 0
    assert len(mail.outbox) == 1
    assert send(reminders.reminders_due_send, now=sent + timedelta(days=7)) == 1
    assert send(reminders.reminders_due_send, now=sent + timedelta(days=30)) == 0
    assert [d.round for d in EmailDelivery.objects.filter(kind="reminder").order_by("round")] == [
        1,
        2,
    ]
    assert len(mail.outbox) == 2


def test_scheduled_reminders_respect_the_maximum(send, survey, invitation):
    survey.reminder_days, survey.reminder_max = [1, 2, 3], 1
    survey.save()
    invite(send, survey)
    later = timezone.now() + timedelta(days=10)
    send(reminders.reminders_due_send, now=later)
    send(reminders.reminders_due_send, now=later)
    assert len(mail.outbox) == 1


def test_scheduled_reminders_stop_at_submission_and_close(
    send, survey, invitation, other_invitation
):
    survey.reminder_days = [1]
    survey.save()
    invite(send, survey)
    Invitation.objects.filter(pk=invitation.pk).update(submitted_at=timezone.now())
    assert send(reminders.reminders_due_send, now=timezone.now() + timedelta(days=2)) == 1
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    Invitation.objects.update(reminders_sent=0)
    EmailDelivery.objects.filter(kind="reminder").delete()
    assert send(reminders.reminders_due_send, now=timezone.now() + timedelta(days=2)) == 0


def test_queued_reminder_is_not_sent_after_the_expert_declines(
    django_capture_on_commit_callbacks, send, survey, invitation
):
    invite(send, survey)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders.reminders_send(survey=survey, invitations=Invitation.objects.all())
    invitation_decline(invitation=invitation, reason="busy")
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    assert EmailDelivery.objects.get(kind="reminder").error == "Not sent: the expert declined."


def test_beat_schedule_runs_the_fieldwork_tasks(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"fieldwork.reminders_due", "fieldwork.surveys_close_due"} <= tasks_scheduled
    from surveysite.celery import app

    assert {"fieldwork.reminders_due", "fieldwork.surveys_close_due"} <= set(app.tasks)
