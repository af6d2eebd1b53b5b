"""Load benchmark (issue 8): 200 experts at once, and a mail-out burst of 500, driven by
locust (headless, as a library) against gunicorn and PostgreSQL on loopback.

Run it with `make bench` or `.venv/bin/python bench/load.py --help`. It creates (and
afterwards drops) its own database, serves the app with gunicorn (2 workers, DEBUG off) on a
free loopback port, and runs three phases back to back, each a locust process of its own
(bench/_locustfile.py):

1. steady: 200 experts, spawned over 10 s, then 60 s all at once. Each opens their link,
   consents, and answers: 1–3 s of thought before each action, 10 autosaves per page view;
2. bare: the same load on the bare views (bench/_bareapp.py), the baseline;
3. burst: 500 new experts open their links within one minute, then answer as above.

It prints each phase's latencies and failures, the CPU that locust, gunicorn, our
PostgreSQL backends and the rest of the machine used, the ratios to the baseline and the
verdict on the targets, and writes them to the "Load (issue 8)" section of RESULTS.md.
See bench/README.md.
"""

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from _serve import ROOT, django_setup, machine, percentile, publish, served
from _watch import CpuWatch

SECTION = "## Load (issue 8)"
SECRET_KEY = "bench-only-" + secrets.token_hex(32)
LOCUSTFILE = ROOT / "bench" / "_locustfile.py"
TARGET_AUTOSAVE_P95_MS = 100.0
TARGET_PAGE_P95_MS = 250.0
WARM = 2  # experts of each kind in the warm-up, which loads what each worker loads lazily
TAIL = 10.0  # seconds the burst goes on after the last expert opened their link
FLOW = "open → first page"  # the whole opening, as bench/_locustfile.py records it
ROWS = ["link", "landing", "static", "consent", FLOW, "page", "autosave"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=int, default=200, help="steady and bare phases")
    parser.add_argument("--seconds", type=float, default=60.0, help="at full strength")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds to spawn them")
    parser.add_argument("--burst", type=int, default=500, help="experts in the mail-out")
    parser.add_argument("--burst-seconds", type=float, default=60.0)
    # gthread, and a keep-alive longer than the longest pause: see bench/README.md.
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="gthread")
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument("--keep-alive", type=int, default=10, help="gthread: idle seconds")
    parser.add_argument("--database", default="bench_load")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    return parser.parse_args()


# --- the survey ------------------------------------------------------------------------


def seed(env: dict, invited: int, started: int) -> tuple[list[str], list[list[int]]]:
    """Migrate, then one open survey with `invited` experts who have not yet opened their
    link, and `started` more who consented (the baseline's). Returns the former's link
    paths and the latter's [response id, survey id]."""
    django_setup(env)
    from django.db import connections

    from responses.fieldwork.services.experts import experts_import, experts_parse
    from responses.fieldwork.services.lifecycle import survey_create
    from responses.links import link_secret
    from responses.respondent.services import response_start

    survey = survey_create(slug="bench-load", title="Load benchmark survey")
    lines = ["name,email"] + [f"Expert {n},expert{n}@bench.example.org" for n in range(invited)]
    lines += [f"Baseline {n},baseline{n}@bench.example.org" for n in range(started)]
    parsed = experts_parse(survey=survey, data="\n".join(lines).encode(), filename="load.csv")
    experts_import(survey=survey, rows=parsed.rows)
    invitations = list(survey.invitations.order_by("pk"))
    links = [f"/s/{link_secret(i.link_nonce)}/" for i in invitations[:invited]]
    bare = [[response_start(invitation=i).pk, survey.pk] for i in invitations[invited:]]
    connections.close_all()
    return links, bare


# --- the phases ---------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    title: str
    user_classes: list[str]
    users: int
    spawn_rate: float
    seconds: float
    seats: dict
    result: dict = field(default_factory=dict)
    cpu: dict = field(default_factory=dict)


