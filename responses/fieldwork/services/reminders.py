"""Reminders: by hand to the experts chosen, and on the survey's schedule (days after the
invitation, up to a maximum), which beat runs. Each round goes at most once."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ...audit import audit_log
from ...models import Survey
from ...respondent.selectors import survey_is_open
from .deliveries import ACTIVE, Kind, deliveries_create, deliveries_enqueue
from .emails import ERROR_NOT_OPEN, EmailError


@transaction.atomic
def reminders_send(*, survey: Survey, invitations, actor=None) -> int:
    """Remind the given experts who were invited and have not answered, declined, failed or
    been revoked. The round is their next one, so a double click queues nothing more."""
    if not survey_is_open(survey=survey):
        raise EmailError(ERROR_NOT_OPEN)
    pairs = list(
        invitations.filter(ACTIVE, survey=survey, sent_at__isnull=False).values_list(
            "pk", "reminders_sent"
        )
    )
    queued = deliveries_create(Kind.REMINDER, [(pk, sent + 1) for pk, sent in pairs])
    if queued:
        audit_log(action="reminders.send", survey=survey, actor=actor, data={"count": len(queued)})
    deliveries_enqueue(queued)
    return len(queued)


def _due_rounds(survey: Survey, now) -> list[tuple[int, int]]:
    days = [int(day) for day in survey.reminder_days][: survey.reminder_max]
    # A researcher's test invitation gets no scheduled reminder.
    candidates = survey.invitations.filter(
        ACTIVE, is_test=False, sent_at__isnull=False, reminders_sent__lt=len(days)
    ).values_list("pk", "sent_at", "reminders_sent")
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
