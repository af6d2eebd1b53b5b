"""Reads for the researcher's fieldwork pages (the editor's and the respondents' in their own
modules, importable from here). Each page costs a fixed number of queries,
however many invitations a survey has."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from ...access import surveys_for_user
from ...choices import SECTOR_GROUPS, STATE_LABELS, STATED_SECTORS
from ...models import Answer, AuditEvent, EmailDelivery, Invitation
from ...models import Response as SurveyResponse

# The reads of their own modules, under the room's one `selectors` name.
from .editor import (
    MINUTES_AROUND,
    SECONDS_PER_STATEMENT,
    background_answered,
    editor_items,
    minutes_suggested,
    survey_has_responses,
)
from .respondents import (
    Moment,
    Progress,
    progress,
    respondent_timeline,
    scheduled_sends,
    test_invitation_count,
)

__all__ = [  # the reads of the two modules above; the rest are this module's own
    "MINUTES_AROUND",
    "SECONDS_PER_STATEMENT",
    "background_answered",
    "editor_items",
    "minutes_suggested",
    "survey_has_responses",
    "Moment",
    "Progress",
    "progress",
    "respondent_timeline",
    "scheduled_sends",
    "test_invitation_count",
]

# One state per invitation; the first that applies wins. A submission stays a submission
# even if the link is revoked later.
_STATE_ORDER = [
    ("submitted", Q(submitted_at__isnull=False)),
    ("revoked", Q(revoked_at__isnull=False)),
    ("declined", Q(declined_at__isnull=False)),
    ("failed", Q(failed_at__isnull=False)),
    ("started", Q(started_at__isnull=False)),
    ("sent", Q(sent_at__isnull=False)),
]


def _state_case():
    return Case(
        *[When(condition, then=Value(state)) for state, condition in _STATE_ORDER],
        default=Value("not_sent"),
        output_field=CharField(),
    )


SORTS = {
    "name": "expert__name",
    "email": "expert__email",
    "sector": "expert__sector",
    "affiliation": "expert__affiliation",
    "state": "state",
    "sent": "sent_at",
    "answered": "answered",
    "activity": "activity",
}


def invitations_annotated(survey):
    answered = (
        Answer.objects.filter(response__invitation=OuterRef("pk"), value__isnull=False)
        .order_by()
        .values("response__invitation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Invitation.objects.filter(survey=survey)
        .select_related("expert")
        .annotate(
            state=_state_case(),
            answered=Coalesce(Subquery(answered, output_field=IntegerField()), 0),
            activity=Coalesce(
                "submitted_at", "started_at", "last_reminded_at", "sent_at", "created_at"
            ),
            invited=ExpressionWrapper(_reached(), output_field=BooleanField()),
        )
    )


def invitations_table(
    survey, *, state: str = "", sector: str = "", delivery: str = "", q: str = "", sort=""
):
    """The invitation table's queryset: filtered (`delivery`: with an email in that status),
    searched (`q`) and sorted. The arguments are the table's URL parameters."""
    rows = invitations_annotated(survey)
    if state in STATE_LABELS:
        rows = rows.filter(state=state)
    if delivery in EmailDelivery.Status.values:
        emails = EmailDelivery.objects.filter(invitation=OuterRef("pk"), status=delivery)
        rows = rows.filter(Exists(emails))
    if sector == "none":
        rows = rows.filter(expert__sector="")
    elif sector in dict(SECTOR_GROUPS):
        rows = rows.filter(expert__sector=sector)
    query = q.strip()
    if query:
        rows = rows.filter(
            Q(expert__name__icontains=query)
            | Q(expert__email__icontains=query)
            | Q(expert__affiliation__icontains=query)
        )
    descending = sort.startswith("-")
    field = SORTS.get(sort.lstrip("-"), "expert__name")
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return rows.order_by(order, "pk")


