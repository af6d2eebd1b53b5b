"""Helpers that build data through the real services, as production does, so that every test
exercises the same paths (the kept counts among them)."""

import contextlib
import itertools
import os
import socket

import pytest
from django.test import override_settings
from django.urls import reverse

from responses.fieldwork.services import deliveries
from responses.fieldwork.services.experts import invitation_create
from responses.models import EmailDelivery
from responses.respondent import services as respondent
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


def worker_killed_while_sending(*, kind: str = "invitation", after: int = 0) -> EmailDelivery:
    """Give the pending emails of `kind` to a batch whose worker is SIGKILLed just after the
    mail server took the one after the first `after`: that one is left 'sending', the
    ones after it pending. Returns it."""
    pending = EmailDelivery.objects.filter(kind=kind, status=EmailDelivery.Status.PENDING)
    ids = sorted(pending.values_list("pk", flat=True))
    backend = "tests.fieldwork.backends.DyingBackend"
    backends.SURVIVES["messages_left"] = after
    with override_settings(EMAIL_BACKEND=backend), contextlib.suppress(backends.WorkerKilled):
        deliveries.deliveries_send(delivery_ids=ids)
    return EmailDelivery.objects.get(pk=ids[after])


def require(condition: bool, reason: str) -> None:
    """Skip the test (and say why) when a service it needs is missing; CI sets
    REQUIRE_SERVICES=1 so that a missing service fails the run instead."""
    if condition:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def free_port() -> int:
    """A loopback port nothing listens on (the kernel's choice, released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def celery_publishing_to(url: str):
    """The Celery app publishing to the broker at `url` instead of running tasks eagerly.
    The app keeps the pools of the broker it used first (kombu's, shared by broker URL, so
    never closed here): it forgets them both ways, and picks those of the URL it has."""
    from surveysite.celery import app

    def forget_connections():
        app._pool = None
        app.amqp._producer_pool = None

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    forget_connections()
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield app
    finally:
        forget_connections()
        app.conf.broker_url, app.conf.task_always_eager = saved
