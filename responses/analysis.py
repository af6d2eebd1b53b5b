"""Aggregate results, computed exactly from count tables.

Answers take six values, so every figure here follows from how many answers each statement
(and each group) got of each value. PostgreSQL or SQLite does the counting in ONE
`GROUP BY (assigned sector, stated sector, gender, statement, value)` over the submitted
responses; every table, group view and test below is a marginal of that crossed table,
computed with pandas and numpy. Nothing is computed row by row.

Conventions (../shared/SURVEY.md):
- Only SUBMITTED responses count (Response.submitted_at set); a saved but unsubmitted
  questionnaire is not a respondent.
- An answer whose value is NULL is "not answered" and excluded from everything.
- The percentage base n includes "I don't know" (-88); mean, median, variance (ddof=1),
  SE = SD / sqrt(m), Q1/Q3 (linear interpolation, numpy's default) exclude it.
- Stated sector (several may be chosen) collapses as in the paper, by priority:
  AGI lab, then academia, then civil society (think tank or nonprofit), then other (other
  tech company, government, consulting firm, other), then "prefer not to say". So a
  respondent who ticked both "AGI lab" and "academia" counts as AGI lab.
- Groups with fewer respondents than Survey.min_group_size are withheld from every group
  view, test and export.
"""

import hashlib
import json
import math

import numpy as np
import pandas as pd
from django.db import connection
from scipy import stats as scipy_stats

from .models import DONT_KNOW, GENDERS, SECTOR_GROUPS, Answer, Expert, Invitation, Response

CODE_VERSION = "analysis-1"

VALUES = [-2, -1, 0, 1, 2]
OPTIONS = [
    ("strongly_disagree", -2),
    ("somewhat_disagree", -1),
    ("neither", 0),
    ("somewhat_agree", 1),
    ("strongly_agree", 2),
    ("dont_know", DONT_KNOW),
]
OPTION_NAMES = [name for name, _ in OPTIONS]
RESULT_COLUMNS = (
    ["statement", "title", "n"]
    + OPTION_NAMES
    + [f"pct_{name}" for name in OPTION_NAMES]
    + ["total_agree_pct", "total_disagree_pct", "mean", "median", "variance", "se", "q1", "q3"]
)
EXTRA_COLUMNS = ["iqr", "dont_know_pct", "polarisation"]

# Stated sector codes → collapsed group, in priority order (first match wins).
STATED_COLLAPSE = [
    ("agi_lab", ["agi_lab"]),
    ("academia", ["academia"]),
    ("civil_society", ["think_tank", "nonprofit"]),
    ("other", ["tech_company", "government", "consulting", "other"]),
    ("prefer_not_to_say", ["prefer_not_to_say"]),
]
STATED_GROUPS = [("agi_lab", "AGI lab"), ("academia", "Academia")] + [
    ("civil_society", "Civil society"),
    ("other", "Other"),
]
GROUPINGS = {
    "assigned_sector": {
        "label": "Sector (assigned by the researchers)",
        "groups": SECTOR_GROUPS,
        "pair": None,
    },
    "stated_sector": {"label": "Sector (stated, collapsed)", "groups": STATED_GROUPS, "pair": None},
    "gender": {"label": "Gender", "groups": GENDERS[:3], "pair": ("man", "woman")},
    "agi_lab_vs_rest": {
        "label": "AGI lab against everyone else",
        "groups": [("agi_lab", "AGI lab"), ("rest", "Everyone else")],
        "pair": ("agi_lab", "rest"),
    },
}
KEY_COLUMNS = ["assigned", "stated", "gender"]


def stated_sector(sectors) -> str:
    """The collapsed group of a list of stated sector codes (Python twin of the SQL)."""
    chosen = set(sectors or [])
    for group, codes in STATED_COLLAPSE:
        if chosen.intersection(codes):
            return group
    return ""


def _stated_case_sql() -> tuple[str, list[str]]:
    # JSON lists as text on both databases, e.g. ["agi_lab", "academia"]; the quoted codes
    # cannot overlap, so LIKE '%"code"%' is an exact membership test.
    whens, params = [], []
    for group, codes in STATED_COLLAPSE:
        whens.append(
            "WHEN " + " OR ".join("CAST(r.sectors AS text) LIKE %s" for _ in codes) + " THEN %s"
        )
        params += [f'%"{code}"%' for code in codes] + [group]
    return "CASE " + " ".join(whens) + " ELSE '' END", params


