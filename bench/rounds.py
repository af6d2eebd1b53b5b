"""Benchmark of the analysis across Delphi rounds (issue 12, part 5).

    .venv/bin/python bench/rounds.py [--respondents 100000] [--small]

PostgreSQL: creates the database `bench_rounds` (dropped first; server from BENCH_POSTGRES,
default postgres://postgres@127.0.0.1:5432; another name with BENCH_ROUNDS_DB), loads round 1
as bench/analysis.py does (N respondents × 50 statements, COPY), then round 2: 90% of them
invited again through Invitation.previous, every one of those answering, a quarter of their
answers moved one point. Times in the same run the bare
`SELECT statement_id, value, count(*) FROM answer GROUP BY 1, 2` over both rounds' answers
and the whole analysis across rounds (results/rounds_report.py: both rounds' kept counts,
the paired answers, attrition and dropouts against stayers), and prints their ratio.
Then, in the same run, the round-2 questionnaire page with its feedback beside a plain page,
p95 and median of GET /survey/page/1/ each, interleaved (bench/_rounds_page.py).
`--small` loads 2,000 respondents for a quick try. Lives beside bench/analysis.py, whose
helpers it uses, because that file is already past the house's 400 lines.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENCH_ANALYSIS_DB", os.environ.get("BENCH_ROUNDS_DB", "bench_rounds"))

import _rounds_page as page  # noqa: E402  (bench/_rounds_page.py)
import analysis as base  # noqa: E402  (bench/analysis.py)

page.environment()


def load_round_two(first, respondents: int, seed: int = 12) -> None:
    import numpy as np
    import pandas as pd
    from django.db import connection

    from responses.fieldwork.services.lifecycle import survey_create
    from responses.models import Survey

    second = survey_create(slug="bench-r2", title="Benchmark, round 2")
    Survey.objects.filter(pk=second.pk).update(previous_round=first, round_number=2)
    rng = np.random.default_rng(seed)
    stayers = np.sort(rng.choice(respondents, int(respondents * 0.9), replace=False)) + 1
    ids = np.arange(respondents + 1, respondents + 1 + len(stayers))
    now = "2024-02-01 00:00:00+00"
    invitations = pd.DataFrame({
        "id": ids, "survey_id": second.pk, "expert_id": stayers, "link_nonce": "n",
        "link_hash": [f"r2h{i}" for i in ids], "created_at": now, "submitted_at": now,
        "decline_reason": "", "failure_reason": "", "reminders_sent": 0, "is_test": False,
        "previous_id": stayers,
    })  # fmt: skip
    responses = pd.DataFrame({
        "id": ids, "invitation_id": ids, "consented_at": now, "statement_order": "[]",
        "sectors": "[]", "gender": "", "open_answer": "", "language": "en",
        "pseudonym": [f"R{i}" for i in ids], "submitted_at": now, "updated_at": now,
    })  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        base._copy(cursor, f"responses_invitation ({', '.join(invitations)})", invitations)
        base._copy(cursor, f"responses_response ({', '.join(responses)})", responses)
        cursor.execute(
            "INSERT INTO responses_answer (response_id, survey_id, group_key, statement_id, "
            "value, comment, updated_at) SELECT r.id, %s, a.group_key, a.statement_id, "
            "CASE WHEN a.value BETWEEN -1 AND 1 AND random() < 0.25 THEN a.value + 1 "
            "ELSE a.value END, '', a.updated_at FROM responses_response r "
            "JOIN responses_invitation i ON i.id = r.invitation_id "
            "JOIN responses_response r1 ON r1.invitation_id = i.previous_id "
            "JOIN responses_answer a ON a.response_id = r1.id WHERE i.survey_id = %s",
            [second.pk, second.pk],
        )
        for table in ("invitation", "response"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('responses_{table}', 'id'), %s)",  # noqa: S608
                [int(ids[-1])],
            )
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("RESET statement_timeout")
    base.counts_fill(second)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--small", action="store_true", help="2,000 respondents")
    parser.add_argument("--requests", type=int, default=300, help="page GETs of each kind")
    args = parser.parse_args()
    respondents = 2_000 if args.small else args.respondents
    base.recreate_database()
    base.django_setup(f"{base.SERVER}/{base.DB_NAME}")
    base.load_postgres(respondents)
    from responses.models import Survey
    from responses.results.rounds_report import rounds_report

    first = Survey.objects.get(slug="bench")
    load_round_two(first, respondents)
    second = Survey.objects.get(slug="bench-r2")
    bare = base.measure_bare()["bare_seconds"]
    seconds, report = base.timed(lambda: rounds_report(survey=second))
    pairs = sum(e["paired"]["pairs"] for s in report["statements"] for e in s["rounds"][1:])
    print(f"respondents per round: {respondents:,} and {report['rounds'][1]['respondents']:,}")
    print(f"paired answers: {pairs:,}")
    print(f"bare GROUP BY over both rounds: {bare:.3f} s")
    print(f"analysis across rounds: {seconds:.3f} s = {seconds / bare:.1f} × the GROUP BY")
    expert, plain, reasons = page.pages_prepare(first, second)
    figures = page.pages_measure(expert, plain, requests=args.requests)
    print("\n".join(page.pages_report(figures, respondents=respondents, reasons=reasons)))


if __name__ == "__main__":
    main()
