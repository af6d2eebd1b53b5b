"""Sending invitations and reminders so that the same (invitation, kind, round) never goes
out twice, and never silently not at all.

Sending is two steps. A request creates EmailDelivery rows (the unique constraint makes a
repeated request a no-op), commits them, then publishes one task per batch
(responses/broker.py). The task claims each row with a conditional update PENDING ->
SENDING right before it sends; only the claimer sends, and it records the outcome of each
email as soon as it has one. A row whose task was lost (the broker was down, or the worker
died before it took the row) stays PENDING, and the beat's sweep queues it again
(`deliveries_requeue`). A row its worker died with stays SENDING until the sweep marks it
UNKNOWN; only a researcher's resend puts it back to PENDING.
"""

import smtplib
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from ...audit import audit_event, audit_log
from ...broker import publish_after_commit
from ...models import AuditEvent, EmailDelivery, Invitation, Survey
from ...respondent.selectors import survey_is_open
from . import outcomes
from .emails import ERROR_NOT_OPEN, EmailError, email_message, email_render

Kind = EmailDelivery.Kind
Status = EmailDelivery.Status
TRANSIENT_SMTP_CODES = range(400, 500)
ERROR_OUTCOME_UNKNOWN = (
    "Outcome unknown: the worker stopped while sending, so the email may or may not have gone "
    "out. It is not resent by itself; resend it if the expert did not get it."
)
ERROR_NOT_UNKNOWN = "Only an email whose outcome is unknown can be resent."
ERROR_UNBUILDABLE = (
    "Not sent: the email could not be built ({error}). Correct the expert's details or the "
    "survey's email templates."
)
# What building a message raises for bad data: BadHeaderError (a ValueError) for a line
# break in a header, such as a name with a carriage return in the subject.
BUILD_ERRORS = (ValueError, LookupError, EmailError)


class TransientEmailError(Exception):
    """Worth retrying: the server or the network may recover."""


# Who may still be written to.
ACTIVE = Q(
    revoked_at__isnull=True,
    submitted_at__isnull=True,
    declined_at__isnull=True,
    failed_at__isnull=True,
)


SEND_BATCH = 50
MAX_RETRIES = 6  # after the batch's attempt and the first retry: 8 attempts in all
# A pending row whose task should have run this long ago is queued again by the sweep.
REQUEUE_AFTER = timedelta(minutes=1)


def retry_countdown(retries: int) -> int:
    """Exponential backoff: base, 2 x base, 4 x base, ... seconds."""
    return getattr(settings, "FIELDWORK_EMAIL_RETRY_BASE", 30) * 2**retries


def deliveries_enqueue(delivery_ids: list[int], *, expires: int | None = None) -> None:
    """Publish the batches after commit; raises BrokerUnavailable (after the commit) when
    the broker cannot take them. `expires`: seconds after which a task not yet started is
    dropped (the sweep's, which queues them again each time)."""
    from ..tasks import deliveries_send_task

    def send_all():
        for start in range(0, len(delivery_ids), SEND_BATCH):
            batch = delivery_ids[start : start + SEND_BATCH]
            deliveries_send_task.apply_async(kwargs={"delivery_ids": batch}, expires=expires)

    if delivery_ids:
        publish_after_commit(send_all, ids=delivery_ids)


def deliveries_create(kind: str, pairs: list[tuple[int, int]]) -> list[int]:
    """Create the (invitation, round) deliveries not yet there; return the new ids."""
    if not pairs:
        return []
    before = set(
        EmailDelivery.objects.filter(
            invitation_id__in=[pk for pk, _ in pairs], kind=kind
        ).values_list("invitation_id", "round")
    )
    new = [
        EmailDelivery(invitation_id=pk, kind=kind, round=number)
        for pk, number in pairs
        if (pk, number) not in before
    ]
    EmailDelivery.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    wanted = {(pk, number) for pk, number in pairs} - before
    rows = EmailDelivery.objects.filter(
        invitation_id__in=[pk for pk, _ in wanted], kind=kind, status=EmailDelivery.Status.PENDING
    ).values_list("pk", "invitation_id", "round")
    return [pk for pk, invitation_id, number in rows if (invitation_id, number) in wanted]


def invitations_sendable(*, survey: Survey, invitations):
    """Those of `invitations` an invitation would go to: not yet invited, still active."""
    return invitations.filter(ACTIVE, survey=survey, sent_at__isnull=True)


@transaction.atomic
def invitations_send(*, survey: Survey, invitations, actor=None) -> int:
    """Invite the given experts not yet invited. Returns how many emails were queued."""
    if not survey_is_open(survey=survey):
        raise EmailError(ERROR_NOT_OPEN)
    sendable = invitations_sendable(survey=survey, invitations=invitations)
    ids = list(sendable.values_list("pk", flat=True))
    queued = deliveries_create(Kind.INVITATION, [(pk, 0) for pk in ids])
    if queued:
        audit_log(
            action="invitations.send", survey=survey, actor=actor, data={"count": len(queued)}
        )
    deliveries_enqueue(queued)
    return len(queued)


