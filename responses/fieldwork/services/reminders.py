"""Reminders: by hand to the experts chosen, and on the survey's schedule (days after the
invitation, up to a maximum), which beat runs. Each round goes at most once, and neither
way writes to anyone emailed in the survey's last `reminder_quiet_days` days."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ...audit import audit_log
from ...models import Survey
from ...respondent.selectors import survey_is_open
from .deliveries import ACTIVE, Kind, deliveries_create, deliveries_enqueue
from .emails import ERROR_NOT_OPEN, EmailError


def emailed_recently(survey: Survey, now) -> Q:
    """Invited or reminded within the survey's quiet days."""
    since = now - timedelta(days=survey.reminder_quiet_days)
    return Q(sent_at__gt=since) | Q(last_reminded_at__gt=since)


def invitations_reminder_due(*, survey: Survey, invitations):
    """Those of `invitations` who were invited and have not answered, declined, failed or
    been revoked: a reminder is theirs unless they were emailed recently."""
    return invitations.filter(ACTIVE, survey=survey, sent_at__isnull=False)


def invitations_remindable(*, survey: Survey, invitations, now=None):
    due = invitations_reminder_due(survey=survey, invitations=invitations)
    return due.exclude(emailed_recently(survey, now or timezone.now()))


@transaction.atomic
def reminders_send(*, survey: Survey, invitations, actor=None) -> int:
    """Remind the given experts who were invited and have not answered, declined, failed or
    been revoked, nor been emailed in the quiet days. The round is their next one, so a
    double click queues nothing more."""
    if not survey_is_open(survey=survey):
        raise EmailError(ERROR_NOT_OPEN)
    remindable = invitations_remindable(survey=survey, invitations=invitations)
    pairs = list(remindable.values_list("pk", "reminders_sent"))
    queued = deliveries_create(Kind.REMINDER, [(pk, sent + 1) for pk, sent in pairs])
    if queued:
        audit_log(action="reminders.send", survey=survey, actor=actor, data={"count": len(queued)})
    deliveries_enqueue(queued)
    return len(queued)


def _due_rounds(survey: Survey, now) -> list[tuple[int, int]]:
    days = [int(day) for day in survey.reminder_days][: survey.reminder_max]
    candidates = (
        # A researcher's test invitation gets no scheduled reminder.
        invitations_remindable(survey=survey, invitations=survey.invitations.all(), now=now)
        .filter(is_test=False, reminders_sent__lt=len(days))
        .values_list("pk", "sent_at", "reminders_sent")
    )
    return [
        (pk, sent + 1)
        for pk, sent_at, sent in candidates
        if sent_at + timedelta(days=days[sent]) <= now
    ]


@transaction.atomic
def reminders_due_send(*, now=None) -> int:
    """The beat's job: queue every scheduled reminder round that is due. A round already
    queued or sent is never queued again."""
    now = now or timezone.now()
    queued = []
    for survey in Survey.objects.filter(status=Survey.Status.OPEN).exclude(reminder_days=[]):
        if not survey_is_open(survey=survey, now=now):
            continue
        new = deliveries_create(Kind.REMINDER, _due_rounds(survey, now))
        if new:
            audit_log(action="reminders.scheduled", survey=survey, data={"count": len(new)})
        queued += new
    deliveries_enqueue(queued)
    return len(queued)