def _respondents_sql(survey_id: int) -> tuple[str, list]:
    # Only table names from the models are formatted in; every value is a parameter.
    case, params = _stated_case_sql()
    sql = (
        f"SELECT r.id AS id, COALESCE(e.sector, '') AS assigned, {case} AS stated, "  # noqa: S608
        f"COALESCE(r.gender, '') AS gender "
        f"FROM {Response._meta.db_table} r "
        f"JOIN {Invitation._meta.db_table} i ON i.id = r.invitation_id "
        f"JOIN {Expert._meta.db_table} e ON e.id = i.expert_id "
        f"WHERE i.survey_id = %s AND r.submitted_at IS NOT NULL"
    )
    return sql, params + [survey_id]


def count_tables(*, survey_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answer counts by keys × statement × value, respondent counts by keys): two queries."""
    respondents, params = _respondents_sql(survey_id)
    answers_sql = (
        f"WITH resp AS ({respondents}) "  # noqa: S608
        f"SELECT resp.assigned, resp.stated, resp.gender, a.statement_id, a.value, count(*) "
        f"FROM {Answer._meta.db_table} a JOIN resp ON a.response_id = resp.id "
        f"WHERE a.value IS NOT NULL GROUP BY 1, 2, 3, 4, 5"
    )
    sizes_sql = "SELECT assigned, stated, gender, count(*) FROM (" + respondents  # noqa: S608
    sizes_sql += ") t GROUP BY 1, 2, 3"
    with connection.cursor() as cursor:
        cursor.execute(answers_sql, params)
        answers = cursor.fetchall()
        cursor.execute(sizes_sql, params)
        sizes = cursor.fetchall()
    answers = pd.DataFrame(answers, columns=KEY_COLUMNS + ["statement_id", "value", "n"])
    sizes = pd.DataFrame(sizes, columns=KEY_COLUMNS + ["n"])
    return answers, sizes


# ---------------------------------------------------------------- statistics from counts


def _value_at(cumulative: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The value at 0-based position `index` of each row's sorted answers."""
    position = (cumulative > index[:, None]).argmax(axis=1)
    return np.asarray(VALUES, dtype=float)[position]


def _quantile(counts: np.ndarray, p: float) -> np.ndarray:
    """numpy's default (linear) quantile, from the counts of -2..2 per row."""
    m = counts.sum(axis=1)
    cumulative = counts.cumsum(axis=1)
    h = np.maximum(m - 1, 0) * p
    lo = np.floor(h)
    hi = np.minimum(lo + 1, np.maximum(m - 1, 0))
    low, high = _value_at(cumulative, lo), _value_at(cumulative, hi)
    return np.where(m > 0, low + (h - lo) * (high - low), np.nan)