@dataclass
class Rates:
    invited: int
    started: int
    submitted: int

    @property
    def submitted_rate(self):
        return self.submitted / self.invited if self.invited else None

    @property
    def started_rate(self):
        return self.started / self.invited if self.invited else None

    # Percentages for display, e.g. 55.4 for 51 of 92 (the paper's one decimal).
    @property
    def submitted_pct(self):
        return 100 * self.submitted_rate if self.invited else None

    @property
    def started_pct(self):
        return 100 * self.started_rate if self.invited else None


# Invited: the invitation reached the expert, by email or by a link the researcher passed on
# (a started, submitted or declined invitation was reached, sent or not). The one definition:
# the survey list, the dashboard and the invitations export all count with it.
def _reached(prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}sent_at__isnull": False})
        | Q(**{f"{prefix}started_at__isnull": False})
        | Q(**{f"{prefix}submitted_at__isnull": False})
        | Q(**{f"{prefix}declined_at__isnull": False})
    )


def _started(prefix: str = "") -> Q:
    return Q(**{f"{prefix}started_at__isnull": False}) | Q(
        **{f"{prefix}submitted_at__isnull": False}
    )


def kept(prefix: str = "", *, include_tests: bool = False) -> Q:
    """The invitations a figure counts: the fielded ones, and the researchers' test
    invitations only when the page is asked to include them (`?tests=1`)."""
    return Q() if include_tests else Q(**{f"{prefix}is_test": False})


def _rates_aggregate(prefix: str = "", *, include_tests: bool = False) -> dict:
    """`prefix`: the path from the queried model to the invitation ("invitations__" from a
    survey)."""
    real = kept(prefix, include_tests=include_tests)
    return {
        "invited": Count(f"{prefix}pk", filter=real & _reached(prefix)),
        "started": Count(f"{prefix}pk", filter=real & _started(prefix)),
        "submitted": Count(
            f"{prefix}pk", filter=real & Q(**{f"{prefix}submitted_at__isnull": False})
        ),
    }


# A researcher's test walk-through is in no rate, count or chart of the fieldwork.
_REAL = Q(invitations__is_test=False)


def fielded(survey, *, include_tests: bool = False):
    """The survey's invitations without the researchers' test invitations (unless asked)."""
    return Invitation.objects.filter(kept(include_tests=include_tests), survey=survey)


def surveys_listed(user) -> list:
    """The user's surveys, newest first, each with the dashboard's `rates` and its `total`
    of invitations (test invitations left out): one query."""
    surveys = list(
        surveys_for_user(user)
        .annotate(total=Count("invitations", filter=_REAL), **_rates_aggregate("invitations__"))
        .order_by("-created_at")
    )
    for survey in surveys:
        survey.rates = Rates(survey.invited, survey.started, survey.submitted)
    return surveys


def state_counts(survey, *, include_tests: bool = False) -> dict[str, int]:
    counts = dict.fromkeys(STATE_LABELS, 0)
    rows = (
        fielded(survey, include_tests=include_tests)
        .annotate(state=_state_case())
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["state"]] = row["n"]
    return counts


def rates_overall(survey, *, include_tests: bool = False) -> Rates:
    invitations = fielded(survey, include_tests=include_tests)
    return Rates(**invitations.aggregate(**_rates_aggregate(include_tests=include_tests)))


def rates_by_assigned_sector(survey, *, include_tests: bool = False) -> list[dict]:
    rows = {
        row["expert__sector"]: row
        for row in fielded(survey, include_tests=include_tests)
        .order_by()
        .values("expert__sector")
        .annotate(total=Count("pk"), **_rates_aggregate(include_tests=include_tests))
    }
    result = []
    for code, label in [*SECTOR_GROUPS, ("", "Not assigned")]:
        row = rows.get(code)
        if row is None:
            continue
        rates = Rates(row["invited"], row["started"], row["submitted"])
        result.append({"code": code, "label": label, "total": row["total"], "rates": rates})
    return result


