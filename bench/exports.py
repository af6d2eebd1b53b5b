"""Benchmark of the raw-response exports (issue 11, "Speed of the offline jobs").

    .venv/bin/python bench/exports.py [--sizes 10000,100000] [--formats csv,long] [--no-write]

Creates the PostgreSQL database `bench_exports` (dropped first; server from BENCH_POSTGRES,
default postgres://postgres@127.0.0.1:5432; another name with BENCH_EXPORTS_DB), migrates,
and for each panel size seeds one survey with plain SQL (generate_series: N experts,
invitations and submitted responses, 50 answers each: 5% blank, 8% I don't know, 1% with a
comment). Then it times, each in a process of its own so that its peak RSS is its own:
  - a bare `manage.py check` (start-up and the system checks, which import the URLconf);
  - `manage.py compute_results` (every table and the permutation tests, from the kept
    counts), and with `--recount` (the Recompute: every answer recounted, order effects);
  - the baseline: psql's `\\copy` of the same answer rows the export reads (same ORDER BY)
    to a file;
  - every export as a command (`manage.py export_responses --format ...`, `export_codebook`),
    start-up included: wide CSV, long CSV, comments, wide XLSX, SAV, DTA, DDI codebook;
  - the same as a web download: a process that starts Django, signs a researcher in and
    GETs /research/<slug>/results/export/<key>/ through the whole middleware stack with
    Django's test client, writing the body (streamed for the CSV files) to a file; the time
    is the request's, from GET to the last byte. A file built whole from more than
    EXPORT_JOB_ABOVE responses is a job: the time then runs from the GET of the offer
    through the POST that starts the job (eager, so it runs as the POST commits) to the last
    byte of its file.
The bare check and compute_results (the targets of about a second) are the median of five
runs. Prints the machine, the figures and the ratios (to the COPY baseline, 100,000 to 10,000),
and writes them to the "Exports (issue 11)" section of bench/RESULTS.md.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = os.environ.get("BENCH_EXPORTS_DB", "bench_exports")
DATABASE_URL = f"{SERVER}/{DB_NAME}"
SLUG = "bench"
FORMATS = ["csv", "long", "comments", "xlsx", "sav", "dta", "codebook"]
# Past the first size, what keeps the run bounded (< 10 min on a quiet machine): XLSX is
# left out (openpyxl writes about 200,000 cells a second: 35 s per 100,000 wide rows), and
# only the CSV files are also downloaded (the others are built whole either way).
LARGE_FORMATS = ["csv", "long", "comments", "sav", "dta", "codebook"]
LARGE_DOWNLOADS = ["csv", "long"]
SECTION = "## Exports (issue 11)"
CPU_SECONDS: list[float] = []
# Targets of issue 11.
START_TARGET, CSV_TARGET, CSV_MB_TARGET, GROWTH_TARGET, COMPUTE_TARGET = 1.5, 2.0, 100, 1.5, 1.5


def environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    return env | {
        "DATABASE_URL": DATABASE_URL,
        "DEBUG": "1",
        "SURVEYSITE_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "surveysite.settings",
        # Seeding 5 million rows is no request.
        "DATABASE_STATEMENT_TIMEOUT": "600",
    }


def django_setup() -> None:
    os.environ.update(environment())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def measured_rss(argv: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of a child process. GNU time reports the peak
    (a child forked from this process would count this process's memory as its own) and the
    CPU seconds, kept in CPU_SECONDS: on a shared machine they move less than the wall."""
    with tempfile.NamedTemporaryFile("r") as usage:
        start = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", usage.name, *argv],
            cwd=ROOT, env=environment(), capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        if result.returncode:
            raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr}")
        peak, user, system = usage.read().split()[-3:]
        CPU_SECONDS.append(float(user) + float(system))
        return seconds, int(peak) / 1024, result.stdout


def machine_speed() -> float:
    """Seconds for ten million additions in pure Python: how fast this machine ran just
    then, to read the absolute targets by (a shared machine's speed moves by half)."""
    start = time.perf_counter()
    total = 0
    for number in range(10_000_000):
        total += number
    return time.perf_counter() - start


