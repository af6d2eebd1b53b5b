"""Reads about the respondents' progress: partial responses and where they stopped, one
respondent's timeline, test invitations, scheduled sends."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from django.db.models import OuterRef, Q, Subquery

from ...models import Answer, Invitation, ScheduledSend
from ...models import Response as SurveyResponse


@dataclass
class Progress:
    """Where the panel stands: responses started and not submitted ("partial"), the page
    each of them last saved an answer on, and how long submitted ones took."""

    partial: int
    dropoff: list[dict]  # {"page": n or 0 (consented, nothing saved), "count": k}
    median_minutes: float | None
    completed: int


def progress(survey, *, include_tests: bool = False) -> Progress:
    """Two queries, however large the panel: the partial responses with the statement each
    last saved, and the submitted responses' consent and submission times."""
    tests = Q() if include_tests else Q(invitation__is_test=False)
    last_saved = (
        Answer.objects.filter(response=OuterRef("pk"))
        .order_by("-updated_at", "-pk")
        .values("statement_id")[:1]
    )
    partial = (
        SurveyResponse.objects.filter(
            tests,
            invitation__survey=survey,
            submitted_at__isnull=True,
            withdrawn_at__isnull=True,
        )
        .annotate(last_statement=Subquery(last_saved))
        .values_list("statement_order", "last_statement")
    )
    pages = Counter()
    for order, statement in partial:
        position = order.index(statement) if statement in (order or []) else None
        pages[0 if position is None else position // survey.statements_per_page + 1] += 1
    durations = sorted(
        (submitted - consented).total_seconds() / 60
        for consented, submitted in SurveyResponse.objects.filter(
            tests,
            invitation__survey=survey,
            submitted_at__isnull=False,
            withdrawn_at__isnull=True,
        ).values_list("consented_at", "submitted_at")
    )
    return Progress(
        partial=sum(pages.values()),
        dropoff=[{"page": page, "count": pages[page]} for page in sorted(pages)],
        median_minutes=median(durations) if durations else None,
        completed=len(durations),
    )


@dataclass(frozen=True)
class Moment:
    label: str
    at: datetime


def respondent_timeline(invitation, response) -> list[Moment]:
    """Invited, emailed, started, last saved, submitted or declined (and withdrawn), in time
    order; a step not reached is left out."""
    last_saved = None
    if response is not None:
        answers = Answer.objects.filter(response=response).order_by("-updated_at")
        last_saved = answers.values_list("updated_at", flat=True).first()
    started = invitation.started_at or (response.consented_at if response else None)
    steps = [
        ("Invited", invitation.created_at),
        ("Emailed", invitation.sent_at),
        ("Started", started),
        ("Last saved", last_saved),
        ("Submitted", invitation.submitted_at),
        ("Declined", invitation.declined_at),
        ("Withdrawn", response.withdrawn_at if response else None),
    ]
    return sorted((Moment(label, at) for label, at in steps if at), key=lambda m: m.at)


def test_invitation_count(survey) -> int:
    return Invitation.objects.filter(survey=survey, is_test=True).count()


def scheduled_sends(survey, *, recent: int = 10) -> list:
    """The survey's sends still to come, then the last few made or cancelled."""
    rows = ScheduledSend.objects.filter(survey=survey).select_related("created_by")
    pending = list(rows.filter(status=ScheduledSend.Status.PENDING).order_by("send_at", "pk"))
    past = rows.exclude(status=ScheduledSend.Status.PENDING).order_by("-send_at", "-pk")
    return pending + list(past[:recent])
