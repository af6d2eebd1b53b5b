"""Respondent benchmark (issue 2): 50 simulated experts against gunicorn and PostgreSQL.

Run it with `make bench` or `.venv/bin/python bench/respondent.py --help`. It creates (and
afterwards drops) its own database, serves the app with gunicorn (2 sync workers, DEBUG off)
on a free loopback port, and drives it with threads speaking HTTP/1.1 through http.client.
Each expert has its own cookie session: it opens its personal link, follows the redirect,
loads a questionnaire page, then alternately saves one answer (POST /survey/answer/ with the
CSRF token, as questionnaire.js does) and loads a page. The same load runs, interleaved in
the same server, against bench/_bareapp.py: one upsert, one rendered page.

Two phases. "Saturation": no think time, so the server is the bottleneck and throughput is
its capacity; the autosave target compares these throughputs. "Paced": each expert waits a
random pause (exponential, mean --think seconds) between actions, so latencies measure the
work rather than the queue of 50 clients waiting for 2 workers; the page p95 target reads
this phase. See bench/README.md.
"""

import argparse
import gzip
import http.client
import os
import random
import re
import secrets
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from _serve import django_setup, machine, percentile, publish, served

SECTION = "## Respondent (issue 2)"
SECRET_KEY = "bench-only-" + secrets.token_hex(32)
MAX_THINK = 5.0
TARGET_RATIO = 0.7
TARGET_PAGE_P95_MS = 100.0

TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
STATEMENT_RE = re.compile(rb'data-statement="(\d+)"')
PAGE_TOTAL_RE = re.compile(rb"page \d+ of (\d+)")
ASSET_RE = re.compile(rb'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per target and phase")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause, paced phase")
    parser.add_argument("--max-requests", type=int, default=5000, help="per expert and round")
    parser.add_argument("--database", default="bench_respondent")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    return parser.parse_args()


# --- the survey ------------------------------------------------------------------------


def seed(env: dict, experts: int) -> tuple[list[str], list[tuple[int, int]]]:
    """Migrate, then one open survey with `experts` started responses. Returns their link
    paths and (response id, survey id) pairs."""
    django_setup(env)
    from django.db import connections

    from responses.fieldwork.services.experts import invitation_create
    from responses.fieldwork.services.lifecycle import survey_create
    from responses.links import link_secret
    from responses.respondent.services import response_start

    survey = survey_create(slug="bench", title="Benchmark survey")
    links, responses = [], []
    for n in range(experts):
        invitation, _ = invitation_create(
            survey=survey, email=f"expert{n}@bench.example.org", name=f"Expert {n}"
        )
        responses.append((response_start(invitation=invitation).pk, survey.pk))
        links.append(f"/s/{link_secret(invitation.link_nonce)}/")
    connections.close_all()
    return links, responses


# --- the simulated expert ----------------------------------------------------------------


class Client:
    """One browser: a keep-alive connection (gunicorn's sync workers close it) and cookies."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        elapsed = time.perf_counter() - started
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        return response.status, response.headers, data, elapsed


class Expert:
    """Alternates one autosave and one page load; `bare` does the same on the baseline."""

    def __init__(self, port: int, link: str, ids: tuple[int, int], bare: bool):
        self.client = Client(port)
        self.link, self.bare = link, bare
        self.response_id, self.survey_id = ids
        self.token, self.statements, self.page_total = "", [], 1
        self.last_kind = "page"

    def start(self) -> None:
        if self.bare:
            self._read_page(self.client.request("GET", "/bench/bare/page/"))
            return
        status, headers, _, _ = self.client.request("GET", self.link)
        location = urlsplit(headers.get("Location", "")).path
        if status != 302 or not location:
            raise RuntimeError(f"personal link answered {status}")
        if self.client.request("GET", location)[0] != 200:
            raise RuntimeError("the landing page did not load")
        self._read_page(self.client.request("GET", "/survey/page/1/"))

    def _read_page(self, result) -> bool:
        status, _, data, _ = result
        if status != 200:
            return False
        self.token = TOKEN_RE.search(data).group(1).decode()
        self.statements = [int(pk) for pk in STATEMENT_RE.findall(data)]
        self.page_total = int(PAGE_TOTAL_RE.search(data).group(1))
        return True

    def next_kind(self, mix: str) -> str:
        """`mix` is "answer", "page", or "both" (alternating, as a reading expert does)."""
        if mix == "both":
            return "answer" if self.last_kind == "page" else "page"
        return mix

    def step(self, kind: str) -> tuple[bool, float]:
        self.last_kind = kind
        if kind == "page":
            path = "/bench/bare/page/"
            if not self.bare:
                path = f"/survey/page/{random.randint(1, self.page_total)}/"
            result = self.client.request("GET", path)
            return self._read_page(result), result[3]
        form = {
            "csrfmiddlewaretoken": self.token,
            "statement": random.choice(self.statements),
            "value": random.choice([2, 1, 0, -1, -2, -88]),
            "comment": "",
        }
        path = "/survey/answer/"
        if self.bare:
            form["response"], form["survey"] = self.response_id, self.survey_id
            path = "/bench/bare/answer/"
        headers = {"X-CSRFToken": self.token, "Accept": "application/json"}
        status, _, data, elapsed = self.client.request("POST", path, form, headers)
        return status == 200 and b'"saved": true' in data, elapsed


# --- load phases ---------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.latencies: dict[str, list[float]] = {"answer": [], "page": []}
        self.errors: Counter = Counter()
        self.seconds = 0.0
        self.lock = threading.Lock()

    def add(self, latencies: dict, errors: Counter) -> None:
        with self.lock:
            for kind, values in latencies.items():
                self.latencies[kind].extend(values)
            self.errors.update(errors)


def run_round(experts: list[Expert], tally: Tally, mix: str, think: float, args) -> None:
    seconds = args.seconds
    barrier = threading.Barrier(len(experts) + 1)
    deadline = [0.0]

    def work(expert: Expert) -> None:
        latencies, errors = {"answer": [], "page": []}, Counter()
        barrier.wait()
        for _ in range(args.max_requests):
            if time.monotonic() >= deadline[0]:
                break
            kind = expert.next_kind(mix)
            try:
                ok, elapsed = expert.step(kind)
            except (OSError, http.client.HTTPException, AttributeError):
                ok, elapsed = False, 0.0
            if ok:
                latencies[kind].append(elapsed)
            else:
                errors[kind] += 1
            if think:
                pause = min(random.expovariate(1 / think), MAX_THINK)
                time.sleep(max(0.0, min(pause, deadline[0] - time.monotonic())))
        tally.add(latencies, errors)

    threads = [threading.Thread(target=work, args=(e,), daemon=True) for e in experts]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    started = time.monotonic()
    barrier.wait()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    tally.seconds += time.monotonic() - started


def run_phase(app, bare, args, mix: str, think: float) -> dict[str, Tally]:
    """Rounds alternate between app and baseline so that a noisy neighbour hits both."""
    tallies = {"app": Tally(), "bare": Tally()}
    for _ in range(args.rounds):
        for name, experts in (("app", app), ("bare", bare)):
            run_round(experts, tallies[name], mix, think, args)
    return tallies


# --- figures -----------------------------------------------------------------------------


def figures(tally: Tally, kind: str) -> dict:
    values = tally.latencies[kind]
    return {
        "rps": len(values) / tally.seconds if tally.seconds else 0.0,
        "p50": percentile(values, 50) * 1000,
        "p95": percentile(values, 95) * 1000,
        "p99": percentile(values, 99) * 1000,
        "n": len(values),
        "errors": tally.errors[kind],
    }


def table(title: str, tallies: dict) -> tuple[list[str], dict]:
    """`tallies` maps (target, kind) to the Tally holding that row's requests."""
    rows = {
        ("app", "answer"): "app autosave POST /survey/answer/",
        ("app", "page"): "app page GET /survey/page/N/",
        ("bare", "answer"): "bare upsert POST /bench/bare/answer/",
        ("bare", "page"): "bare page GET /bench/bare/page/",
    }
    lines = [f"{title}", "", "| | req/s | p50 ms | p95 ms | p99 ms | requests | errors |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    data = {}
    for (target, kind), label in rows.items():
        f = data[target, kind] = figures(tallies[target, kind], kind)
        lines.append(
            f"| {label} | {f['rps']:.1f} | {f['p50']:.1f} | {f['p95']:.1f} | {f['p99']:.1f}"
            f" | {f['n']} | {f['errors']} |"
        )
    return lines, data


def page_weight(port: int, link: str) -> list[str]:
    """HTML of a questionnaire page plus the CSS and JS it loads, raw and gzip -6."""
    client = Client(port)
    client.request("GET", link)
    _, _, html, _ = client.request("GET", "/survey/page/1/")
    parts = {"HTML": [html], "CSS": [], "JS": []}
    for asset in ASSET_RE.findall(html):
        path = asset.decode()
        status, _, body, _ = Client(port).request("GET", path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        parts["CSS" if path.endswith(".css") else "JS"].append(body)
    cells, raw_total, gz_total = [], 0, 0
    for name, bodies in parts.items():
        raw = sum(len(b) for b in bodies)
        gz = sum(len(gzip.compress(b, 6)) for b in bodies)
        raw_total, gz_total = raw_total + raw, gz_total + gz
        cells.append(f"{name} {raw / 1024:.1f} KB ({gz / 1024:.1f} KB gzip)")
    total = f"total {raw_total / 1024:.1f} KB, {gz_total / 1024:.1f} KB gzip"
    return [f"Questionnaire page weight (page 1, 10 statements): {', '.join(cells)}; {total}."]


def report(args, pg_version, saturated, paced, weight) -> list[str]:
    rounds = f"{args.rounds}×{args.seconds:g} s per row, app and bare rounds interleaved"
    sat_lines, sat = table(
        f"Saturation: {args.experts} experts, no think time, autosaves only then pages "
        f"only; {rounds}.",
        {(t, k): saturated[k][t] for t in ("app", "bare") for k in ("answer", "page")},
    )
    paced_lines, pace = table(
        f"Paced: {args.experts} experts alternating autosave and page, exponential pauses "
        f"of mean {args.think:g} s; {rounds}.",
        {(t, k): paced[t] for t in ("app", "bare") for k in ("answer", "page")},
    )
    bare_rps = sat["bare", "answer"]["rps"]
    ratio = sat["app", "answer"]["rps"] / bare_rps if bare_rps else 0.0
    page_p95 = pace["app", "page"]["p95"]
    errors = sum(f["errors"] for f in [*sat.values(), *pace.values()])
    verdict = [
        f"- Autosave throughput / bare upsert throughput (saturation): **{ratio:.2f}** "
        f"(target ≥ {TARGET_RATIO}): {'met' if ratio >= TARGET_RATIO else 'MISSED'}",
        f"- Questionnaire page p95 (paced): **{page_p95:.1f} ms** "
        f"(target < {TARGET_PAGE_P95_MS:g} ms): "
        f"{'met' if page_p95 < TARGET_PAGE_P95_MS else 'MISSED'}",
        f"- Failed requests: {errors}",
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    server = machine(pg_version, "2 sync workers")
    head = [f"Run {when} on {server}; load average at the end {load}.", ""]
    return [*head, *verdict, "", *sat_lines, "", *paced_lines, "", *weight]


def main() -> int:
    args = parse_args()
    with served(args.database, SECRET_KEY, args.keep_db) as bench:
        print(f"Seeding {args.database}: migrate, 1 survey, {args.experts} experts ...")
        links, response_ids = seed(bench.env, args.experts)
        bench.start()
        port = bench.port
        pairs = list(zip(links, response_ids, strict=True))
        app = [Expert(port, link, rid, False) for link, rid in pairs]
        bare = [Expert(port, link, rid, True) for link, rid in pairs]
        for expert in app + bare:
            expert.start()
        print("Saturation phase ...")
        saturated = {
            kind: run_phase(app, bare, args, mix=kind, think=0.0) for kind in ("answer", "page")
        }
        print("Paced phase ...")
        paced = run_phase(app, bare, args, mix="both", think=args.think)
        lines = report(args, bench.pg_version, saturated, paced, page_weight(port, links[0]))
    publish(SECTION, lines, not args.no_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
