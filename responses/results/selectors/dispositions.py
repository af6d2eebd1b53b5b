"""Reads for the methods report (results/methods.py computes from them): each fielded
invitation's case, the email waves, and the answer counts of early and late respondents.
Test invitations are left out of all of them."""

from collections import defaultdict

import numpy as np
import pandas as pd
from django.db.models import Count, Exists, Max, Min, OuterRef, Q

from ...choices import DONT_KNOW
from ...models import Answer, AuditEvent, EmailDelivery, Invitation, Response, Survey
from .. import methods
from ..group_keys import stated_sector

VALUE_COLUMNS = [-2, -1, 0, 1, 2, DONT_KNOW]
# Fielded: the invitation reached the expert or was tried (fieldwork/selectors.py's
# "invited", plus the invitations whose email bounced).
FIELDED = (
    Q(sent_at__isnull=False)
    | Q(started_at__isnull=False)
    | Q(submitted_at__isnull=False)
    | Q(declined_at__isnull=False)
    | Q(failed_at__isnull=False)
)


def _invitations(survey: Survey):
    return Invitation.objects.filter(survey=survey, is_test=False)


def cases(*, survey: Survey) -> list[dict]:
    """One row per fielded invitation: its assigned sector, its AAPOR case, and when it was
    submitted. One query."""
    rows = (
        _invitations(survey)
        .filter(FIELDED)
        .annotate(
            answered=Count("response__answers", filter=Q(response__answers__value__isnull=False))
        )
        .values(
            "pk",
            "expert__sector",
            "started_at",
            "declined_at",
            "failed_at",
            "revoked_at",
            "response__pk",
            "response__submitted_at",
            "response__withdrawn_at",
            "answered",
        )
        .order_by("pk")
    )
    return [
        {
            "invitation": row["pk"],
            "sector": row["expert__sector"],
            "submitted_at": row["response__submitted_at"],
            "case": methods.Case(
                submitted=row["response__submitted_at"] is not None,
                withdrawn=row["response__withdrawn_at"] is not None,
                declined=row["declined_at"] is not None,
                started=row["started_at"] is not None or row["response__pk"] is not None,
                answered=row["answered"],
                bounced=row["failed_at"] is not None,
                revoked=row["revoked_at"] is not None,
            ),
        }
        for row in rows
    ]


def sends(*, survey: Survey) -> tuple[list[dict], dict[int, list]]:
    """(per wave: the first and last send and how many emails; per invitation: the times its
    reminders went out, in order). Wave 0 is the invitation, wave r the r-th reminder."""
    sent = EmailDelivery.objects.filter(
        invitation__survey=survey, invitation__is_test=False, sent_at__isnull=False
    )
    waves = [
        {
            "wave": 0 if row["kind"] == EmailDelivery.Kind.INVITATION else row["round"],
            "first_sent": row["first"],
            "last_sent": row["last"],
            "emails": row["n"],
        }
        for row in sent.order_by()
        .values("kind", "round")
        .annotate(first=Min("sent_at"), last=Max("sent_at"), n=Count("pk"))
    ]
    reminders = defaultdict(list)
    rows = sent.filter(kind=EmailDelivery.Kind.REMINDER).order_by("invitation_id", "sent_at")
    for invitation_id, at in rows.values_list("invitation_id", "sent_at"):
        reminders[invitation_id].append(at)
    return sorted(waves, key=lambda wave: wave["wave"]), dict(reminders)


def _late_responses(survey: Survey):
    reminded_before = EmailDelivery.objects.filter(
        invitation=OuterRef("invitation"),
        kind=EmailDelivery.Kind.REMINDER,
        sent_at__lt=OuterRef("submitted_at"),
    )
    return Response.objects.filter(
        invitation__survey=survey, invitation__is_test=False, submitted_at__isnull=False
    ).annotate(late=Exists(reminded_before))


def early_late_counts(*, survey: Survey, statement_ids: list[int]):
    """(early, late): statements × six answer counts, of the respondents who submitted before
    their first reminder and of those who submitted after it; and their sizes."""
    responses = _late_responses(survey)
    sizes = {late: 0 for late in (False, True)}
    for row in responses.order_by().values("late").annotate(n=Count("pk")):
        sizes[row["late"]] = row["n"]
    position = {pk: i for i, pk in enumerate(statement_ids)}
    tables = {late: np.zeros((len(statement_ids), 6)) for late in (False, True)}
    for late in (False, True):
        counts = (
            Answer.objects.filter(
                response__in=responses.filter(late=late).values("pk"), value__isnull=False
            )
            .order_by()
            .values("statement_id", "value")
            .annotate(n=Count("pk"))
        )
        for row in counts:
            if row["statement_id"] in position and row["value"] in VALUE_COLUMNS:
                column = VALUE_COLUMNS.index(row["value"])
                tables[late][position[row["statement_id"]], column] = row["n"]
    return tables[False], tables[True], sizes[False], sizes[True]


def respondent_atoms(*, survey: Survey) -> pd.DataFrame:
    """Submitted respondents counted by (assigned sector, stated group, gender, late): the
    cells the suppression check of the early/late comparison needs."""
    rows = _late_responses(survey).values_list(
        "invitation__expert__sector", "sectors", "gender", "late"
    )
    frame = pd.DataFrame(
        [
            (assigned or "", stated_sector(sectors), gender or "", late)
            for assigned, sectors, gender, late in rows
        ],
        columns=["assigned", "stated", "gender", "late"],
    )
    return frame.groupby(["assigned", "stated", "gender", "late"]).size().rename("n").reset_index()


def opened_at(*, survey: Survey):
    """When the survey opened: the audit log's first "survey.opened", else its planned
    opening time."""
    event = AuditEvent.objects.filter(survey=survey, action="survey.opened").order_by("created_at")
    first = event.values_list("created_at", flat=True).first()
    return first or survey.opens_at