def median_run(argv: list[str], runs: int = 5) -> tuple[float, float, float]:
    """(wall, peak RSS, CPU) of the run with the median wall time of `runs`: the targets'
    commands take about a second, where one run moves by a third on a shared machine."""
    measured = []
    for _ in range(runs):
        seconds, rss, _ = measured_rss(argv)
        measured.append((seconds, rss, CPU_SECONDS[-1]))
    return sorted(measured)[runs // 2]


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


SEED = [
    "TRUNCATE responses_answer, responses_response, responses_invitation, responses_expert "
    "RESTART IDENTITY CASCADE",
    "INSERT INTO responses_expert (survey_id, name, email, sector, affiliation, attributes, "
    "language, created_at) SELECT %(survey)s, 'Bench ' || g, 'e' || g || '@bench.invalid', "
    "(ARRAY['agi_lab','academia','civil_society','other',''])[1 + g %% 5], '', '{}', '', "
    "now() FROM generate_series(1, %(n)s) g",
    "INSERT INTO responses_invitation (survey_id, expert_id, link_nonce, link_hash, created_at, "
    "sent_at, started_at, submitted_at, decline_reason, failure_reason, reminders_sent, "
    "is_test) SELECT %(survey)s, g, md5(g::text), md5('h' || g), now(), now(), now(), now(), "
    "'', '', 0, g %% 200 = 0 FROM generate_series(1, %(n)s) g",
    "INSERT INTO responses_response (invitation_id, consented_at, statement_order, sectors, "
    "gender, open_answer, language, pseudonym, submitted_at, updated_at) SELECT g, "
    "now() - interval '20 minutes', %(order)s::jsonb, "
    "(ARRAY['[\"agi_lab\"]','[\"academia\", \"nonprofit\"]','[\"think_tank\"]','[]'])"
    "[1 + g %% 4]::jsonb, (ARRAY['man','woman',''])[1 + g %% 3], "
    "CASE WHEN g %% 10 = 0 THEN 'More audits, please; =1+1' ELSE '' END, 'en', "
    "'R' || substr(md5(random()::text || g), 1, 12), now(), now() "
    "FROM generate_series(1, %(n)s) g",
    "INSERT INTO responses_answer (response_id, survey_id, statement_id, value, comment, "
    "updated_at) SELECT g, %(survey)s, s.id, CASE WHEN h < 5 THEN NULL WHEN h < 13 THEN -88 "
    "ELSE h %% 5 - 2 END, CASE WHEN h = 99 THEN 'Too vague.' ELSE '' END, now() "
    "FROM generate_series(1, %(n)s) g CROSS JOIN statements_statement s "
    "CROSS JOIN LATERAL (SELECT abs(hashtext(g || '-' || s.id)) %% 100 AS h) x",
]
SETTLED = [
    "responses_expert", "responses_invitation", "responses_response", "responses_answer",
    "responses_answercount", "responses_groupsize",
]  # fmt: skip


def seed(respondents: int) -> float:
    import json

    from django.db import connection

    from responses.models import Survey
    from responses.results import group_keys
    from responses.results.services.counts import counts_rebuild

    survey = Survey.objects.get(slug=SLUG)
    order = json.dumps(list(survey.statements.order_by("number").values_list("pk", flat=True)))
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        # The rows are built consistent: skip the foreign keys' per-row triggers (superuser).
        cursor.execute("SET session_replication_role = replica")
        for sql in SEED:
            cursor.execute(sql, {"survey": survey.pk, "n": respondents, "order": order})
        # Each answer's respondent key, as a submission writes it: the counts see no answer
        # without one.
        group_keys.answers_regroup_run(cursor, where="i.survey_id = %s", params=[survey.pk])
        cursor.execute("SET session_replication_role = DEFAULT")
    # And the counts the submissions would have kept.
    counts_rebuild(survey=survey)
    # A settled database, as one filled over weeks is: the bulk writes' hint bits set and
    # vacuumed now, not by the autovacuum in the middle of the first timed command.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) " + ", ".join(SETTLED))
    return time.perf_counter() - start


def survey_and_researcher() -> None:
    from django.contrib.auth import get_user_model

    from responses.fieldwork.services.lifecycle import survey_create

    owner = get_user_model().objects.create_user("bench", password=None, is_staff=True)
    survey_create(slug=SLUG, title="Benchmark", owner=owner)


def python() -> str:
    return sys.executable


def copy_baseline(folder: Path) -> tuple[float, float]:
    from responses.models import Survey

    survey_id = Survey.objects.get(slug=SLUG).pk
    query = (
        "\\copy (SELECT response_id, statement_id, value, comment FROM responses_answer "  # noqa: S608
        f"WHERE survey_id = {survey_id} ORDER BY response_id, statement_id) "
        f"TO '{folder / 'copy.csv'}' CSV"
    )
    seconds, rss, _ = measured_rss(["psql", "-q", DATABASE_URL, "-c", query])
    return seconds, rss, CPU_SECONDS[-1]


def command(fmt: str, folder: Path) -> tuple[float, float]:
    output = str(folder / f"command.{fmt}")
    if fmt == "codebook":
        argv = ["export_codebook", "--survey", SLUG, "--output", output]
    else:
        argv = ["export_responses", "--survey", SLUG, "--format", fmt, "--output", output]
    seconds, rss, _ = measured_rss([python(), "manage.py", *argv])
    return seconds, rss, CPU_SECONDS[-1]


def download(fmt: str, folder: Path) -> tuple[float, float]:
    argv = [python(), __file__, "--download", fmt, "--output", str(folder / f"web.{fmt}")]
    _, rss, out = measured_rss(argv)
    return float(out.split()[-1]), rss, CPU_SECONDS[-1]


def download_child(key: str, output: str) -> None:
    """In a child: GET the export as the researcher, write it, print the request's seconds."""
    django_setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from responses.models import Job

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="bench"))
    start = time.perf_counter()
    url = f"/research/{SLUG}/results/export/{key}/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    if response.get("Content-Disposition") is None:
        # Above EXPORT_JOB_ABOVE the page offers a job: start it (eager here, so it runs
        # as the POST commits, as `make run` does) and fetch the file it wrote.
        assert client.post(url).status_code == 302
        job = Job.objects.filter(kind="results.export").latest("pk")
        assert job.status == Job.Status.DONE, (job.status, job.error)
        response = client.get(f"/research/{SLUG}/results/exports/{job.pk}/file")
        assert response.status_code == 200, response.status_code
    with open(output, "wb") as stream:
        for chunk in response.streaming_content if response.streaming else [response.content]:
            stream.write(chunk)
    print(f"{time.perf_counter() - start:.3f}")


