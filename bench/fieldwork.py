"""Fieldwork benchmark (issue 3): import 10,000 experts, send 10,000 invitations through a
real Celery worker to the file email backend, and time the dashboard with 10,000 invitations.

Needs PostgreSQL and Redis. By default it drops and creates its own database
`bench_fieldwork` on BENCH_POSTGRES (postgres://postgres@127.0.0.1:5432) and uses Redis
database 15; DATABASE_URL and REDIS_URL override both:
    .venv/bin/python bench/fieldwork.py [--experts 10000] [--no-write-results]

It migrates the database, adds a survey named bench-<timestamp>, and rewrites the
"Fieldwork (issue 3)" section of bench/RESULTS.md.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def own_database(name: str = "bench_fieldwork") -> str:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = own_database()
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "surveysite.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("STATIC_MANIFEST", "0")
QUEUE = f"bench-{uuid.uuid4().hex[:8]}"
MAIL_DIR = Path(tempfile.mkdtemp(prefix="bench-mail-"))
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = QUEUE
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
os.environ["EMAIL_BACKEND"] = "file"
os.environ["EMAIL_FILE_PATH"] = str(MAIL_DIR)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from responses.fieldwork.services import deliveries, experts  # noqa: E402
from responses.fieldwork.services.lifecycle import survey_create  # noqa: E402
from responses.models import EmailDelivery, Invitation  # noqa: E402

SECTORS = ["agi_lab", "academia", "civil_society", "other"]


def machine() -> str:
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        database = cursor.fetchone()[0].split(",")[0]
    return (
        f"{platform.node()}: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {database}"
    )


def expert_csv(count: int) -> bytes:
    lines = ["name,email,sector,affiliation,country"]
    for n in range(count):
        lines.append(f"Expert {n},expert{n}@bench.example,{SECTORS[n % 4]},Institute {n % 97},UK")
    return ("\n".join(lines) + "\n").encode()


def bench_import(survey, count: int) -> dict:
    data = expert_csv(count)
    start = time.perf_counter()
    parsed = experts.experts_parse(survey=survey, data=data, filename="bench.csv")
    parsed_at = time.perf_counter()
    assert not parsed.problems, parsed.problems[:3]
    imported = experts.experts_import(survey=survey, rows=parsed.rows)
    done = time.perf_counter()
    assert imported == count
    return {"parse": parsed_at - start, "import": done - parsed_at, "total": done - start}


def start_worker(concurrency: int):
    env = {**os.environ}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "surveysite",
            "worker",
            "--concurrency",
            str(concurrency),
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            QUEUE,
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=ROOT,
    )
    from surveysite.celery import app

    for _ in range(200):
        if app.control.inspect(timeout=0.2).ping():
            return process
        time.sleep(0.1)
    process.terminate()
    raise SystemExit("the worker did not start")


def bench_send(survey, count: int, concurrency: int) -> dict:
    worker = start_worker(concurrency)
    try:
        start = time.perf_counter()
        queued = deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
        enqueued = time.perf_counter()
        assert queued == count, queued
        while True:
            sent = EmailDelivery.objects.filter(
                invitation__survey=survey, status=EmailDelivery.Status.SENT
            ).count()
            if sent == count or time.perf_counter() - start > 600:
                break
            time.sleep(0.25)
        done = time.perf_counter()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    messages = sum(p.read_text().count("\nSubject: ") for p in MAIL_DIR.glob("*.log"))
    return {
        "enqueue": enqueued - start,
        "total": done - start,
        "sent": sent,
        "messages": messages,
        "concurrency": concurrency,
    }


def bench_send_baseline(count: int) -> float:
    """The same work in one process without a broker: what the queue costs on top."""
    survey = survey_create(slug=f"bench-base-{uuid.uuid4().hex[:6]}", title="Bench baseline")
    experts.experts_import(
        survey=survey,
        rows=experts.experts_parse(
            survey=survey, data=expert_csv(count).replace(b"@bench", b"@base"), filename="b.csv"
        ).rows,
    )
    start = time.perf_counter()
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(invitation_id=pk, kind="invitation")
            for pk in survey.invitations.values_list("pk", flat=True)
        ]
    )
    for pk in EmailDelivery.objects.filter(invitation__survey=survey).values_list("pk", flat=True):
        deliveries.delivery_send(delivery_id=pk)
    return time.perf_counter() - start


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def bench_pages(survey, rounds: int) -> dict:
    user = get_user_model().objects.create_user(
        f"bench-{uuid.uuid4().hex[:6]}", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    empty = survey_create(slug=f"bench-empty-{uuid.uuid4().hex[:6]}", title="Empty", owner=user)
    result = {}
    for name, target in (
        ("dashboard", survey),
        ("invitations", survey),
        ("dashboard_empty", empty),
    ):
        view = name.removesuffix("_empty")
        path = reverse(f"research:{view}", args=[target.slug])
        client.get(path)  # warm up
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200
        result[name] = {"p50": statistics.median(samples), "p95": p95(samples)}
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--experts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--no-write-results", dest="write_results", action="store_false")
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise SystemExit("Set DATABASE_URL=postgres://... and REDIS_URL=redis://...")
    call_command("migrate", verbosity=0)
    print(f"Machine: {machine()}")
    survey = survey_create(slug=f"bench-{int(time.time())}", title="Bench")
    n = args.experts
    imported = bench_import(survey, n)
    print(
        f"Import {n:,} experts: {imported['total']:.2f} s "
        f"(parse {imported['parse']:.2f} s, import {imported['import']:.2f} s); target < 10 s"
    )
    sent = bench_send(survey, n, args.concurrency)
    print(
        f"Send {n:,} invitations via worker (concurrency {sent['concurrency']}): "
        f"{sent['total']:.1f} s (enqueue {sent['enqueue']:.1f} s), {sent['sent']:,} sent, "
        f"{sent['messages']:,} messages in files; target < 60 s"
    )
    baseline = bench_send_baseline(min(n, 2000))
    print(f"Baseline, in-process sending of {min(n, 2000):,} without a broker: {baseline:.1f} s")
    pages = bench_pages(survey, args.rounds)
    for name, figures in pages.items():
        print(
            f"Page {name}: p50 {figures['p50'] * 1000:.0f} ms, p95 {figures['p95'] * 1000:.0f} ms"
        )
    if args.write_results:
        write_results(machine(), n, imported, sent, baseline, min(n, 2000), pages)


def write_results(machine_line, n, imported, sent, baseline, base_n, pages):
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    heading = "## Fieldwork (issue 3)"
    section = f"""{heading}

`bench/fieldwork.py`, {time.strftime("%Y-%m-%d")}. Machine: {machine_line}. The machine is
shared with other jobs, so figures vary between runs.

| measure | result | target |
| --- | --- | --- |
| import {n:,} experts (parse + validate + import) | {imported["total"]:.2f} s | < 10 s |
| send {n:,} invitations, worker (prefork {sent["concurrency"]}) | {sent["total"]:.1f} s | < 60 s |
| dashboard, {n:,} invitations, p95 | {pages["dashboard"]["p95"] * 1000:.0f} ms | < 150 ms |
| invitation table, {n:,} invitations, p95 | {pages["invitations"]["p95"] * 1000:.0f} ms | |

Baselines: dashboard of an empty survey p95 {pages["dashboard_empty"]["p95"] * 1000:.0f} ms;
sending {base_n:,} in one process without a broker {baseline:.1f} s.
"""
    if heading in text:
        before, _, rest = text.partition(heading)
        after = rest.split("\n## ", 1)
        tail = "\n## " + after[1] if len(after) > 1 else ""
        text = before + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
