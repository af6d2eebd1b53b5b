"""Reads of the results: the kept count tables as DataFrames, whether they can be trusted,
the survey's statements, its latest snapshot and its recompute jobs."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count

from ...choices import SCALE, SECTOR_GROUPS
from ...models import (
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
from .. import group_keys

if TYPE_CHECKING:  # pandas is loaded where the tables are read, not at start-up
    import pandas as pd

JOB_RECOMPUTE = "results.recompute"

CELLS = AnswerCount._meta.db_table
SIZES = GroupSize._meta.db_table


def counts_fresh(*, survey_id: int) -> bool:
    """Whether the kept counts can be trusted: they count as many respondents as the survey
    has counted responses (submitted, not tests, not withdrawn: group_keys.UNCOUNTED_SQL),
    and none of them is negative. One statement, so both sides are read at the same
    moment."""
    sql = (
        f"SELECT (SELECT COALESCE(SUM(n), 0) FROM {SIZES} WHERE survey_id = %s), "  # noqa: S608
        f"(SELECT count(*) FROM {Response._meta.db_table} r "
        f"JOIN {Invitation._meta.db_table} i ON i.id = r.invitation_id "
        f"WHERE i.survey_id = %s AND NOT ({group_keys.UNCOUNTED_SQL})), "
        f"(SELECT count(*) FROM {SIZES} WHERE survey_id = %s AND n < 0) "
        f"+ (SELECT count(*) FROM {CELLS} WHERE survey_id = %s AND n < 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [survey_id, survey_id, True, survey_id, survey_id])
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
    import numpy as np

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
    import pandas as pd  # after the query: a first computation imports it meanwhile

    frame = pd.DataFrame(rows, columns=["k", "statement_id", "value", "n"])
    # In key order, as a count in index order returned them: the same input, row for row.
    frame = frame.sort_values(["k", "statement_id", "value"], kind="stable")
    is_size = frame["statement_id"].isna()
    answers = _decode(frame[~is_size].astype("int64"))
    sizes = _decode(frame.loc[is_size, ["k", "n"]].astype("int64"))
    return answers.reset_index(drop=True), sizes.reset_index(drop=True)


def count_tables_with_tests(*, survey: Survey) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The kept count tables plus the researchers' submitted test responses, counted from
    their answers for one page (`?tests=1`): never kept, never stored in a snapshot."""
    import pandas as pd

    cells, sizes = Counter(), Counter()
    tests = counted_responses(survey=survey, include_tests=True).filter(invitation__is_test=True)
    for response in tests.select_related("invitation__expert").prefetch_related("answers"):
        key = group_keys.group_key(
            assigned=response.invitation.expert.sector,
            sectors=response.sectors,
            gender=response.gender,
        )
        sizes[key] += 1
        for answer in response.answers.all():
            if answer.value is not None:
                cells[(key, answer.statement_id, answer.value)] += 1
    answers, groups = count_tables(survey_id=survey.pk)
    extra = pd.DataFrame(
        [(k, st, v, n) for (k, st, v), n in cells.items()],
        columns=["k", "statement_id", "value", "n"],
    ).astype("int64")
    extra_sizes = pd.DataFrame(list(sizes.items()), columns=["k", "n"]).astype("int64")
    return _summed(answers, _decode(extra)), _summed(groups, _decode(extra_sizes))


def _summed(kept: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    keys = [column for column in kept.columns if column != "n"]
    both = pd.concat([kept, extra[kept.columns]], ignore_index=True)
    return both.groupby(keys, as_index=False, sort=True)["n"].sum()


def survey_statements(*, survey: Survey) -> list[dict]:
    return list(survey.statements.order_by("number").values("id", "number", "title"))


def submitted_count(*, survey: Survey) -> int:
    return Response.objects.filter(invitation__survey=survey, submitted_at__isnull=False).count()


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
        f"WHERE i.survey_id = %s AND NOT ({group_keys.UNCOUNTED_SQL}) GROUP BY 1, 2, 3"
    )


