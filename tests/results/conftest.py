"""Submitted responses made directly, many at a time, for the results tests."""

import itertools

import pytest
from django.utils import timezone

from responses.models import Answer, Response
from responses.services.grouping import answers_group
from responses.services.surveys import invitation_create
from statements.models import Statement

_counter = itertools.count()


def respond(
    survey,
    *,
    answers: dict[int, int | None],
    sector="",
    stated=(),
    gender="",
    submitted=True,
    open_answer="",
):
    """One expert's response; `answers` maps the paper number to a code (None = cleared)."""
    index = next(_counter)
    invitation, _ = invitation_create(
        survey=survey, email=f"expert{index}@example.org", name=f"Expert {index}", sector=sector
    )
    now = timezone.now()
    by_number = dict(Statement.objects.values_list("number", "pk"))
    response = Response.objects.create(
        invitation=invitation,
        consented_at=now,
        statement_order=list(by_number.values()),
        sectors=list(stated),
        gender=gender,
        open_answer=open_answer,
        submitted_at=now if submitted else None,
    )
    Answer.objects.bulk_create(
        Answer(
            response=response,
            survey=survey,
            statement_id=by_number[number],
            value=value,
            updated_at=now,
        )
        for number, value in answers.items()
    )
    answers_group(response_ids=[response.pk])
    return response


# Statement 49 of ../shared/SURVEY.md: SD 2, sD 4, N 6, sA 13, SA 8, DK 4 (n = 37).
STATEMENT_49 = [-2] * 2 + [-1] * 4 + [0] * 6 + [1] * 13 + [2] * 8 + [-88] * 4


@pytest.fixture
def statement_49_survey(survey):
    """37 submitted answers to statement 49, two blanks and one unsubmitted response."""
    for value in STATEMENT_49:
        respond(survey, answers={49: value})
    respond(survey, answers={49: None})
    respond(survey, answers={})
    respond(survey, answers={49: 2}, submitted=False)
    return survey
