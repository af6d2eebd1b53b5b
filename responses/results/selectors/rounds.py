"""Reads across a Delphi study's rounds, as compact DataFrames of counts: each round's kept
count tables, the paired answers of the experts who answered two consecutive rounds, and the
first round's respondents by sector and by whether they answered the next round. One grouped
statement per round pair: no ORM instances, whatever the panel's size."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, Max

from ...fieldwork.selectors.rounds import study_rounds
from ...models import Answer, Expert, Invitation, Response, Survey
from . import count_tables

if TYPE_CHECKING:  # pandas is loaded where the tables are read, not at start-up
    import pandas as pd

ANSWERS, RESPONSES = Answer._meta.db_table, Response._meta.db_table
INVITATIONS, EXPERTS = Invitation._meta.db_table, Expert._meta.db_table


def _counted(r: str, i: str) -> str:
    # group_keys.UNCOUNTED_SQL's rule, negated, for any pair of aliases.
    return f"{r}.submitted_at IS NOT NULL AND {i}.is_test = %s AND {r}.withdrawn_at IS NULL"


def _frame(sql: str, params: list, columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame(rows, columns=columns).astype("int64")


def round_tables(*, survey: Survey) -> list[dict]:
    """Each round of the survey's study, first first: the round and its kept count tables."""
    tables = []
    for number, round_ in enumerate(study_rounds(survey), start=1):
        answers, sizes = count_tables(survey_id=round_.pk)
        tables.append({"round": round_, "number": number, "answers": answers, "sizes": sizes})
    return tables


def paired_counts(*, survey: Survey) -> pd.DataFrame:
    """The answers of the experts counted in both this round and the one before (joined
    through Invitation.previous), by (statement, previous value, value): -88 is "I don't
    know"; a blank on either side drops the pair."""
    sql = (
        f"SELECT a2.statement_id, a1.value, a2.value, count(*) FROM {ANSWERS} a2 "  # noqa: S608
        f"JOIN {RESPONSES} r2 ON r2.id = a2.response_id "
        f"JOIN {INVITATIONS} i2 ON i2.id = r2.invitation_id "
        f"JOIN {INVITATIONS} i1 ON i1.id = i2.previous_id "
        f"JOIN {RESPONSES} r1 ON r1.invitation_id = i1.id "
        f"JOIN {ANSWERS} a1 ON a1.response_id = r1.id AND a1.statement_id = a2.statement_id "
        f"WHERE i2.survey_id = %s AND {_counted('r2', 'i2')} AND {_counted('r1', 'i1')} "
        f"AND a1.value IS NOT NULL AND a2.value IS NOT NULL GROUP BY 1, 2, 3"
    )
    return _frame(sql, [survey.pk, False, False], ["statement_id", "before", "after", "n"])


def _next_counted() -> str:
    return (
        f"LEFT JOIN {INVITATIONS} i2 ON i2.previous_id = i1.id "
        f"LEFT JOIN {RESPONSES} r2 ON r2.invitation_id = i2.id AND r2.submitted_at IS NOT NULL "
        f"AND r2.withdrawn_at IS NULL"
    )


def attrition_counts(*, survey: Survey) -> pd.DataFrame:
    """The counted respondents of `survey` (a round with a next one) by assigned sector and
    whether they were counted in the next round (stayed 1) or not (0)."""
    sql = (
        f"SELECT e.sector, CASE WHEN r2.id IS NULL THEN 0 ELSE 1 END, count(*) "  # noqa: S608
        f"FROM {RESPONSES} r1 JOIN {INVITATIONS} i1 ON i1.id = r1.invitation_id "
        f"JOIN {EXPERTS} e ON e.id = i1.expert_id {_next_counted()} "
        f"WHERE i1.survey_id = %s AND {_counted('r1', 'i1')} GROUP BY 1, 2"
    )
    import pandas as pd

    with connection.cursor() as cursor:
        cursor.execute(sql, [survey.pk, False])
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["sector", "stayed", "n"])
    return frame.astype({"sector": object, "stayed": "int64", "n": "int64"})


def stayer_answer_counts(*, survey: Survey) -> pd.DataFrame:
    """The answers of `survey`'s counted respondents by (stayed, statement, value), stayed as
    in `attrition_counts`."""
    sql = (
        f"SELECT CASE WHEN r2.id IS NULL THEN 0 ELSE 1 END, a1.statement_id, a1.value, "  # noqa: S608
        f"count(*) FROM {RESPONSES} r1 JOIN {INVITATIONS} i1 ON i1.id = r1.invitation_id "
        f"JOIN {ANSWERS} a1 ON a1.response_id = r1.id {_next_counted()} "
        f"WHERE i1.survey_id = %s AND {_counted('r1', 'i1')} AND a1.value IS NOT NULL "
        f"GROUP BY 1, 2, 3"
    )
    return _frame(sql, [survey.pk, False], ["stayed", "statement_id", "value", "n"])


def study_state(*, survey: Survey) -> str:
    """A fingerprint of what the analysis across rounds reads: each round's counted responses
    (how many, the latest submission and withdrawal) and the rules that shape the tables.
    It changes whenever a figure across the rounds could; one aggregate query per round."""
    parts = []
    for round_ in study_rounds(survey):
        counted = Response.objects.filter(invitation__survey=round_)
        state = counted.aggregate(
            submitted=Count("submitted_at"),
            last=Max("submitted_at"),
            withdrawn=Count("withdrawn_at"),
            last_withdrawn=Max("withdrawn_at"),
        )
        parts.append(
            f"{round_.pk}:{sorted(state.items())}:{round_.consensus_rule}:{round_.min_group_size}"
        )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
