"""Mass actions on the invitations table: who each one would affect, shown before anything
happens, and sends scheduled for later, which beat makes once, when they are due.

A scheduled send is claimed by a conditional update (pending -> done) in the transaction
that creates its deliveries: a beat that fires twice, or two workers at once, make it once.
At its time it goes to those of its invitations that can still be written to then (the
same rules as a send by hand: not yet invited, or for a reminder not emailed recently)."""

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ...audit import audit_log
from ...broker import BrokerUnavailable
from ...models import EmailDelivery, ScheduledSend, Survey
from .deliveries import invitations_send, invitations_sendable
from .emails import ERROR_NOTHING_SELECTED, EmailError
from .reminders import invitations_remindable, invitations_reminder_due, reminders_send

Kind = EmailDelivery.Kind
SAMPLE_SIZE = 10
PREVIEWED_ACTIONS = ("send", "remind", "revoke")
SCHEDULED_ACTIONS = {"send": Kind.INVITATION, "remind": Kind.REMINDER}
MAX_AHEAD = timedelta(days=366)

ERROR_SEND_AT_MISSING = "Choose the date and time to send at."
ERROR_SEND_AT_PAST = "Choose a time in the future for the scheduled send."
ERROR_SEND_AT_FAR = "A send can be scheduled at most a year ahead."
ERROR_SEND_AT_CLOSED = "The survey closes before that time: choose an earlier one."
ERROR_SEND_AT_KIND = "Only invitations and reminders can be scheduled."
ERROR_NOT_PENDING = "This scheduled send has already gone out or was cancelled."
REASON_NOT_OPEN = "the survey was not open at the scheduled time"


@dataclass(frozen=True)
class MassPreview:
    action: str
    selected: int  # the experts chosen
    affected: int  # those the action would change or write to now
    quiet: int  # reminders only: skipped, emailed in the survey's quiet days
    sample: list  # some of the affected invitations, their experts loaded


def _affected(survey: Survey, action: str, invitations, now):
    if action == "send":
        return invitations_sendable(survey=survey, invitations=invitations)
    if action == "remind":
        return invitations_remindable(survey=survey, invitations=invitations, now=now)
    return invitations.filter(survey=survey, revoked_at__isnull=True)


def mass_preview(*, survey: Survey, action: str, invitations, now=None) -> MassPreview:
    """How many of `invitations` the action would affect, and a sample of them."""
    now = now or timezone.now()
    affected = _affected(survey, action, invitations, now)
    quiet = 0
    if action == "remind":
        due = invitations_reminder_due(survey=survey, invitations=invitations).count()
        quiet = due - affected.count()
    sample = affected.select_related("expert").order_by("expert__name", "pk")[:SAMPLE_SIZE]
    return MassPreview(
        action=action,
        selected=invitations.count(),
        affected=affected.count(),
        quiet=quiet,
        sample=list(sample),
    )


def _send_at_check(survey: Survey, send_at, now) -> None:
    if send_at <= now:
        raise EmailError(ERROR_SEND_AT_PAST)
    if send_at > now + MAX_AHEAD:
        raise EmailError(ERROR_SEND_AT_FAR)
    if survey.closes_at is not None and send_at >= survey.closes_at:
        raise EmailError(ERROR_SEND_AT_CLOSED)


@transaction.atomic
def scheduled_send_create(
    *, survey: Survey, action: str, invitations, send_at, actor, now=None
) -> ScheduledSend:
    """Schedule `action` ("send" or "remind") to the chosen experts at `send_at`."""
    if action not in SCHEDULED_ACTIONS:
        raise EmailError(ERROR_SEND_AT_KIND)
    _send_at_check(survey, send_at, now or timezone.now())
    ids = sorted(invitations.filter(survey=survey).values_list("pk", flat=True))
    if not ids:
        raise EmailError(ERROR_NOTHING_SELECTED)
    scheduled = ScheduledSend.objects.create(
        survey=survey,
        kind=SCHEDULED_ACTIONS[action],
        send_at=send_at,
        invitation_ids=ids,
        created_by=actor,
    )
    data = {"kind": scheduled.kind, "send_at": send_at.isoformat(), "count": len(ids)}
    audit_log(action="scheduled_send.created", survey=survey, actor=actor, data=data)
    return scheduled


@transaction.atomic
def scheduled_send_cancel(*, survey: Survey, scheduled_id: int, actor) -> None:
    cancelled = ScheduledSend.objects.filter(
        pk=scheduled_id, survey=survey, status=ScheduledSend.Status.PENDING
    ).update(status=ScheduledSend.Status.CANCELLED, done_at=timezone.now())
    if not cancelled:
        raise EmailError(ERROR_NOT_PENDING)
    audit_log(
        action="scheduled_send.cancelled", survey=survey, actor=actor, data={"id": scheduled_id}
    )


@transaction.atomic
def scheduled_send_run(*, scheduled_id: int, now=None) -> int:
    """Make one due send, if no one has: returns how many emails it queued."""
    now = now or timezone.now()
    claimed = ScheduledSend.objects.filter(
        pk=scheduled_id, status=ScheduledSend.Status.PENDING, send_at__lte=now
    ).update(status=ScheduledSend.Status.DONE, done_at=now)
    if not claimed:
        return 0
    scheduled = ScheduledSend.objects.select_related("survey", "created_by").get(pk=scheduled_id)
    survey = scheduled.survey
    invitations = survey.invitations.filter(pk__in=scheduled.invitation_ids)
    send = invitations_send if scheduled.kind == Kind.INVITATION else reminders_send
    try:
        queued = send(survey=survey, invitations=invitations, actor=scheduled.created_by)
    except EmailError:
        ScheduledSend.objects.filter(pk=scheduled_id).update(status=ScheduledSend.Status.CANCELLED)
        data = {"id": scheduled_id, "reason": REASON_NOT_OPEN}
        audit_log(action="scheduled_send.skipped", survey=survey, data=data)
        return 0
    ScheduledSend.objects.filter(pk=scheduled_id).update(queued=queued)
    data = {"id": scheduled_id, "kind": scheduled.kind, "count": queued}
    audit_log(action="scheduled_send.done", survey=survey, data=data)
    return queued


def scheduled_sends_due_run(*, now=None) -> int:
    """The beat's job: make every scheduled send that is due, each in its own transaction.
    Returns how many emails they queued."""
    now = now or timezone.now()
    due = ScheduledSend.objects.filter(status=ScheduledSend.Status.PENDING, send_at__lte=now)
    queued = 0
    for scheduled_id in due.order_by("send_at", "pk").values_list("pk", flat=True):
        # The deliveries are saved: if the broker cannot take them, the sweep queues them.
        with contextlib.suppress(BrokerUnavailable):
            queued += scheduled_send_run(scheduled_id=scheduled_id, now=now)
    return queued
