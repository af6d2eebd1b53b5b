"""Sending invitations and reminders so that the same (invitation, kind, round) never goes
out twice.

Sending is two steps. A request creates EmailDelivery rows (the unique constraint makes a
repeated request a no-op) and enqueues one task per batch after commit. The task claims each
row with a conditional update PENDING -> SENDING right before it sends; only the claimer
sends. A row its worker died with stays SENDING until the sweep marks it UNKNOWN; only a
researcher's resend puts it back to PENDING.
"""

import smtplib
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ...audit import audit_event, audit_log
from ...models import AuditEvent, EmailDelivery, Invitation, Survey
from ...respondent.selectors import survey_is_open
from .emails import ERROR_NOT_OPEN, EmailError, email_render

Kind = EmailDelivery.Kind
Status = EmailDelivery.Status
TRANSIENT_SMTP_CODES = range(400, 500)
ERROR_OUTCOME_UNKNOWN = (
    "Outcome unknown: the worker stopped while sending, so the email may or may not have gone "
    "out. It is not resent by itself; resend it if the expert did not get it."
)
ERROR_NOT_UNKNOWN = "Only an email whose outcome is unknown can be resent."


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


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    from ..tasks import deliveries_send_task

    def send_all():
        for start in range(0, len(delivery_ids), SEND_BATCH):
            deliveries_send_task.delay(delivery_ids=delivery_ids[start : start + SEND_BATCH])

    if delivery_ids:
        transaction.on_commit(send_all)


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


@transaction.atomic
def invitations_send(*, survey: Survey, invitations, actor=None) -> int:
    """Invite the given experts not yet invited. Returns how many emails were queued."""
    if not survey_is_open(survey=survey):
        raise EmailError(ERROR_NOT_OPEN)
    ids = list(
        invitations.filter(ACTIVE, survey=survey, sent_at__isnull=True).values_list("pk", flat=True)
    )
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


def deliveries_send(*, delivery_ids: list[int], connection=None) -> BatchOutcome:
    """Send a batch over one connection. Each email is claimed on its own by a conditional
    update right before it goes out, so a repeated or concurrent batch never sends twice; the
    bookkeeping of the sent ones is written together at the end (one transaction, not three
    writes per email). A worker killed mid-batch leaves its sent emails 'sending', and the
    sweep marks them 'unknown': never resent by themselves, which is the side to err on."""
    outcome = BatchOutcome()
    sent = []
    deliveries = EmailDelivery.objects.select_related(
        "invitation__survey", "invitation__expert"
    ).filter(pk__in=delivery_ids, status=EmailDelivery.Status.PENDING)
    for delivery in deliveries.order_by("pk"):
        claimed = EmailDelivery.objects.filter(
            pk=delivery.pk, status=EmailDelivery.Status.PENDING
        ).update(
            status=EmailDelivery.Status.SENDING,
            attempts=F("attempts") + 1,
            claimed_at=timezone.now(),
        )
        if not claimed:
            continue
        reason = _still_wanted(delivery.invitation)
        if reason:
            _delivery_close(delivery, EmailDelivery.Status.FAILED, f"Not sent: {reason}.")
            continue
        try:
            _message(delivery, connection).send()
        except (smtplib.SMTPException, OSError) as error:
            if _is_transient(error):
                EmailDelivery.objects.filter(pk=delivery.pk).update(
                    status=EmailDelivery.Status.PENDING, error=str(error)[:1000]
                )
                outcome.transient[delivery.pk] = str(error)
            else:
                delivery_fail(delivery_id=delivery.pk, reason=str(error))
                outcome.failed += 1
            continue
        sent.append(delivery)
    _deliveries_sent(sent)
    outcome.sent = len(sent)
    return outcome


def _message(delivery: EmailDelivery, connection) -> EmailMultiAlternatives:
    rendered = email_render(invitation=delivery.invitation, kind=delivery.kind)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[rendered.to],
        connection=connection,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def _delivery_close(delivery: EmailDelivery, status: str, error: str = "") -> None:
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=status, error=error, sent_at=timezone.now() if status == "sent" else None
    )


@transaction.atomic
def _deliveries_sent(deliveries: list[EmailDelivery]) -> None:
    if not deliveries:
        return
    now = timezone.now()
    EmailDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=EmailDelivery.Status.SENT, error="", sent_at=now
    )
    invited = [d.invitation_id for d in deliveries if d.kind == Kind.INVITATION]
    Invitation.objects.filter(pk__in=invited, sent_at__isnull=True).update(sent_at=now)
    reminded = {}
    for delivery in deliveries:
        if delivery.kind == Kind.REMINDER:
            reminded.setdefault(delivery.round, []).append(delivery.invitation_id)
    for number, ids in reminded.items():
        Invitation.objects.filter(pk__in=ids, reminders_sent__lt=number).update(
            reminders_sent=number, last_reminded_at=now
        )
    AuditEvent.objects.bulk_create(
        audit_event(
            action="expert.invited" if d.kind == Kind.INVITATION else "expert.reminded",
            invitation=d.invitation,
            actor_label="system",
            data={} if d.kind == Kind.INVITATION else {"round": d.round},
        )
        for d in deliveries
    )


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