def _still_wanted(invitation: Invitation) -> str:
    """Why this email should no longer go out, or '' when it should."""
    if not survey_is_open(survey=invitation.survey):
        return "the survey is not open"
    for name, reason in (
        ("revoked_at", "the link was revoked"),
        ("submitted_at", "the expert has submitted"),
        ("declined_at", "the expert declined"),
        ("failed_at", "earlier email failed"),
    ):
        if getattr(invitation, name) is not None:
            return reason
    return ""


def _is_transient(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return all(code in TRANSIENT_SMTP_CODES for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code in TRANSIENT_SMTP_CODES
    return isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError | socket.timeout)


def delivery_send(*, delivery_id: int, connection=None) -> str:
    """Send one email. Returns 'sent', 'skipped' or 'failed'; raises TransientEmailError
    after releasing the claim, so that a retry can take it."""
    outcome = deliveries_send(delivery_ids=[delivery_id], connection=connection)
    if outcome.transient:
        raise TransientEmailError(outcome.transient[delivery_id])
    return "sent" if outcome.sent else ("failed" if outcome.failed else "skipped")


@dataclass
class BatchOutcome:
    sent: int = 0
    failed: int = 0
    transient: dict = field(default_factory=dict)  # delivery id -> error, claim released


def _claim(delivery: EmailDelivery, *, after_sent: EmailDelivery | None) -> bool:
    """Claim `delivery`, after writing down that `after_sent`, the email sent just before,
    went out: one commit per email, not two (on PostgreSQL one statement: outcomes.py)."""
    if after_sent is not None and db_connection.vendor == "postgresql":
        return outcomes.sent_then_claim(
            sent=after_sent, event=_sent_event(after_sent), delivery=delivery, now=timezone.now()
        )
    with transaction.atomic():
        if after_sent is not None:
            _sent_write(after_sent)
        return bool(
            EmailDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
                status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
            )
        )


def deliveries_send(*, delivery_ids: list[int], connection=None) -> BatchOutcome:
    """Send a batch over one connection. Each email is claimed on its own by a conditional
    update right before it goes out, so a repeated or concurrent batch never sends twice,
    and its outcome is written right after it, in the transaction that claims the next: a
    worker killed mid-batch leaves at most the email it was sending 'sending', which the
    sweep marks 'unknown' (never resent by itself, the side to err on), and the rest
    'pending', which the sweep queues again. An email that cannot be built fails alone."""
    outcome = BatchOutcome()
    deliveries = EmailDelivery.objects.select_related(
        "invitation__survey", "invitation__expert"
    ).filter(pk__in=delivery_ids, status=Status.PENDING)
    sent = None  # handed to the mail server, not yet written down
    for delivery in deliveries.order_by("pk"):
        claimed, sent = _claim(delivery, after_sent=sent), None
        if not claimed:
            continue
        reason = _still_wanted(delivery.invitation)
        if reason:
            _delivery_close(delivery, Status.FAILED, f"Not sent: {reason}.")
            continue
        try:
            _message(delivery, connection).send()
        except BUILD_ERRORS as error:
            delivery_fail(delivery_id=delivery.pk, reason=ERROR_UNBUILDABLE.format(error=error))
            outcome.failed += 1
            continue
        except (smtplib.SMTPException, OSError) as error:
            if _is_transient(error):
                EmailDelivery.objects.filter(pk=delivery.pk).update(
                    status=Status.PENDING, error=str(error)[:1000]
                )
                outcome.transient[delivery.pk] = str(error)
            else:
                delivery_fail(delivery_id=delivery.pk, reason=str(error))
                outcome.failed += 1
            continue
        sent = delivery
        outcome.sent += 1
    if sent is not None:
        delivery_sent(delivery=sent)
    return outcome


def _message(delivery: EmailDelivery, connection) -> EmailMultiAlternatives:
    rendered = email_render(invitation=delivery.invitation, kind=delivery.kind)
    return email_message(rendered=rendered, connection=connection)


def _delivery_close(delivery: EmailDelivery, status: str, error: str = "") -> None:
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=status, error=error, sent_at=timezone.now() if status == "sent" else None
    )


@transaction.atomic
def delivery_sent(*, delivery: EmailDelivery) -> None:
    """The mail server took it: the delivery, its invitation and the audit log say so."""
    _sent_write(delivery)


def _sent_write(delivery: EmailDelivery) -> None:
    now = timezone.now()
    EmailDelivery.objects.filter(pk=delivery.pk).update(status=Status.SENT, error="", sent_at=now)
    invitations = Invitation.objects.filter(pk=delivery.invitation_id)
    if delivery.kind == Kind.INVITATION:
        invitations.filter(sent_at__isnull=True).update(sent_at=now)
    else:
        invitations.filter(reminders_sent__lt=delivery.round).update(
            reminders_sent=delivery.round, last_reminded_at=now
        )
    action, data = _sent_event(delivery)
    audit_log(action=action, invitation=delivery.invitation, actor_label="system", data=data)


