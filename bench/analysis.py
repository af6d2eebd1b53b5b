"""Benchmark of the aggregate results (issue 4).

    .venv/bin/python bench/analysis.py [--respondents 100000] [--sqlite-respondents 10000]

PostgreSQL: creates the database `bench_analysis` (dropped first; server from
BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432), loads N respondents × 50
statements with COPY, then times in one run:
  - the bare `SELECT statement_id, value, count(*) FROM answer GROUP BY 1, 2`;
  - the full results, from the database to the stored snapshot (every table, group view
    and test), timed without tracemalloc, then its peak memory in one traced run (and the
    process's max RSS);
  - the naive way: every answer loaded into pandas, then counted there.
The loaders write the rows straight into the tables, past the services that keep the
results' counts at each submission (responses/results/services/counts.py), so they fill the counts
with one `counts_rebuild` at the end, timed once: what a recount costs (the manual
"Recompute now", or after a deletion). The timed full results read the kept counts, as the
beat's refresh does.
SQLite: 10,000 respondents × 50 = 500,000 answers in a temporary file, full results timed.
Each phase runs in its own process, so max RSS is that phase's own.
"""

import argparse
import csv
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
# Another name (BENCH_ANALYSIS_DB) lets two checkouts measure at once without colliding.
DB_NAME = os.environ.get("BENCH_ANALYSIS_DB", "bench_analysis")


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "surveysite.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def survey_new():
    from responses.fieldwork.services.lifecycle import survey_create

    return survey_create(slug="bench", title="Benchmark")


def synthetic(respondents: int, seed: int = 4):
    """Group keys per respondent and 50 answers each: 5% blank, 8% I don't know."""
    import numpy as np

    rng = np.random.default_rng(seed)
    sectors = np.array(["agi_lab", "academia", "civil_society", "other", ""])
    stated = np.array(
        ['["agi_lab"]', '["academia"]', '["think_tank", "academia"]', '["other"]', "[]"]
    )
    genders = np.array(["man", "woman", "another", "prefer_not_to_say", ""])
    people = {
        "sector": sectors[rng.integers(0, 5, respondents)],
        "stated": stated[rng.integers(0, 5, respondents)],
        "gender": genders[rng.choice(5, respondents, p=[0.55, 0.35, 0.04, 0.03, 0.03])],
    }
    codes = np.array([-2, -1, 0, 1, 2, -88, 99])  # 99 stands for blank (NULL)
    values = codes[rng.choice(7, (respondents, 50), p=[0.04, 0.08, 0.12, 0.33, 0.30, 0.08, 0.05])]
    return people, values


def group_keys(people):
    """Each respondent's packed group key, as the submission stores it on their answers."""
    import numpy as np

    from responses.results.group_keys import group_key

    return np.array(
        [
            group_key(assigned=str(sector), sectors=json.loads(str(stated)), gender=str(gender))
            for sector, stated, gender in zip(
                people["sector"], people["stated"], people["gender"], strict=True
            )
        ]
    )


def counts_fill(survey) -> float:
    """The kept counts of the loaded answers, as the submissions would have left them; returns
    the seconds the recount took."""
    from responses.results.services.counts import counts_rebuild

    start = time.perf_counter()
    counts_rebuild(survey=survey)
    return time.perf_counter() - start


