"""Reads of the results: the kept count tables as DataFrames, whether they can be trusted,
the survey's statements, its latest snapshot and its recompute jobs."""

import numpy as np
import pandas as pd
from django.db import connection

from ..models import (
    Answer,
    AnswerCount,
    ConsensusDeviation,
    GroupSize,
    Invitation,
    Job,
    Response,
    ResultsSnapshot,
    Survey,
)
from . import group_keys

JOB_RECOMPUTE = "results.recompute"

CELLS = AnswerCount._meta.db_table
SIZES = GroupSize._meta.db_table


def counts_fresh(*, survey_id: int) -> bool:
    """Whether the kept counts can be trusted: they count as many respondents as the survey
    has submitted responses, and none of them is negative. One statement, so both sides are
    read at the same moment."""
    sql = (
        f"SELECT (SELECT COALESCE(SUM(n), 0) FROM {SIZES} WHERE survey_id = %s), "  # noqa: S608
        f"(SELECT count(*) FROM {Response._meta.db_table} r "
        f"JOIN {Invitation._meta.db_table} i ON i.id = r.invitation_id "
        f"WHERE i.survey_id = %s AND r.submitted_at IS NOT NULL), "
        f"(SELECT count(*) FROM {SIZES} WHERE survey_id = %s AND n < 0) "
        f"+ (SELECT count(*) FROM {CELLS} WHERE survey_id = %s AND n < 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [survey_id] * 4)
        kept, submitted, negative = cursor.fetchone()
    return kept == submitted and negative == 0


def _counts_sql(survey_id: int) -> tuple[str, list]:
    """One statement, so answers and respondents come from the same moment: the kept answer
    counts by (key, statement, value), then the kept respondent counts by key (statement
    NULL). Cells at zero (a group emptied by a regrouping) are left out, as a count would."""
    sql = (
        f"SELECT group_key, statement_id, value, n "  # noqa: S608
        f"FROM {CELLS} WHERE survey_id = %s AND n > 0 "
        f"UNION ALL SELECT group_key, NULL, NULL, n "
        f"FROM {SIZES} WHERE survey_id = %s AND n > 0"
    )
    return sql, [survey_id, survey_id]


def _decode(frame: pd.DataFrame) -> pd.DataFrame:
    k = frame.pop("k").to_numpy(dtype=np.int64)
    g1, g2 = group_keys.GENDER_SPAN, group_keys.STATED_SPAN
    frame.insert(0, "gender", np.asarray(group_keys.GENDER_KEYS, dtype=object)[k % g1])
    frame.insert(0, "stated", np.asarray(group_keys.STATED_KEYS, dtype=object)[(k % g2) // g1])
    frame.insert(0, "assigned", np.asarray(group_keys.ASSIGNED_KEYS, dtype=object)[k // g2])
    return frame


def count_tables(*, survey_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answer counts by keys × statement × value, respondent counts by keys), read from the
    counts kept at each submission (results/services/counts.py)."""
    sql, params = _counts_sql(survey_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["k", "statement_id", "value", "n"])
    # In key order, as a count in index order returned them: the same input, row for row.
    frame = frame.sort_values(["k", "statement_id", "value"], kind="stable")
    is_size = frame["statement_id"].isna()
    answers = _decode(frame[~is_size].astype("int64"))
    sizes = _decode(frame.loc[is_size, ["k", "n"]].astype("int64"))
    return answers.reset_index(drop=True), sizes.reset_index(drop=True)


def survey_statements(*, survey: Survey) -> list[dict]:
    return list(survey.statements.order_by("number").values("id", "number", "title"))


def snapshot_latest(*, survey: Survey) -> ResultsSnapshot | None:
    return ResultsSnapshot.objects.filter(survey=survey).order_by("-computed_at", "-pk").first()


def recompute_jobs(*, survey: Survey):
    return Job.objects.filter(survey=survey, kind=JOB_RECOMPUTE)


def consensus_deviations(*, survey: Survey):
    return list(
        ConsensusDeviation.objects.filter(survey=survey).select_related("actor").order_by("pk")
    )


def _order_sql() -> str:
    # Each response's statement_order expanded with its positions, joined to its answers;
    # a statement shown and not answered (no row, or a cleared one) counts as -99.
    responses, invitations = Response._meta.db_table, Invitation._meta.db_table
    answers = Answer._meta.db_table
    if connection.vendor == "postgresql":
        expand = (
            "CROSS JOIN LATERAL jsonb_array_elements_text(r.statement_order) "
            "WITH ORDINALITY AS o(sid, pos)"
        )
        sid, pos = "CAST(o.sid AS integer)", "o.pos"
    else:
        expand, sid, pos = (
            "JOIN json_each(r.statement_order) o",
            "CAST(o.value AS integer)",
            "o.key + 1",
        )
    return (
        f"SELECT {sid}, {pos}, COALESCE(a.value, -99), count(*) FROM {responses} r "  # noqa: S608
        f"JOIN {invitations} i ON i.id = r.invitation_id {expand} "
        f"LEFT JOIN {answers} a ON a.response_id = r.id AND a.statement_id = {sid} "
        f"AND a.value IS NOT NULL "
        f"WHERE i.survey_id = %s AND r.submitted_at IS NOT NULL GROUP BY 1, 2, 3"
    )


def order_counts(*, survey_id: int) -> pd.DataFrame:
    """Counts by (statement, position shown, value) of the submitted responses, value -99
    where a statement was shown and left blank. One grouped statement over every submitted
    answer: it costs more than a recount (bench/analysis.py times it)."""
    with connection.cursor() as cursor:
        cursor.execute(_order_sql(), [survey_id])
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["statement_id", "position", "value", "n"])
    return frame.astype("int64")
