"""Reads. Each returns plain values or querysets with their joins chosen here."""

import math
from datetime import datetime

from django.utils import timezone

from statements.models import Statement

from .models import Answer, Invitation, Response, Survey
from .services import links


def invitation_by_secret(*, secret: str) -> Invitation | None:
    """The live invitation a link opens, or None for unknown, malformed and revoked links."""
    if not links.is_well_formed(secret):
        return None
    invitation = (
        Invitation.objects.select_related("survey", "expert")
        .filter(link_hash=links.link_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if invitation is None or not links.link_matches(nonce=invitation.link_nonce, secret=secret):
        return None
    return invitation


def invitation_for_session(*, invitation_id) -> Invitation | None:
    if not isinstance(invitation_id, int):
        return None
    # Every expert request runs this, autosaves included: no Expert join (the pages never
    # show it) and no ORDER BY (the pk is unique), which halves the ORM's work here.
    rows = (
        Invitation.objects.select_related("survey", "response")
        .filter(pk=invitation_id, revoked_at__isnull=True)
        .order_by()[:1]
    )
    return next(iter(rows), None)


def survey_closed_on(*, survey: Survey, now: datetime | None = None) -> datetime | None:
    """When the survey closed, or None while it has not."""
    now = now or timezone.now()
    if survey.status == Survey.Status.CLOSED:
        return survey.closed_at or survey.closes_at or now
    if survey.closes_at is not None and survey.closes_at <= now:
        return survey.closes_at
    return None


def survey_is_open(*, survey: Survey, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        survey.status == Survey.Status.OPEN
        and (survey.opens_at is None or survey.opens_at <= now)
        and survey_closed_on(survey=survey, now=now) is None
    )


def response_or_none(invitation: Invitation) -> Response | None:
    try:
        return invitation.response
    except Response.DoesNotExist:
        return None


def page_count(*, response: Response, per_page: int) -> int:
    return max(1, math.ceil(len(response.statement_order) / per_page))


def page_statement_ids(*, response: Response, per_page: int, number: int) -> list[int]:
    start = (number - 1) * per_page
    return response.statement_order[start : start + per_page]


def page_of_statement(*, response: Response, per_page: int, statement_id: int) -> int:
    return response.statement_order.index(statement_id) // per_page + 1


def statements_in_order(*, ids: list[int]) -> list[Statement]:
    by_id = Statement.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def answers_by_statement(*, response: Response, statement_ids=None) -> dict[int, Answer]:
    queryset = Answer.objects.filter(response=response)
    if statement_ids is not None:
        queryset = queryset.filter(statement_id__in=statement_ids)
    return {answer.statement_id: answer for answer in queryset}


def answered_count(*, response: Response) -> int:
    return Answer.objects.filter(response=response, value__isnull=False).count()


def unanswered_statements(*, response: Response, per_page: int) -> list[dict]:
    answered = set(
        Answer.objects.filter(response=response, value__isnull=False).values_list(
            "statement_id", flat=True
        )
    )
    missing = [pk for pk in response.statement_order if pk not in answered]
    return [
        {
            "statement": statement,
            "page": page_of_statement(
                response=response, per_page=per_page, statement_id=statement.pk
            ),
        }
        for statement in statements_in_order(ids=missing)
    ]