def load_postgres(respondents: int) -> float:
    """Returns the seconds of the counts' rebuild."""
    import numpy as np
    import pandas as pd
    from django.db import connection

    from statements.models import Statement

    migrate()
    survey = survey_new()
    statement_ids = np.array(
        list(Statement.objects.order_by("number").values_list("pk", flat=True))
    )
    people, values = synthetic(respondents)
    keys = group_keys(people)
    ids = np.arange(1, respondents + 1)
    now = "2024-01-01 00:00:00+00"
    order = json.dumps([int(pk) for pk in statement_ids])
    frames = {
        "responses_expert (id, survey_id, name, email, sector, affiliation, attributes, "
        "language, created_at)": pd.DataFrame(
            {
                "id": ids,
                "survey_id": survey.pk,
                "name": "x",
                "email": [f"e{i}@bench.invalid" for i in ids],
                "sector": people["sector"],
                "affiliation": "",
                "attributes": "{}",
                "language": "",
                "created_at": now,
            }
        ),
        "responses_invitation (id, survey_id, expert_id, link_nonce, link_hash, created_at, "
        "submitted_at, decline_reason, failure_reason, reminders_sent, is_test)": pd.DataFrame(
            {
                "id": ids,
                "survey_id": survey.pk,
                "expert_id": ids,
                "link_nonce": "n",
                "link_hash": [f"h{i}" for i in ids],
                "created_at": now,
                "submitted_at": now,
                "decline_reason": "",
                "failure_reason": "",
                "reminders_sent": 0,
                "is_test": False,
            }
        ),
        "responses_response (id, invitation_id, consented_at, statement_order, sectors, gender, "
        "open_answer, language, pseudonym, submitted_at, updated_at)": pd.DataFrame(
            {
                "id": ids,
                "invitation_id": ids,
                "consented_at": now,
                "statement_order": order,
                "sectors": people["stated"],
                "gender": people["gender"],
                "open_answer": "",
                "language": "en",
                "pseudonym": [f"B{i}" for i in ids],
                "submitted_at": now,
                "updated_at": now,
            }
        ),
    }
    with connection.cursor() as cursor:
        # Loading millions of rows is no request: lift the statement timeout of the settings
        # for it, and put it back before the recount, which must work under it.
        cursor.execute("SET statement_timeout = 0")
        for target, frame in frames.items():
            _copy(cursor, target, frame)
        chunk = 20_000  # respondents per COPY: 1M answer rows
        for start in range(0, respondents, chunk):
            block = values[start : start + chunk]
            frame = pd.DataFrame(
                {
                    "response_id": np.repeat(ids[start : start + chunk], 50),
                    "survey_id": survey.pk,
                    "group_key": np.repeat(keys[start : start + chunk], 50),
                    "statement_id": np.tile(statement_ids, len(block)),
                    "value": block.ravel(),
                }
            )
            frame["value"] = frame["value"].astype("Int64").mask(frame["value"] == 99)
            frame["comment"] = ""
            frame["updated_at"] = now
            _copy(
                cursor,
                "responses_answer (response_id, survey_id, group_key, statement_id, value, "
                "comment, updated_at)",
                frame,
            )
        for table in ("expert", "invitation", "response"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('responses_{table}', 'id'), %s)",  # noqa: S608
                [respondents],
            )
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("RESET statement_timeout")
    rebuild = counts_fill(survey)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE responses_answercount, responses_groupsize")
    return rebuild


def _copy(cursor, target: str, frame) -> None:
    buffer = io.StringIO()
    # COPY's text format: tab-separated, no quoting (the data has no tabs or backslashes).
    frame.to_csv(
        buffer,
        sep="\t",
        header=False,
        index=False,
        na_rep="\\N",
        quoting=csv.QUOTE_NONE,
        quotechar="\x07",
    )
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def timed(function, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure_bare() -> dict:
    from django.db import connection

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT statement_id, value, count(*) FROM responses_answer GROUP BY statement_id, value"  # noqa: E501
            )
            return cursor.fetchall()

    seconds, rows = timed(bare)
    return {"bare_seconds": seconds, "bare_rows": len(rows)}


