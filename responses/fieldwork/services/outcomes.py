"""PostgreSQL's shortcut for writing down each email's outcome as it happens: one statement
writes that the email just sent went out (its delivery, its invitation, the audit log) and
claims the next, so the batch costs one round trip and one commit per email, as claiming
alone did. Sending is bound by round trips, not by the work (bench/fieldwork.py). Other
databases take the ORM's path in deliveries.py, which writes the same rows in one
transaction; the tests run both."""

import json

from django.db import connection

from ...models import AuditEvent, EmailDelivery, Invitation

Status = EmailDelivery.Status
DELIVERIES, INVITATIONS, EVENTS = (
    model._meta.db_table for model in (EmailDelivery, Invitation, AuditEvent)
)
# Only table names are formatted into the SQL; every value is a parameter.
INVITED = (
    f"UPDATE {INVITATIONS} SET sent_at = %(now)s "  # noqa: S608
    "WHERE id IN (SELECT invitation_id FROM sent) AND sent_at IS NULL"
)
REMINDED = (
    f"UPDATE {INVITATIONS} SET reminders_sent = %(round)s, last_reminded_at = %(now)s "  # noqa: S608
    "WHERE id IN (SELECT invitation_id FROM sent) AND reminders_sent < %(round)s"
)
SENT_THEN_CLAIM = f"""
WITH sent AS (
    UPDATE {DELIVERIES} SET status = %(sent_status)s, error = '', sent_at = %(now)s
    WHERE id = %(sent)s RETURNING invitation_id
), marked AS ({{invitation}}), logged AS (
    INSERT INTO {EVENTS} (survey_id, invitation_id, actor_id, actor_label, action, data, created_at)
    SELECT %(survey)s, invitation_id, NULL, 'system', %(action)s, %(data)s::jsonb, %(now)s
    FROM sent
), claimed AS (
    UPDATE {DELIVERIES} SET status = %(sending)s, attempts = attempts + 1, claimed_at = %(now)s
    WHERE id = %(next)s AND status = %(pending)s RETURNING id
)
SELECT count(*) FROM claimed
"""  # noqa: S608


def sent_then_claim(*, sent: EmailDelivery, event: tuple[str, dict], delivery, now) -> bool:
    """Write down that `sent` went out (`event`: its audit action and data), then claim
    `delivery`; whether the claim was ours."""
    action, data = event
    invitation = INVITED if sent.kind == EmailDelivery.Kind.INVITATION else REMINDED
    params = {
        "now": now,
        "sent": sent.pk,
        "round": sent.round,
        "survey": sent.invitation.survey_id,
        "action": action,
        "data": json.dumps(data),
        "next": delivery.pk,
        "sent_status": Status.SENT,
        "sending": Status.SENDING,
        "pending": Status.PENDING,
    }
    with connection.cursor() as cursor:
        cursor.execute(SENT_THEN_CLAIM.replace("{invitation}", invitation), params)
        return cursor.fetchone()[0] == 1