def statistics(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per row of six counts (OPTIONS order), every per-statement figure. NaN = undefined."""
    counts = np.asarray(counts, dtype=float).reshape(-1, 6)
    scale, dont_know = counts[:, :5], counts[:, 5]
    n = counts.sum(axis=1)
    m = scale.sum(axis=1)
    values = np.asarray(VALUES, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100 * counts / n[:, None]
        mean = (scale * values).sum(axis=1) / m
        squares = (scale * (values[None, :] - mean[:, None]) ** 2).sum(axis=1)
        variance = np.where(m > 1, squares / (m - 1), np.nan)
        se = np.sqrt(variance / m)
        polarisation = 2 * np.minimum(scale[:, 0], scale[:, 4]) / m
    q1, q3 = _quantile(scale, 0.25), _quantile(scale, 0.75)
    figures = {"n": n, "m": m}
    for i, name in enumerate(OPTION_NAMES):
        figures[name] = counts[:, i]
        figures[f"pct_{name}"] = pct[:, i]
    figures.update(
        total_agree_pct=pct[:, 3] + pct[:, 4],
        total_disagree_pct=pct[:, 0] + pct[:, 1],
        mean=mean,
        median=_quantile(scale, 0.5),
        variance=variance,
        se=se,
        q1=q1,
        q3=q3,
        iqr=q3 - q1,
        dont_know_pct=100 * dont_know / np.where(n > 0, n, np.nan),
        polarisation=polarisation,
    )
    return figures


def mann_whitney(first: np.ndarray, second: np.ndarray) -> dict:
    """Mann–Whitney U of two groups given their counts of -2..2, exact with ties (midranks),
    and the two-sided p-value of scipy's asymptotic method (normal, tie-corrected,
    continuity-corrected). Effect size: rank-biserial correlation, positive when the first
    group agrees more."""
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    n1, n2 = first.sum(), second.sum()
    if n1 == 0 or n2 == 0:
        return {"u": None, "p": None, "effect": None}
    below = np.concatenate([[0], np.cumsum(second)[:-1]])
    u = float((first * (below + 0.5 * second)).sum())
    ties = first + second
    n = n1 + n2
    tie_term = ((ties**3 - ties).sum()) / (n * (n - 1))
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term))
    effect = float(2 * u / (n1 * n2) - 1)
    if sigma == 0:
        return {"u": u, "p": 1.0, "effect": effect}
    mu = n1 * n2 / 2
    z = (abs(u - mu) - 0.5) / sigma
    p = float(min(1.0, 2 * scipy_stats.norm.sf(max(z, 0.0))))
    return {"u": u, "p": p, "effect": effect}


def chi_square(table: np.ndarray) -> dict:
    """Chi-square test of independence of groups (rows) and answers (columns), with
    Cramér's V as the effect size; empty rows and columns are dropped first."""
    table = np.asarray(table, dtype=float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return {"chi2": None, "dof": None, "p": None, "cramers_v": None}
    result = scipy_stats.chi2_contingency(table, correction=False)
    total = table.sum()
    v = math.sqrt(result.statistic / (total * (min(table.shape) - 1)))
    return {"chi2": float(result.statistic), "dof": int(result.dof), "p": float(result.pvalue)} | {
        "cramers_v": v
    }


def holm(pvalues: list) -> list:
    """Holm's step-down adjustment; None stays None."""
    present = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    adjusted: list = [None] * len(pvalues)
    running, k = 0.0, len(present)
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (k - rank) * p))
        adjusted[i] = running
    return adjusted


# ---------------------------------------------------------------- tables


def _clean(value):
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) else value
    if isinstance(value, np.integer):
        return int(value)
    return value


def _matrix(answers: pd.DataFrame, statement_ids: list[int], by: list[str] | None = None):
    """Counts as a DataFrame indexed by [by..., statement_id], columns the six values."""
    keys = (by or []) + ["statement_id"]
    columns = [value for _, value in OPTIONS]
    if answers.empty:
        index = pd.Index(statement_ids, name="statement_id") if not by else None
        return pd.DataFrame(0, index=index if index is not None else [], columns=columns)
    table = answers.groupby(keys + ["value"])["n"].sum().unstack("value", fill_value=0)
    table = table.reindex(columns=columns, fill_value=0)
    if not by:
        table = table.reindex(statement_ids, fill_value=0)
    return table


def _with_group_keys(answers: pd.DataFrame, sizes: pd.DataFrame) -> tuple:
    for frame in (answers, sizes):
        frame["assigned_sector"] = frame["assigned"]
        frame["stated_sector"] = frame["stated"]
        frame["agi_lab_vs_rest"] = np.where(frame["stated"] == "agi_lab", "agi_lab", "rest")
    return answers, sizes


def statement_table(counts: pd.DataFrame, statements: list[dict]) -> list[dict]:
    figures = statistics(counts.to_numpy())
    rows = []
    for i, statement in enumerate(statements):
        row = {"statement": statement["number"], "title": statement["title"]}
        row.update({key: _clean(values[i]) for key, values in figures.items()})
        for name in ["n", "m"] + OPTION_NAMES:
            row[name] = int(row[name])
        rows.append(row)
    return rows