def order_counts(*, survey_id: int) -> pd.DataFrame:
    """Counts by (statement, position shown, value) of the counted responses (submitted, not
    tests, not withdrawn: group_keys.UNCOUNTED_SQL), value -99 where a statement was shown
    and left blank. One grouped statement over every counted answer: it costs more than a
    recount (bench/analysis.py times it)."""
    with connection.cursor() as cursor:
        cursor.execute(_order_sql(), [survey_id, True])
        rows = cursor.fetchall()
    import pandas as pd  # after the query: a first computation imports it meanwhile

    frame = pd.DataFrame(rows, columns=["statement_id", "position", "value", "n"])
    return frame.astype("int64")


# ---------------------------------------------------------------- comments

OPEN_ANSWER = "open"
COMMENT_HEADER = ["respondent", "sector", "statement", "title", "answer", "comment"]


def counted_responses(*, survey: Survey, include_tests: bool = False):
    """The responses the results count: submitted, not withdrawn, and not the researchers'
    tests unless asked for (group_keys.UNCOUNTED_SQL)."""
    responses = Response.objects.filter(
        invitation__survey=survey, submitted_at__isnull=False, withdrawn_at__isnull=True
    )
    return responses if include_tests else responses.filter(invitation__is_test=False)


def comment_sectors(*, survey: Survey) -> list[tuple[str, str]]:
    """The assigned sectors a comment list may be narrowed to: those with at least the
    survey's minimum group size of counted respondents (a smaller one could name them)."""
    sizes = dict(
        counted_responses(survey=survey)
        .order_by()
        .values_list("invitation__expert__sector")
        .annotate(n=Count("pk"))
    )
    return [
        (code, label)
        for code, label in SECTOR_GROUPS
        if sizes.get(code, 0) >= survey.min_group_size
    ]


def _comment_answers(survey, responses, statement_id):
    answers = (
        Answer.objects.filter(response__in=responses)
        .exclude(comment="")
        .select_related("statement", "response__invitation__expert")
        .order_by("statement__number", "response__pseudonym")
    )
    return answers.filter(statement_id=statement_id) if statement_id else answers


def comment_rows(
    *, survey: Survey, statement: str = "", sector: str = "", include_tests: bool = False
) -> list[dict]:
    """Every per-statement comment and open answer of the counted responses, by statement
    then respondent; `statement` a statement's id or OPEN_ANSWER, `sector` one of
    `comment_sectors` (callers check it)."""
    responses = counted_responses(survey=survey, include_tests=include_tests)
    if sector:
        responses = responses.filter(invitation__expert__sector=sector)
    shown = dict(comment_sectors(survey=survey))
    labels = dict(SCALE)
    rows = []
    if statement != OPEN_ANSWER:
        statement_id = int(statement) if statement.isdecimal() else None
        for answer in _comment_answers(survey, responses, statement_id):
            rows.append(
                _comment_row(
                    answer.response,
                    shown,
                    answer.statement.number,
                    answer.statement.title,
                    labels.get(answer.value, ""),
                    answer.comment,
                )
            )
    if statement in ("", OPEN_ANSWER):
        opened = responses.exclude(open_answer="").select_related("invitation__expert")
        for response in opened.order_by("pseudonym"):
            rows.append(
                _comment_row(response, shown, "", "Open question", "", response.open_answer)
            )
    return rows


def _comment_row(response, shown, number, title, answer, text) -> dict:
    sector = response.invitation.expert.sector
    return {
        "respondent": response.pseudonym,
        "invitation_id": response.invitation_id,
        # A sector under the minimum group size is never shown beside a comment either.
        "sector": shown.get(sector, ""),
        "statement": number,
        "title": title,
        "answer": answer,
        "comment": text,
    }


def comment_export_rows(rows: list[dict]):
    yield list(COMMENT_HEADER)
    for row in rows:
        yield [row[key] for key in COMMENT_HEADER]