def measure_full() -> dict:
    from responses.models import Answer, Survey
    from responses.results.analysis.inference import PERMUTATIONS
    from responses.results.services.snapshots import snapshot_create

    survey = Survey.objects.get(slug="bench")
    # The survey's consensus rule within every sector: the heaviest verdicts.
    survey.consensus_rule = {"kind": "agree_pct", "threshold": 75, "every_sector": True}
    survey.save(update_fields=["consensus_rule"])

    # The full results without the permutation tests and order effects, then those apart.
    def full(permutations=0, order_effects=False):
        return snapshot_create(
            survey=survey, permutations=permutations, order_effects=order_effects
        )

    full()  # warm caches and imports, as a running worker would be

    seconds, snapshot = timed(full)
    # The two heavier steps apart: each one's cost over the full results.
    with_permutations, _ = timed(lambda: full(permutations=PERMUTATIONS), repeat=1)
    with_order, _ = timed(lambda: full(order_effects=True), repeat=1)
    # Memory in a run of its own: tracemalloc hooks every allocation and slows the Python
    # side (pandas, the tests, the JSON) about threefold, so it is kept out of the timing.
    tracemalloc.start()
    traced, _ = timed(full, repeat=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "full_seconds": seconds,
        "permutation_seconds": with_permutations - seconds,
        "order_seconds": with_order - seconds,
        "permutation_draws": PERMUTATIONS,
        "permutation_tests": sum(len(view["statements"]) * 2 for view in snapshot.tables["groups"]),
        "full_traced_seconds": traced,
        "respondents": snapshot.respondents,
        "answers": Answer.objects.count(),
        "tracemalloc_peak_mb": peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_naive() -> dict:
    import pandas as pd
    from django.db import connection

    def naive():
        with connection.cursor() as cursor:
            # The naive baseline streams 5 M rows into pandas: no request's statement timeout.
            cursor.execute("SET statement_timeout = 0")
            cursor.execute(
                "SELECT a.statement_id, a.value, e.sector, r.sectors::text, r.gender "
                "FROM responses_answer a JOIN responses_response r ON r.id = a.response_id "
                "JOIN responses_invitation i ON i.id = r.invitation_id "
                "JOIN responses_expert e ON e.id = i.expert_id WHERE r.submitted_at IS NOT NULL"
            )
            frame = pd.DataFrame(
                cursor.fetchall(), columns=["statement", "value", "sector", "stated", "gender"]
            )
        return frame.groupby(["sector", "stated", "gender", "statement", "value"]).size()

    start = time.perf_counter()
    naive()
    return {
        "naive_seconds": time.perf_counter() - start,
        "naive_max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def sqlite_phase(respondents: int) -> dict:
    from django.db import connection

    from responses.models import Answer
    from responses.results.services.snapshots import snapshot_create
    from statements.models import Statement

    migrate()
    survey = survey_new()
    statement_ids = list(Statement.objects.order_by("number").values_list("pk", flat=True))
    people, values = synthetic(respondents)
    keys = group_keys(people)
    now = "2024-01-01 00:00:00"
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO responses_expert (id, survey_id, name, email, sector, affiliation, "
            "attributes, language, created_at) VALUES (%s, %s, 'x', %s, %s, '', '{}', '', %s)",
            [
                (i + 1, survey.pk, f"e{i}@bench.invalid", str(people["sector"][i]), now)
                for i in range(respondents)
            ],
        )
        cursor.executemany(
            "INSERT INTO responses_invitation (id, survey_id, expert_id, link_nonce, link_hash, "
            "created_at, submitted_at, decline_reason, failure_reason, reminders_sent, is_test) "
            "VALUES (%s, %s, %s, 'n', %s, %s, %s, '', '', 0, 0)",
            [(i + 1, survey.pk, i + 1, f"h{i}", now, now) for i in range(respondents)],
        )
        cursor.executemany(
            "INSERT INTO responses_response (id, invitation_id, consented_at, statement_order, "
            "sectors, gender, open_answer, language, pseudonym, submitted_at, updated_at) "
            "VALUES (%s, %s, %s, '[]', %s, %s, '', 'en', %s, %s, %s)",
            [
                (
                    i + 1,
                    i + 1,
                    now,
                    str(people["stated"][i]),
                    str(people["gender"][i]),
                    f"B{i}",
                    now,
                    now,
                )
                for i in range(respondents)
            ],
        )
        cursor.executemany(
            "INSERT INTO responses_answer (response_id, survey_id, group_key, statement_id, "
            "value, comment, updated_at) VALUES (%s, %s, %s, %s, %s, '', %s)",
            [
                (
                    i + 1,
                    survey.pk,
                    int(keys[i]),
                    statement_ids[j],
                    None if values[i, j] == 99 else int(values[i, j]),
                    now,
                )
                for i in range(respondents)
                for j in range(50)
            ],
        )
    rebuild = counts_fill(survey)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    snapshot_create(survey=survey)
    seconds, snapshot = timed(
        lambda: snapshot_create(survey=survey, permutations=0, order_effects=False)
    )
    return {
        "sqlite_seconds": seconds,
        "sqlite_answers": Answer.objects.count(),
        "sqlite_respondents": snapshot.respondents,
        "sqlite_rebuild_seconds": rebuild,
    }


def phase(name: str, respondents: int) -> None:
    """Child process: run one phase and print its figures as JSON."""
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            django_setup(f"sqlite:///{folder}/bench.sqlite3")
            print(json.dumps(sqlite_phase(respondents)))
        return
    django_setup(f"{SERVER}/{DB_NAME}")
    if name == "load":
        start = time.perf_counter()
        rebuild = load_postgres(respondents)
        load = time.perf_counter() - start - rebuild
        print(json.dumps({"load_seconds": load, "rebuild_seconds": rebuild}))
    else:
        print(
            json.dumps({"bare": measure_bare, "full": measure_full, "naive": measure_naive}[name]())
        )


def run(name: str, respondents: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--respondents", str(respondents)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')


def report(figures: dict, respondents: int) -> str:
    f = figures
    ratio = f["full_seconds"] / f["bare_seconds"]
    lines = [
        "## Results (issue 4)",
        "",
        f"`bench/analysis.py`, {time.strftime('%Y-%m-%d')}. Machine: {platform.platform()}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs (shared with other jobs), "  # noqa: E501
        f"Python {platform.python_version()}, PostgreSQL via psycopg.",
        "",
        f"PostgreSQL, {f['respondents']:,} respondents × 50 statements = {f['answers']:,} answer rows "  # noqa: E501
        f"(5% blank, 8% I don't know), loaded with COPY in {f['load_seconds']:.1f} s.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| bare `SELECT statement_id, value, count(*) … GROUP BY` | {f['bare_seconds']:.3f} s | |",
        f"| full results with intervals, consensus and group tables, database → stored snapshot (kept counts) | {f['full_seconds']:.3f} s | < 3 s |",  # noqa: E501
        f"| full / bare | {ratio:.2f}× | ≤ 2× |",
        f"| permutation tests, a separate step: {f['permutation_tests']} tests × "
        f"{f['permutation_draws']} random tables, and the respondent-level test of the "
        f"agreement index with its read of every answer | {f['permutation_seconds']:.3f} s | |",
        f"| order effects, a separate step (every answer with its position) | "
        f"{f['order_seconds']:.3f} s | |",
        f"| full results: peak Python allocations (tracemalloc, a run of its own) | {f['tracemalloc_peak_mb']:.1f} MB | |",  # noqa: E501
        f"| full results under tracemalloc (how earlier runs timed it) | {f['full_traced_seconds']:.3f} s | |",  # noqa: E501
        f"| full results: process max RSS (incl. Django, pandas, scipy) | {f['max_rss_mb']:.0f} MB | < 500 MB |",  # noqa: E501
        f"| naive: every answer into pandas, then count | {f['naive_seconds']:.3f} s, "
        f"max RSS {f['naive_max_rss_mb']:.0f} MB | |",
        f"| `counts_rebuild`: recount the survey from its answers (once) | {f['rebuild_seconds']:.3f} s | |",  # noqa: E501
        f"| SQLite, {f['sqlite_answers']:,} answers, full results (kept counts) | {f['sqlite_seconds']:.3f} s | < 3 s |",  # noqa: E501
        f"| SQLite, `counts_rebuild` (once) | {f['sqlite_rebuild_seconds']:.3f} s | |",
        "",
        "Times are the best of three runs after one warm-up (a running worker is warm).",
        "The counts are kept at each submission, regrouping and import"
        " (responses/results/services/counts.py); the full results read them, after one check that"
        " they count as many respondents as the survey has submitted responses. A recount"
        " (`counts_rebuild`) runs after a deletion of submitted responses and on every manual"
        ' "Recompute now".',
        "",
    ]
    return "\n".join(lines)


def write_results(section: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    start = text.find("## Results (issue 4)")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + text[end + 1 :] if end >= 0 else text[:start]
    path.write_text(text.rstrip("\n") + "\n\n" + section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--sqlite-respondents", type=int, default=10_000)
    parser.add_argument("--phase", choices=["load", "bare", "full", "naive", "sqlite"])
    parser.add_argument("--no-write", action="store_true", help="Do not update bench/RESULTS.md.")
    args = parser.parse_args()
    if args.phase:
        phase(args.phase, args.respondents)
        return
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    recreate_database()
    figures = run("load", args.respondents)
    for name in ("bare", "full", "naive"):
        figures |= run(name, args.respondents)
    figures |= run("sqlite", args.sqlite_respondents)
    section = report(figures, args.respondents)
    print(section)
    if not args.no_write:
        write_results(section)


if __name__ == "__main__":
    main()