def group_view(name: str, answers, sizes, statements: list[dict], min_size: int) -> dict:
    spec = GROUPINGS[name]
    size_by_key = sizes.groupby(name)["n"].sum()
    shown, withheld = [], 0
    for key, label in spec["groups"]:
        size = int(size_by_key.get(key, 0))
        if size >= min_size:
            shown.append({"key": key, "label": label, "respondents": size})
        elif size:
            withheld += 1
    keys = [group["key"] for group in shown]
    ids = [statement["id"] for statement in statements]
    counts = _matrix(answers[answers[name].isin(keys)], ids, [name]) if keys else None
    rows = []
    for statement in statements:
        rows.append(_group_row(statement, counts, keys))
    _adjust(rows, "chi_square")
    pair = spec["pair"]
    if pair and all(key in keys for key in pair):
        for row in rows:
            row["mann_whitney"] = mann_whitney(row.pop("_first"), row.pop("_second"))
        _adjust(rows, "mann_whitney")
    for row in rows:
        row.pop("_first", None), row.pop("_second", None)
    pair_shown = bool(pair and all(key in keys for key in pair))
    return {
        "name": name,
        "label": spec["label"],
        "groups": shown,
        "withheld_groups": withheld,
        "pair": list(pair) if pair_shown else None,
        "statements": rows,
    }


def _group_row(statement: dict, counts, keys: list[str]) -> dict:
    table = np.zeros((len(keys), 6))
    for i, key in enumerate(keys):
        if (key, statement["id"]) in counts.index:
            table[i] = counts.loc[(key, statement["id"])].to_numpy()
    figures = statistics(table)
    means = {
        key: {
            "n": int(figures["n"][i]),
            "m": int(figures["m"][i]),
            "mean": _clean(figures["mean"][i]),
            "se": _clean(figures["se"][i]),
            "total_agree_pct": _clean(figures["total_agree_pct"][i]),
        }
        for i, key in enumerate(keys)
    }
    row = {"statement": statement["number"], "title": statement["title"], "groups": means}
    row["chi_square"] = chi_square(table)
    if len(keys) >= 2:
        row["_first"], row["_second"] = table[0, :5], table[1, :5]
    return row


def _adjust(rows: list[dict], test: str) -> None:
    adjusted = holm([row[test]["p"] for row in rows])
    for row, p in zip(rows, adjusted, strict=True):
        row[test]["p_holm"] = p
        row[test]["significant"] = p is not None and p < 0.05


def headline(rows: list[dict], respondents: int) -> dict:
    agree = [row["total_agree_pct"] for row in rows if row["total_agree_pct"] is not None]
    return {
        "respondents": respondents,
        "statements": len(rows),
        "average_total_agree_pct": sum(agree) / len(agree) if agree else None,
        "majority_agreement": sum(1 for value in agree if value > 50),
    }


def fingerprint(answers: pd.DataFrame, sizes: pd.DataFrame, numbers: dict[int, int]) -> str:
    """SHA-256 of the count tables in a canonical order: the same answers give the same
    fingerprint on any database, in any survey with the same statements."""
    cells = sorted(
        [a, s, g, numbers.get(int(st), -1), int(v), int(n)]
        for a, s, g, st, v, n in answers[KEY_COLUMNS + ["statement_id", "value", "n"]].itertuples(
            index=False
        )
    )
    groups = sorted([a, s, g, int(n)] for a, s, g, n in sizes.itertuples(index=False))
    text = json.dumps({"answers": cells, "respondents": groups}, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def results_tables(answers, sizes, statements: list[dict], min_group_size: int) -> dict:
    """Every table of the results page and exports, as plain JSON-ready data."""
    numbers = {statement["id"]: statement["number"] for statement in statements}
    digest = fingerprint(answers, sizes, numbers)
    respondents = int(sizes["n"].sum()) if len(sizes) else 0
    answers, sizes = _with_group_keys(answers.copy(), sizes.copy())
    ids = [statement["id"] for statement in statements]
    rows = statement_table(_matrix(answers, ids), statements)
    groups = [group_view(name, answers, sizes, statements, min_group_size) for name in GROUPINGS]
    return {
        "fingerprint": digest,
        "respondents": respondents,
        "min_group_size": min_group_size,
        "headline": headline(rows, respondents),
        "statements": rows,
        "groups": groups,
    }