def measure(respondents: int, first: bool, formats: list[str]) -> dict:
    figures = {"respondents": respondents, "seed": seed(respondents), "speed": machine_speed()}
    print(f"  seeded {respondents:,} respondents in {figures['seed']:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        figures["start"] = median_run([python(), "manage.py", "check"])
        # compute_results from the kept counts: every table and the permutation tests (issue
        # 11's target: under 1.5 s at 10,000, start-up included); with --recount, the
        # Recompute's job: a recount of every answer first, and the order effects.
        results = str(folder / "results.csv")
        argv = [python(), "manage.py", "compute_results", "--survey", SLUG, "--output", results]
        for name, extra in (("compute_results", []), ("compute_results_recount", ["--recount"])):
            figures[name] = median_run(argv + extra)
            print(f"  {name}: {figures[name][0]:.2f} s", flush=True)
        figures["copy"] = copy_baseline(folder)
        figures["copy_bytes"] = (folder / "copy.csv").stat().st_size
        for fmt in [fmt for fmt in (FORMATS if first else LARGE_FORMATS) if fmt in formats]:
            figures[f"command {fmt}"] = command(fmt, folder)
            figures[f"size {fmt}"] = (folder / f"command.{fmt}").stat().st_size
            print(f"  {fmt}: command {figures[f'command {fmt}'][0]:.2f} s", flush=True)
            if first or fmt in LARGE_DOWNLOADS:
                figures[f"web {fmt}"] = download(fmt, folder)
                print(f"  {fmt}: web {figures[f'web {fmt}'][0]:.2f} s", flush=True)
    return figures


def _row(label: str, measured_pair, copy_seconds: float, size: int | None = None) -> str:
    seconds, rss, cpu = measured_pair
    size_text = "" if size is None else f"{size / 1e6:.1f} MB"
    ratio = seconds / copy_seconds
    return (
        f"| {label} | {seconds:.2f} s | {ratio:.1f}× | {cpu:.2f} s | {rss:.0f} MB | {size_text} |"
    )


def report(runs: list[dict]) -> str:
    lines = [
        SECTION,
        "",
        f"`bench/exports.py`, run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{platform.platform()}, {os.cpu_count()} CPUs (shared with other jobs), Python "
        f"{platform.python_version()}, PostgreSQL; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}. Each figure is one run in a process "
        "of its own (peak RSS is that process's; the bare check and compute_results: the "
        "median of five). Commands include start-up; a web download "
        "is the request's time, GET to last byte, through the middleware (Django's test client "
        "in a process that started Django first). × is the time over the baseline's.",
        "",
    ]
    for figures in runs:
        n = figures["respondents"]
        copy_seconds = figures["copy"][0]
        lines += [
            f"### {n:,} respondents ({n * 50:,} answers; "
            f"seeded with SQL in {figures['seed']:.0f} s)",
            "",
            f"Machine speed before this phase: ten million additions in pure Python took "
            f"{figures['speed']:.2f} s.",
            "",
            "| measure | time | × COPY | CPU (process) | peak RSS | file |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            _row("baseline: psql `\\copy` of the answers", figures["copy"], copy_seconds,
                 figures["copy_bytes"]),
            _row("bare `manage.py check`", figures["start"], copy_seconds),
            _row("`manage.py compute_results`", figures["compute_results"], copy_seconds),
            _row("`manage.py compute_results --recount`", figures["compute_results_recount"],
                 copy_seconds),
        ]  # fmt: skip
        for fmt in FORMATS:
            if f"command {fmt}" in figures:
                size = figures[f"size {fmt}"]
                row = _row(f"command, {fmt}", figures[f"command {fmt}"], copy_seconds, size)
                lines.append(row)
            if f"web {fmt}" in figures:
                lines.append(_row(f"web download, {fmt}", figures[f"web {fmt}"], copy_seconds))
        lines.append("")
    lines += targets(runs)
    return "\n".join(lines) + "\n"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def targets(runs: list[dict]) -> list[str]:
    small = runs[0]
    start, _, start_cpu = small["start"]
    csv_seconds, csv_rss, csv_cpu = small["command csv"]
    compute, _, compute_cpu = small["compute_results"]
    lines = [
        "Targets (issue 11):",
        "",
        f"- bare command start-up: **{start:.2f} s** ({start_cpu:.2f} s of CPU; target "
        f"< {START_TARGET} s): "
        f"{_verdict(start < START_TARGET)}",
        f"- CSV export of {small['respondents']:,} as a command: **{csv_seconds:.2f} s, "
        f"{csv_rss:.0f} MB** ({csv_cpu:.2f} s of CPU; targets < {CSV_TARGET} s, "
        f"< {CSV_MB_TARGET} MB): "
        f"{_verdict(csv_seconds < CSV_TARGET and csv_rss < CSV_MB_TARGET)}",
        f"- `compute_results` of {small['respondents']:,} as a command: **{compute:.2f} s** "
        f"({compute_cpu:.2f} s of CPU; target < {COMPUTE_TARGET} s): "
        f"{_verdict(compute < COMPUTE_TARGET)}",
    ]
    if len(runs) > 1:
        large = runs[-1]
        pairs = [(fmt, way) for fmt in LARGE_DOWNLOADS for way in ("command", "web")]
        pairs += [(fmt, "command") for fmt in ("comments", "sav", "dta")]
        for fmt, way in pairs:
            if f"{way} {fmt}" in large and f"{way} {fmt}" in small:
                growth = large[f"{way} {fmt}"][1] / small[f"{way} {fmt}"][1]
                lines.append(
                    f"- peak RSS, {way} {fmt}, {large['respondents']:,} over "
                    f"{small['respondents']:,}: **{growth:.2f}×** (target ≤ {GROWTH_TARGET}×): "
                    f"{_verdict(growth <= GROWTH_TARGET)}"
                )
    return lines


def write_results(section: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    start = text.find(SECTION)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + text[end + 1 :] if end >= 0 else text[:start]
    path.write_text(text.rstrip("\n") + "\n\n" + section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="Panel sizes, comma-separated.")
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help="Exports to time (csv is the target's)."
    )
    parser.add_argument("--no-write", action="store_true", help="Do not update bench/RESULTS.md.")
    parser.add_argument("--keep-db", action="store_true", help="Keep the database at the end.")
    parser.add_argument("--download", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.download:
        download_child(args.download, args.output)
        return
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    recreate_database()
    try:
        django_setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        survey_and_researcher()
        runs = []
        for index, size in enumerate(int(text) for text in args.sizes.split(",")):
            print(f"{size:,} respondents", flush=True)
            runs.append(measure(size, first=index == 0, formats=args.formats.split(",")))
        section = report(runs)
        print(section)
        if not args.no_write:
            write_results(section)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database()


if __name__ == "__main__":
    main()