def counts_by_stated_sector(survey, *, include_tests: bool = False) -> list[dict]:
    """Experts state their own sectors (several allowed) only once they answer, so there is
    no invited count per stated sector: we show started and submitted counts."""
    started, submitted = Counter(), Counter()
    rows = SurveyResponse.objects.filter(
        kept("invitation__", include_tests=include_tests), invitation__survey=survey
    ).values_list("sectors", "invitation__started_at", "submitted_at")
    for sectors, started_at, submitted_at in rows:
        for code in sectors or ["unstated"]:
            if started_at or submitted_at:
                started[code] += 1
            if submitted_at:
                submitted[code] += 1
    labels = [*STATED_SECTORS, ("unstated", "Not stated")]
    return [
        {"code": code, "label": label, "started": started[code], "submitted": submitted[code]}
        for code, label in labels
        if started[code] or submitted[code]
    ]


def timeline(survey, *, include_tests: bool = False) -> dict:
    """Submission times, and send counts per hour and kind, for the chart."""
    invitations = fielded(survey, include_tests=include_tests)
    submissions = sorted(
        invitations.filter(submitted_at__isnull=False).values_list("submitted_at", flat=True)
    )
    sends = list(
        EmailDelivery.objects.filter(
            kept("invitation__", include_tests=include_tests),
            invitation__survey=survey,
            status=EmailDelivery.Status.SENT,
        )
        .annotate(hour=TruncHour("sent_at"))
        .order_by()
        .values("hour", "kind")
        .annotate(n=Count("pk"))
        .order_by("hour", "kind")
    )
    return {"submissions": submissions, "sends": sends}


def deliveries_unknown_count(survey) -> int:
    """Emails whose worker died while sending them: they wait for a researcher's decision."""
    unknown = EmailDelivery.objects.filter(status=EmailDelivery.Status.UNKNOWN)
    return unknown.filter(invitation__survey=survey).count()


def deliveries_waiting_count(invitations, *, kind: str) -> int:
    """Emails of `kind` to these invitations queued and not yet out: a second Send while
    the worker or the broker is away finds them waiting."""
    waiting = (EmailDelivery.Status.PENDING, EmailDelivery.Status.SENDING)
    return EmailDelivery.objects.filter(
        invitation__in=invitations, kind=kind, status__in=waiting
    ).count()


def days_left(survey, now: datetime | None = None) -> int | None:
    if survey.closes_at is None:
        return None
    now = now or timezone.now()
    remaining = (timezone.localdate(survey.closes_at) - timezone.localdate(now)).days
    return max(remaining, 0)


def audit_for_survey(survey):
    return AuditEvent.objects.filter(survey=survey).select_related("invitation__expert")


def audit_for_invitation(invitation):
    return AuditEvent.objects.filter(invitation=invitation)


def deliveries_for_invitation(invitation):
    return EmailDelivery.objects.filter(invitation=invitation).order_by("created_at", "pk")


def invitation_rows(survey, *, include_tests: bool = False):
    """Rows for the exports: plain values, one query, streamed."""
    rows = invitations_annotated(survey).order_by("expert__name", "pk")
    if not include_tests:
        rows = rows.filter(is_test=False)
    for invitation in rows.iterator(chunk_size=2000):
        expert = invitation.expert
        yield [
            expert.name,
            expert.email,
            expert.sector,
            expert.affiliation,
            STATE_LABELS[invitation.state],
            "yes" if invitation.invited else "no",
            invitation.sent_at,
            invitation.started_at,
            invitation.submitted_at,
            invitation.declined_at,
            invitation.failed_at,
            invitation.failure_reason,
            invitation.reminders_sent,
            invitation.answered,
            ", ".join(f"{key}={value}" for key, value in sorted(expert.attributes.items())),
        ]


EXPORT_HEADER = [
    "name",
    "email",
    "sector",
    "affiliation",
    "state",
    "invited",
    "sent_at",
    "started_at",
    "submitted_at",
    "declined_at",
    "failed_at",
    "failure_reason",
    "reminders_sent",
    "statements_answered",
    "attributes",
]


def not_answered_count(survey) -> dict[str, int]:
    """Invited experts who have not submitted: those who started and those who did not."""
    rates = rates_overall(survey)
    return {"pending": rates.invited - rates.submitted, "started": rates.started - rates.submitted}