def phase_run(phase: Phase, port: int, gunicorn_pid: int, database: str) -> None:
    plan = {
        **phase.seats,
        "host": f"http://127.0.0.1:{port}",
        "user_classes": phase.user_classes,
        "users": phase.users,
        "spawn_rate": phase.spawn_rate,
        "seconds": phase.seconds,
    }
    print(f"Phase {phase.name}: {phase.title} ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        plan_path, result_path = Path(folder, "plan.json"), Path(folder, "result.json")
        plan_path.write_text(json.dumps(plan))
        with open(Path(folder, "locust.log"), "w+") as log:
            command = [sys.executable, str(LOCUSTFILE), str(plan_path), str(result_path)]
            process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
            watch = CpuWatch(process.pid, gunicorn_pid, database)
            watcher = threading.Thread(target=watch.watch, args=(process,), daemon=True)
            watcher.start()
            try:
                process.wait(timeout=phase.seconds + 120)
            finally:
                if process.poll() is None:
                    process.kill()
            watcher.join(timeout=10)
            if process.returncode != 0:
                log.seek(0)
                sys.stderr.write(log.read()[-4000:])
                raise SystemExit(f"locust exited with {process.returncode} in {phase.name}")
        phase.result = json.loads(result_path.read_text())
    phase.cpu = watch.seconds()


# --- figures -----------------------------------------------------------------------------


def figures(phase: Phase, name: str) -> dict:
    values = phase.result["latencies"].get(name, [])
    failed = sum(
        len(t) for key, t in phase.result["failures"].items() if key.startswith(name + ":")
    )
    return {
        "n": len(values),
        "failures": failed,
        "rps": len(values) / phase.result["seconds"],
        **{f"p{q}": percentile(values, q) for q in (50, 95, 99)},
        "max": max(values, default=float("nan")),
    }


def phase_lines(phase: Phase) -> list[str]:
    lines = [f"**{phase.name}**: {phase.title}.", ""]
    lines += ["| | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | failures |"]
    lines += ["|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ROWS:
        f = figures(phase, name)
        if f["n"] or f["failures"]:
            lines.append(
                f"| {name} | {f['n']} | {f['rps']:.1f} | {f['p50']:.1f} | {f['p95']:.1f} "
                f"| {f['p99']:.1f} | {f['max']:.0f} | {f['failures']} |"
            )
    cpu, wall = phase.cpu, phase.result["seconds"]
    share = cpu["machine"] / (wall * (os.cpu_count() or 1)) * 100
    lines += [
        "",
        f"CPU over {wall:.0f} s: locust {cpu['locust']:.1f} s, gunicorn {cpu['gunicorn']:.1f} s, "
        f"PostgreSQL (our backends) {cpu['postgres']:.1f} s, everything else on the machine "
        f"{cpu['others']:.1f} s; the machine was {share:.0f}% busy; PostgreSQL "
        f"checkpoints {cpu['checkpoints']}"
        + ("; locust warned that its CPU was saturated." if phase.result["cpu_warning"] else "."),
    ]
    for reason, times in sorted(phase.result["failures"].items()):
        seconds = ", ".join(f"{t:g}" for t in sorted(set(round(t) for t in times))[:12])
        lines.append(f"- failed {len(times)}×: {reason} (at {seconds} s into the phase)")
    return lines


def server_cpu_per_request(phase: Phase) -> float:
    requests = sum(len(v) for k, v in phase.result["latencies"].items() if k != FLOW)
    return (phase.cpu["gunicorn"] + phase.cpu["postgres"]) * 1000 / max(requests, 1)


def ratio_lines(steady: Phase, bare: Phase) -> list[str]:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b else "n/a"

    lines = ["App / bare baseline (steady phase against bare phase):", ""]
    for name, label in (("autosave", "autosave / bare upsert"), ("page", "page / bare page")):
        app, base = figures(steady, name), figures(bare, name)
        lines.append(
            f"- {label}: p50 {ratio(app['p50'], base['p50'])}×, "
            f"p95 {ratio(app['p95'], base['p95'])}×"
        )
    app_cpu, bare_cpu = server_cpu_per_request(steady), server_cpu_per_request(bare)
    lines.append(
        f"- server CPU (gunicorn + PostgreSQL) per request: {app_cpu:.1f} ms against "
        f"{bare_cpu:.1f} ms, {ratio(app_cpu, bare_cpu)}×"
    )
    return lines


def verdict_lines(steady: Phase, phases: list[Phase]) -> list[str]:
    failures = sum(len(t) for p in phases for t in p.result["failures"].values())
    autosave, page = figures(steady, "autosave")["p95"], figures(steady, "page")["p95"]

    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    return [
        f"- Failed requests, all phases: **{failures}** (target 0): {met(failures == 0)}",
        f"- Autosave p95 (steady): **{autosave:.1f} ms** (target < "
        f"{TARGET_AUTOSAVE_P95_MS:g} ms): {met(autosave < TARGET_AUTOSAVE_P95_MS)}",
        f"- Page p95 (steady): **{page:.1f} ms** (target < {TARGET_PAGE_P95_MS:g} ms): "
        f"{met(page < TARGET_PAGE_P95_MS)}",
    ]


def report(args, pg_version: str, warm: Phase, phases: list[Phase]) -> list[str]:
    import locust

    steady, bare, _ = phases
    server = f"2 {args.worker_class} workers"
    if args.worker_class == "gthread":
        server += f" × {args.threads} threads, keep-alive {args.keep_alive} s"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    warmed = sum(len(values) for values in warm.result["latencies"].values())
    head = [
        f"Run {when} on {machine(pg_version, server)}, locust {locust.__version__}; "
        f"load average at the end {load}. A warm-up of {warmed} requests "
        f"({warm.title}) went first, not counted.",
        "",
    ]
    body = []
    for phase in phases:
        body += [*phase_lines(phase), ""]
    verdict = verdict_lines(steady, [warm, *phases])
    return [*head, *verdict, "", *ratio_lines(steady, bare), "", *body]


def server_log_lines(log) -> list[str]:
    """gunicorn's warnings and errors (a worker timed out, a request failed)."""
    log.seek(0)
    logged = [line.rstrip() for line in log if re.search(r"\] \[(WARNING|ERROR|CRITICAL)\] ", line)]
    lines = [f"gunicorn logged {len(logged)} warnings or errors" + (":" if logged else ".")]
    return lines + [f"    {line}" for line in logged[:10]]


def phases_plan(args, links: list[str], bare: list[list[int]]) -> tuple[Phase, list[Phase]]:
    """The warm-up, then the measured phases, each with its own experts."""
    think = "1–3 s of thought before each action, 10 autosaves per page view"
    full = args.ramp + args.seconds
    rate = args.experts / args.ramp
    steady_links, burst_links = links[: args.experts], links[args.experts : -WARM]
    warm = Phase(
        "warm-up",
        f"{WARM} experts and {WARM} baseline experts for 8 s",
        ["AppExpert", "BareExpert"],
        2 * WARM,
        2 * WARM,
        8.0,
        {"links": links[-WARM:], "bare": bare[-WARM:]},
    )
    steady = Phase(
        "steady",
        f"{args.experts} experts open their links over {args.ramp:g} s, consent, and "
        f"answer ({think}); {full:g} s in all",
        ["AppExpert"],
        args.experts,
        rate,
        full,
        {"links": steady_links},
    )
    baseline = Phase(
        "bare",
        f"the same load on the bare views (one page for the CSRF cookie, then {think})",
        ["BareExpert"],
        args.experts,
        rate,
        full,
        {"bare": bare[:-WARM]},
    )
    burst = Phase(
        "burst",
        f"mail-out: {args.burst} new experts open their links within "
        f"{args.burst_seconds:g} s, evenly, then answer as above; {args.burst_seconds + TAIL:g} "
        "s in all",
        ["AppExpert"],
        args.burst,
        args.burst / args.burst_seconds,
        args.burst_seconds + TAIL,
        {"links": burst_links},
    )
    return warm, [steady, baseline, burst]


def main() -> int:
    args = parse_args()
    with served(args.database, SECRET_KEY, args.keep_db) as bench:
        invited, started = args.experts + args.burst + WARM, args.experts + WARM
        print(f"Seeding {args.database}: migrate, 1 survey, {invited + started} experts ...")
        warm, phases = phases_plan(args, *seed(bench.env, invited, started))
        server = bench.start(
            worker_class=args.worker_class, threads=args.threads, keep_alive=args.keep_alive
        )
        for phase in [warm, *phases]:
            phase_run(phase, bench.port, server.pid, args.database)
        lines = report(args, bench.pg_version, warm, phases) + server_log_lines(bench.log)
    publish(SECTION, lines, not args.no_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