def _sent_event(delivery: EmailDelivery) -> tuple[str, dict]:
    if delivery.kind == Kind.INVITATION:
        return "expert.invited", {}
    return "expert.reminded", {"round": delivery.round}


@transaction.atomic
def delivery_fail(*, delivery_id: int, reason: str) -> None:
    """A permanent failure (or retries exhausted): the invitation is marked failed, visibly."""
    reason = reason[:1000] or "The mail server refused the message."
    delivery = EmailDelivery.objects.select_related("invitation__survey").get(pk=delivery_id)
    EmailDelivery.objects.filter(pk=delivery_id).update(
        status=EmailDelivery.Status.FAILED, error=reason
    )
    Invitation.objects.filter(pk=delivery.invitation_id, failed_at__isnull=True).update(
        failed_at=timezone.now(), failure_reason=reason
    )
    audit_log(
        action="expert.email_failed",
        invitation=delivery.invitation,
        actor_label="system",
        data={"kind": delivery.kind, "round": delivery.round, "reason": reason},
    )


@transaction.atomic
def deliveries_sweep(*, now=None) -> int:
    """The beat's job: deliveries still 'sending' longer than the timeout after their claim
    lost their worker. Mark them 'unknown' (the email may have gone out), audit each, and
    return how many. Nothing is resent."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.FIELDWORK_SENDING_TIMEOUT_MINUTES)
    # Rows claimed before claim times were kept have none: their creation is older still.
    stale = Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True, created_at__lt=cutoff)
    # Locked until commit: a second sweep waits here, then finds them no longer 'sending'.
    swept = list(
        EmailDelivery.objects.select_for_update(of=("self",))
        .select_related("invitation__survey")
        .filter(stale, status=Status.SENDING)
    )
    marked = EmailDelivery.objects.filter(
        pk__in=[d.pk for d in swept], status=Status.SENDING
    ).update(status=Status.UNKNOWN, error=ERROR_OUTCOME_UNKNOWN)
    AuditEvent.objects.bulk_create(
        audit_event(
            action="expert.email_unknown",
            invitation=d.invitation,
            actor_label="system",
            data={"kind": d.kind, "round": d.round},
        )
        for d in swept
    )
    return marked


def _requeue_due(now) -> Q:
    """Pending rows whose task should have run at least REQUEUE_AFTER ago: a new row after
    its creation; one released after a transient error after its last claim and the retry
    delay its worker scheduled then (at most retry_countdown(attempts - 1)), so that the
    sweep never cuts a backoff short. Rows of the loop's last step and beyond are rows
    resent by hand, or past giving up: they wait the longest delay."""
    cutoff = now - REQUEUE_AFTER
    due = Q(attempts=0, last__lt=cutoff)
    last_step = MAX_RETRIES + 2
    for attempts in range(1, last_step + 1):
        delay = timedelta(seconds=retry_countdown(attempts - 1))
        match = Q(attempts=attempts) if attempts < last_step else Q(attempts__gte=attempts)
        due |= match & Q(last__lt=cutoff - delay)
    return due


def deliveries_requeue(*, now=None) -> int:
    """The beat's job, after `deliveries_sweep`: publish again every pending delivery whose
    task was lost (the broker was down when it was queued, or a worker died with it), in
    one pass; returns how many. It cannot send twice: the task still claims each row by
    its conditional update. The tasks expire after one sweep interval, so a worker back
    from a long outage finds the last sweep's batches, not one per minute of it."""
    now = now or timezone.now()
    ids = list(
        EmailDelivery.objects.annotate(last=Coalesce("claimed_at", "created_at"))
        .filter(_requeue_due(now), status=Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    deliveries_enqueue(ids, expires=settings.FIELDWORK_SWEEP_SECONDS)
    return len(ids)


@transaction.atomic
def delivery_resend(*, delivery_id: int, actor) -> None:
    """A researcher's decision to send again an email whose outcome is unknown. Back to
    'pending' by a conditional update, so that a double click resends it once."""
    delivery = EmailDelivery.objects.select_related("invitation__survey").get(pk=delivery_id)
    if not survey_is_open(survey=delivery.invitation.survey):
        raise EmailError(ERROR_NOT_OPEN)
    reopened = EmailDelivery.objects.filter(pk=delivery_id, status=Status.UNKNOWN).update(
        status=Status.PENDING, error=""
    )
    if not reopened:
        raise EmailError(ERROR_NOT_UNKNOWN)
    audit_log(
        action="invitation.email_resent",
        invitation=delivery.invitation,
        actor=actor,
        data={"kind": delivery.kind, "round": delivery.round},
    )
    deliveries_enqueue([delivery_id])
