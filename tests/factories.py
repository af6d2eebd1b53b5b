"""Helpers that build data through the real services, as production does, so that every test
exercises the same paths (the kept counts among them)."""

import contextlib
import itertools
from collections import Counter

from django.db.models import Count
from django.test import override_settings
from django.urls import reverse

from responses.fieldwork.services import deliveries
from responses.fieldwork.services.experts import invitation_create
from responses.models import Answer, AnswerCount, EmailDelivery, GroupSize, Response
from responses.respondent import services as respondent
from responses.results import group_keys
from statements.models import Statement
from tests.fieldwork import backends

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
    """One expert's response through the expert's own services: consent, answers, background
    and (unless `submitted=False`) submission. `answers` maps the paper number to a code
    (None = cleared). The survey must be open."""
    index = next(_counter)
    invitation, _ = invitation_create(
        survey=survey,
        email=f"respondent{index}@example.org",
        name=f"Respondent {index}",
        sector=sector,
    )
    response = respondent.response_start(invitation=invitation)
    by_number = dict(Statement.objects.values_list("number", "pk"))
    respondent.answers_save(
        response=response,
        answers=[
            respondent.AnswerInput(by_number[number], value, "")
            for number, value in answers.items()
        ],
    )
    respondent.response_background_save(
        response=response, sectors=list(stated), gender=gender, open_answer=open_answer
    )
    if submitted:
        respondent.response_submit(response=response)
    return response


# Statement 49 of ../shared/SURVEY.md: SD 2, sD 4, N 6, sA 13, SA 8, DK 4 (n = 37).
STATEMENT_49 = [-2] * 2 + [-1] * 4 + [0] * 6 + [1] * 13 + [2] * 8 + [-88] * 4


def research_url(name, survey, *args):
    return reverse(f"research:{name}", args=[survey.slug, *args])


def worker_killed_while_sending(*, kind: str = "invitation") -> EmailDelivery:
    """Give the pending emails of `kind` to a batch whose worker is SIGKILLed just after the
    mail server took the first one: that one is left 'sending', the rest pending."""
    pending = EmailDelivery.objects.filter(kind=kind, status=EmailDelivery.Status.PENDING)
    ids = list(pending.values_list("pk", flat=True))
    backend = "tests.fieldwork.backends.DyingBackend"
    with override_settings(EMAIL_BACKEND=backend), contextlib.suppress(backends.WorkerKilled):
        deliveries.deliveries_send(delivery_ids=ids)
    return EmailDelivery.objects.get(pk=min(ids))


def counted(survey) -> tuple[dict, dict]:
    """The answers and respondents counted directly: a GROUP BY over the answers, and the
    Python twin of the key rule over the submitted responses."""
    cells = (
        Answer.objects.filter(survey=survey, group_key__isnull=False, value__isnull=False)
        .values_list("group_key", "statement_id", "value")
        .annotate(n=Count("id"))
    )
    submitted = Response.objects.filter(
        invitation__survey=survey, submitted_at__isnull=False
    ).select_related("invitation__expert")
    sizes = Counter(
        group_keys.group_key(
            assigned=r.invitation.expert.sector, sectors=r.sectors, gender=r.gender
        )
        for r in submitted
    )
    return {(k, s, v): n for k, s, v, n in cells}, dict(sizes)


def kept(survey) -> tuple[dict, dict]:
    """The kept counts, without their empty cells."""
    cells = AnswerCount.objects.filter(survey=survey).exclude(n=0)
    sizes = GroupSize.objects.filter(survey=survey).exclude(n=0)
    return (
        {(c.group_key, c.statement_id, c.value): c.n for c in cells},
        {s.group_key: s.n for s in sizes},
    )
