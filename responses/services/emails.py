"""Invitation and reminder emails: templates with merge fields, and sending that never
sends the same (invitation, kind, round) twice.

Sending is two steps. A request creates EmailDelivery rows (the unique constraint makes a
repeated request a no-op) and enqueues one task per row after commit. The task claims its row
with a conditional update PENDING -> SENDING; only the claimer sends.
"""

import re
import smtplib
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import escape

from ..models import AuditEvent, EmailDelivery, Invitation, Survey
from ..selectors import survey_is_open
from .audit import audit_event, audit_log
from .links import invitation_decline_url, invitation_url

Kind = EmailDelivery.Kind

DEFAULT_INVITATION_SUBJECT = "Invitation: {survey_title}"
DEFAULT_INVITATION_BODY = """Dear {name},

We are surveying experts on best practices in AGI safety and governance, and we would value
your view. The questionnaire asks how much you agree with 50 statements and takes about
20 minutes. Every question is optional and your answers are saved as you go.

Your personal link (please do not forward it):
{link}

The survey closes on {closing_date}.

If you prefer not to take part, tell us here and we will not write again:
{decline_link}

With thanks,
{researcher_name}"""
DEFAULT_REMINDER_SUBJECT = "Reminder: {survey_title}"
DEFAULT_REMINDER_BODY = """Dear {name},

A short reminder of our survey on best practices in AGI safety and governance. If you have
already started, your answers are saved and you can continue where you stopped.

Your personal link:
{link}

The survey closes on {closing_date}.

If you prefer not to take part: {decline_link}

With thanks,
{researcher_name}"""

MERGE_FIELDS = {
    "name": "the expert's name",
    "link": "the expert's personal link",
    "decline_link": "the link to decline",
    "closing_date": "the survey's closing date",
    "researcher_name": "your name as the sender",
    "survey_title": "the survey's title",
}
_FIELD = re.compile(r"\{([A-Za-z_]+)\}")
_LINK_FIELDS = {"link", "decline_link"}

ERROR_UNKNOWN_FIELD = "Unknown merge field {{{field}}}. Use: {choices}."
ERROR_LINK_MISSING = "The body must contain {link}, the expert's personal link."
ERROR_NOT_OPEN = "Open the survey before sending invitations or reminders."
ERROR_NOTHING_SELECTED = "Select at least one expert."

NO_CLOSING_DATE = "(no closing date set)"
TRANSIENT_SMTP_CODES = range(400, 500)


class EmailError(Exception):
    pass


class TransientEmailError(Exception):
    """Worth retrying: the server or the network may recover."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    to: str


def template_check(text: str, *, needs_link: bool = False) -> None:
    for name in _FIELD.findall(text):
        if name not in MERGE_FIELDS:
            choices = ", ".join("{" + field + "}" for field in MERGE_FIELDS)
            raise EmailError(ERROR_UNKNOWN_FIELD.format(field=name, choices=choices))
    if needs_link and "{link}" not in text:
        raise EmailError(ERROR_LINK_MISSING)


def survey_templates(survey: Survey) -> dict[str, str]:
    """The survey's own templates, or the defaults where a field is empty."""
    return {
        "invitation_subject": survey.invitation_subject or DEFAULT_INVITATION_SUBJECT,
        "invitation_body": survey.invitation_body or DEFAULT_INVITATION_BODY,
        "reminder_subject": survey.reminder_subject or DEFAULT_REMINDER_SUBJECT,
        "reminder_body": survey.reminder_body or DEFAULT_REMINDER_BODY,
    }


def merge_values(invitation: Invitation) -> dict[str, str]:
    survey = invitation.survey
    closes = timezone.localtime(survey.closes_at) if survey.closes_at else None
    return {
        "name": invitation.expert.name,
        "link": invitation_url(invitation),
        "decline_link": invitation_decline_url(invitation),
        "closing_date": f"{closes.day} {closes:%B %Y}" if closes else NO_CLOSING_DATE,
        "researcher_name": survey.researcher_name or "The survey team",
        "survey_title": survey.title,
    }


