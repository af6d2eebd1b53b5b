"""The round-2 questionnaire page with its feedback, timed beside a plain page in the same run
(bench/rounds.py, issue 12).

After bench/rounds.py has loaded both rounds: round 1 is closed; one expert who left after
round 1 is invited to round 2 (open) and has consented, with the 50 statements in order; a
few of round 1's answers are approved as reasons for the statements of page 1. A third
survey, one round only, has one expert at the same point with the same 50 statements: the
plain page. Both GET /survey/page/1/ in this process through django.test.Client with the
session cookie `session_remember` sets, one after the other in turn (who goes first
alternates), so that a noisy neighbour slows both alike.
"""

import os
import platform
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import percentile  # noqa: E402  (bench/_serve.py)

PAGE = "/survey/page/1/"
REASONS_PER_STATEMENT = 3
# What only a round-2 page shows (templates/respondent/_feedback.html).
MARKUP = ("Your answer in the previous round", "The panel's answers in the previous round")


def environment() -> None:
    """Settings the in-process client needs, set before Django starts: its host, static files
    without a collectstatic manifest, and the cache in this process (the feedback's figures
    are cached; another job's Redis is not ours)."""
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ.setdefault("CACHE_URL", "locmem://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Whitenoise looks for collectstatic's folder; the page's static files are not timed.
    warnings.filterwarnings("ignore", message="No directory at")


def _respondent(survey, *, previous=None):
    """An invitation of `survey` whose expert has consented, the 50 statements in order."""
    from django.utils import timezone

    from responses import links
    from responses.models import Expert, Invitation, Response
    from statements.models import Statement

    order = list(Statement.objects.order_by("number").values_list("pk", flat=True))
    expert = Expert.objects.create(
        survey=survey, name="Bench expert", email="page@bench.invalid", sector="academia"
    )
    if previous is None:
        fields = links.link_fields_new()
    else:
        fields = links.link_fields_round(previous.link_nonce, survey.round_number)
    invitation = Invitation.objects.create(
        survey=survey, expert=expert, previous=previous, started_at=timezone.now(), **fields
    )
    Response.objects.create(
        invitation=invitation, consented_at=timezone.now(), statement_order=order, language="en"
    )
    return Invitation.objects.select_related("survey", "response").get(pk=invitation.pk)


def pages_prepare(first, second):
    """(round-2 invitation, plain invitation, reasons shared); see the module's docstring."""
    from responses.fieldwork.services.lifecycle import survey_close, survey_create
    from responses.models import Answer, Invitation, SharedReason, Survey

    survey_close(survey=first, actor=None)
    Survey.objects.filter(pk=second.pk).update(feedback_reasons=True)
    second.refresh_from_db()
    # The loader invites 90% again: one of the others is on round 2's panel now.
    left = Invitation.objects.filter(survey=first, next_round__isnull=True).order_by("pk").first()
    expert = _respondent(second, previous=left)
    reasons = []
    for sid in expert.response.statement_order[: second.statements_per_page]:
        answers = Answer.objects.filter(survey=first, statement_id=sid, value__isnull=False)
        for answer in answers.order_by("pk")[:REASONS_PER_STATEMENT]:
            text = f"Reason {answer.pk}: the evidence points this way."
            reasons.append(SharedReason(survey=second, statement_id=sid, answer=answer, text=text))
    SharedReason.objects.bulk_create(reasons)
    plain = _respondent(survey_create(slug="bench-plain", title="Benchmark, plain survey"))
    return expert, plain, len(reasons)


def _client(invitation):
    """A client holding the expert's session cookie, signed as `session_remember` signs it."""
    from django.http import HttpResponse
    from django.test import Client

    from responses.respondent.session import SESSION_COOKIE, session_remember

    client = Client()
    cookie = session_remember(HttpResponse(), invitation).cookies[SESSION_COOKIE]
    client.cookies[SESSION_COOKIE] = cookie.value
    return client


def _get(client) -> tuple[float, str]:
    start = time.perf_counter()
    response = client.get(PAGE)
    seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"GET {PAGE}: {response.status_code}, not 200")
    return seconds, response.content.decode()


def _queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _get(client)
    return len(captured)


def pages_measure(expert, plain, *, warmup: int = 20, requests: int = 300) -> dict:
    """Seconds of each GET of page 1, `requests` each after `warmup` each, interleaved."""
    from responses.models import FeedbackShown

    clients = {"feedback": _client(expert), "plain": _client(plain)}
    _, html = _get(clients["feedback"])
    _, plain_html = _get(clients["plain"])
    missing = [text for text in MARKUP if text not in html]
    if missing or "An expert wrote" not in html or MARKUP[0] in plain_html:
        raise SystemExit(f"the round-2 page does not show its feedback: {missing}")
    shown_first = FeedbackShown.objects.filter(response=expert.response).count()
    seconds = {"feedback": [], "plain": []}
    for index in range(warmup + requests):
        turn = ("feedback", "plain") if index % 2 == 0 else ("plain", "feedback")
        for name in turn:
            elapsed, _ = _get(clients[name])
            if index >= warmup:
                seconds[name].append(elapsed)
    shown_total = FeedbackShown.objects.filter(response=expert.response).count()
    figures = {
        name: {
            "median": percentile(values, 50),
            "p95": percentile(values, 95),
            "queries": _queries(clients[name]),
        }
        for name, values in seconds.items()
    }
    return figures | {
        "requests": requests,
        "warmup": warmup,
        "shown_first": shown_first,
        "shown_later": shown_total - shown_first,
        "gets_later": warmup + requests,
        "bytes": (len(html.encode()), len(plain_html.encode())),
    }


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL {version}"
    )


def pages_report(figures: dict, *, respondents: int, reasons: int) -> list[str]:
    f, ms = figures, 1000
    with_fb, plain = f["feedback"], f["plain"]
    return [
        f"round-2 page 1 with feedback (round 1's distribution from the kept counts of "
        f"{respondents:,} respondents, the expert's previous answers, {reasons} approved "
        f"reasons): median {with_fb['median'] * ms:.1f} ms, p95 {with_fb['p95'] * ms:.1f} ms, "
        f"{with_fb['queries']} queries, {f['bytes'][0]:,} bytes",
        f"plain page 1 (a one-round survey, the same 50 statements): median "
        f"{plain['median'] * ms:.1f} ms, p95 {plain['p95'] * ms:.1f} ms, "
        f"{plain['queries']} queries, {f['bytes'][1]:,} bytes",
        f"with feedback / plain: median {with_fb['median'] / plain['median']:.2f} ×, "
        f"p95 {with_fb['p95'] / plain['p95']:.2f} ×",
        f"({f['requests']} GETs each after {f['warmup']} warm-up GETs each, interleaved; "
        "in-process django.test.Client, no HTTP server; DEBUG off; the panel's figures "
        "cached in locmem from the first GET on, as a running server keeps them)",
        f"FeedbackShown rows are written on a page GET only when what it shows changes: "
        f"{f['shown_first']} at the first GET, {f['shown_later']} over the "
        f"{f['gets_later']} GETs after it, so the timed GETs read them and write none.",
        f"Machine: {machine()}",
    ]