def _merge_text(template: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _merge_html_line(line: str, values: dict[str, str]) -> str:
    parts, last = [], 0
    for match in _FIELD.finditer(line):
        parts.append(escape(line[last : match.start()]))
        name = match.group(1)
        value = values.get(name, match.group(0))
        if name in _LINK_FIELDS:
            parts.append(f'<a href="{escape(value)}">{escape(value)}</a>')
        else:
            parts.append(escape(value))
        last = match.end()
    parts.append(escape(line[last:]))
    return "".join(parts)


def _merge_html(template: str, values: dict[str, str]) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", template.replace("\r\n", "\n")) if p.strip()]
    body = "".join(
        "<p>" + "<br>\n".join(_merge_html_line(line, values) for line in p.split("\n")) + "</p>\n"
        for p in paragraphs
    )
    return f'<!doctype html>\n<html lang="en"><body>\n{body}</body></html>\n'


def email_render(*, invitation: Invitation, kind: str) -> RenderedEmail:
    templates = survey_templates(invitation.survey)
    values = merge_values(invitation)
    subject = _merge_text(templates[f"{kind}_subject"], values).replace("\n", " ")
    body = templates[f"{kind}_body"]
    return RenderedEmail(
        subject=subject,
        text=_merge_text(body, values),
        html=_merge_html(body, values),
        to=invitation.expert.email,
    )


@transaction.atomic
def survey_templates_save(*, survey: Survey, actor, **fields) -> Survey:
    for name in ("invitation_subject", "reminder_subject"):
        template_check(fields[name])
    for name in ("invitation_body", "reminder_body"):
        template_check(fields[name], needs_link=True)
    changed = [name for name, value in fields.items() if getattr(survey, name) != value]
    for name in changed:
        setattr(survey, name, fields[name])
    if changed:
        survey.save(update_fields=changed)
        audit_log(action="survey.emails_changed", survey=survey, actor=actor, data=changed)
    return survey


# Who may still be written to.
ACTIVE = Q(
    revoked_at__isnull=True,
    submitted_at__isnull=True,
    declined_at__isnull=True,
    failed_at__isnull=True,
)


SEND_BATCH = 50


def _enqueue(delivery_ids: list[int]) -> None:
    from ..tasks.fieldwork import deliveries_send

    def send_all():
        for start in range(0, len(delivery_ids), SEND_BATCH):
            deliveries_send.delay(delivery_ids=delivery_ids[start : start + SEND_BATCH])

    if delivery_ids:
        transaction.on_commit(send_all)


def _deliveries_create(kind: str, pairs: list[tuple[int, int]]) -> list[int]:
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
    queued = _deliveries_create(Kind.INVITATION, [(pk, 0) for pk in ids])
    if queued:
        audit_log(
            action="invitations.send", survey=survey, actor=actor, data={"count": len(queued)}
        )
    _enqueue(queued)
    return len(queued)


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
    queued = _deliveries_create(Kind.REMINDER, [(pk, sent + 1) for pk, sent in pairs])
    if queued:
        audit_log(action="reminders.send", survey=survey, actor=actor, data={"count": len(queued)})
    _enqueue(queued)
    return len(queued)


def _due_rounds(survey: Survey, now) -> list[tuple[int, int]]:
    days = [int(day) for day in survey.reminder_days][: survey.reminder_max]
    candidates = survey.invitations.filter(
        ACTIVE, sent_at__isnull=False, reminders_sent__lt=len(days)
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
        new = _deliveries_create(Kind.REMINDER, _due_rounds(survey, now))
        if new:
            audit_log(action="reminders.scheduled", survey=survey, data={"count": len(new)})
        queued += new
    _enqueue(queued)
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
    writes per email). A worker killed mid-batch leaves its sent emails 'sending': never
    resent, which is the side to err on."""
    outcome = BatchOutcome()
    sent = []
    deliveries = EmailDelivery.objects.select_related(
        "invitation__survey", "invitation__expert"
    ).filter(pk__in=delivery_ids, status=EmailDelivery.Status.PENDING)
    for delivery in deliveries.order_by("pk"):
        claimed = EmailDelivery.objects.filter(
            pk=delivery.pk, status=EmailDelivery.Status.PENDING
        ).update(status=EmailDelivery.Status.SENDING, attempts=F("attempts") + 1)
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
