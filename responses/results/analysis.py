"""Aggregate results, computed exactly from count tables. Pure: count tables in, plain data
out; no queries, no transactions (results/selectors.py reads the tables).

Answers take six values, so every figure here follows from how many answers each statement
(and each group) got of each value. Those counts, by (group key, statement, value), where
the group key packs assigned sector × stated sector × gender (results/group_keys.py), are
kept as answers are submitted (results/services/counts.py), so the results read a few
thousand rows instead of counting every answer. Every table, group view and test
below is a marginal of that crossed table, computed with pandas and numpy. Nothing is
computed row by row.

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
  view, test and export, and so are the groups that would let a reader recover one of them
  by subtraction (complementary suppression, results/suppression.py).
"""

import hashlib
import math

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ..choices import DONT_KNOW, GENDERS, SECTOR_GROUPS
from . import suppression

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


def mann_whitney_many(first: np.ndarray, second: np.ndarray) -> dict[str, np.ndarray]:
    """Mann–Whitney U per row of two groups' counts of -2..2, exact with ties (midranks),
    and the two-sided p-value of scipy's asymptotic method (normal, tie-corrected,
    continuity-corrected). Effect size: rank-biserial correlation, positive when the first
    group agrees more. NaN where a group has no answers."""
    first = np.asarray(first, dtype=float).reshape(-1, 5)
    second = np.asarray(second, dtype=float).reshape(-1, 5)
    n1, n2 = first.sum(axis=1), second.sum(axis=1)
    below = np.cumsum(second, axis=1) - second
    u = (first * (below + 0.5 * second)).sum(axis=1)
    ties = first + second
    n = n1 + n2
    with np.errstate(invalid="ignore", divide="ignore"):
        tie_term = (ties**3 - ties).sum(axis=1) / (n * (n - 1))
        sigma = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term))
        z = np.maximum(np.abs(u - n1 * n2 / 2) - 0.5, 0) / sigma
        p = np.where(sigma > 0, np.minimum(1.0, 2 * scipy_stats.norm.sf(z)), 1.0)
        effect = 2 * u / (n1 * n2) - 1
    empty = (n1 == 0) | (n2 == 0)
    nan = np.full(len(u), np.nan)
    return {
        "u": np.where(empty, nan, u),
        "p": np.where(empty, nan, p),
        "effect": np.where(empty, nan, effect),
    }


def mann_whitney(first, second) -> dict:
    return {key: _clean(values[0]) for key, values in mann_whitney_many(first, second).items()}


def chi_square_many(tables: np.ndarray) -> dict[str, np.ndarray]:
    """Chi-square test of independence of groups and answers for each table (tables ×
    groups × answers), as scipy's chi2_contingency without continuity correction on the
    table with its empty rows and columns dropped; Cramér's V as the effect size. NaN where
    fewer than two groups or two answers remain."""
    observed = np.asarray(tables, dtype=float)
    rows, columns = observed.sum(axis=2), observed.sum(axis=1)
    total = rows.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = rows[:, :, None] * columns[:, None, :] / total[:, None, None]
        cells = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)
    chi2 = cells.sum(axis=(1, 2))
    r, c = (rows > 0).sum(axis=1), (columns > 0).sum(axis=1)
    dof = (r - 1) * (c - 1)
    valid = (r >= 2) & (c >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = scipy_stats.chi2.sf(chi2, np.maximum(dof, 1))
        v = np.sqrt(chi2 / (total * (np.minimum(r, c) - 1)))
    nan = np.full(len(chi2), np.nan)
    return {
        "chi2": np.where(valid, chi2, nan),
        "dof": np.where(valid, dof, nan),
        "p": np.where(valid, p, nan),
        "cramers_v": np.where(valid, v, nan),
    }


def chi_square(table) -> dict:
    return {key: _clean(values[0]) for key, values in chi_square_many([table]).items()}


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


def with_group_columns(sizes: pd.DataFrame) -> pd.DataFrame:
    """A copy of respondent counts by (assigned, stated, gender) with a column per grouping."""
    frame = sizes.copy()
    return _with_group_keys(frame, frame)[1]


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


def _cube(answers: pd.DataFrame, name: str, keys: list[str], ids: list[int]) -> np.ndarray:
    """Counts as an array groups × statements × six answers."""
    cube = np.zeros((len(keys), len(ids), 6))
    if keys and not answers.empty:
        counts = _matrix(answers[answers[name].isin(keys)], ids, [name])
        index = pd.MultiIndex.from_product([keys, ids])
        cube = counts.reindex(index, fill_value=0).to_numpy(dtype=float)
        cube = cube.reshape(len(keys), len(ids), 6)
    return cube


def withheld_by_grouping(sizes: pd.DataFrame, min_size: int) -> dict[str, dict[str, str]]:
    """The groups each grouping withholds: too small, or able to give a small one away by
    subtraction (results/suppression.py)."""
    keys = {name: [key for key, _ in spec["groups"]] for name, spec in GROUPINGS.items()}
    return suppression.withheld_groups(sizes, keys, min_size)


def group_view(
    name: str, answers, sizes, statements: list[dict], min_size: int, withheld=None
) -> dict:
    spec = GROUPINGS[name]
    if withheld is None:
        withheld = withheld_by_grouping(sizes, min_size)[name]
    size_by_key = sizes.groupby(name)["n"].sum() if len(sizes) else pd.Series(dtype=int)
    shown = [
        {"key": key, "label": label, "respondents": int(size_by_key.get(key, 0))}
        for key, label in spec["groups"]
        if key not in withheld and int(size_by_key.get(key, 0)) >= min_size
    ]
    keys = [group["key"] for group in shown]
    cube = _cube(answers, name, keys, [statement["id"] for statement in statements])
    figures = statistics(cube.reshape(-1, 6))
    shape = (len(keys), len(statements))
    figures = {key: values.reshape(shape) for key, values in figures.items()}
    chi = chi_square_many(cube.transpose(1, 0, 2))
    pair = spec["pair"] if spec["pair"] and all(key in keys for key in spec["pair"]) else None
    mwu = None
    if pair:
        first, second = keys.index(pair[0]), keys.index(pair[1])
        mwu = mann_whitney_many(cube[first, :, :5], cube[second, :, :5])
    rows = [
        _group_row(i, statement, keys, figures, chi, mwu) for i, statement in enumerate(statements)
    ]
    _adjust(rows, "chi_square")
    if pair:
        _adjust(rows, "mann_whitney")
    return {
        "name": name,
        "label": spec["label"],
        "groups": shown,
        "withheld_groups": len(withheld),
        "withheld_complementary": sum(1 for why in withheld.values() if why != "small"),
        "pair": list(pair) if pair else None,
        "statements": rows,
    }


def _group_row(i: int, statement: dict, keys, figures, chi, mwu) -> dict:
    means = {
        key: {
            "n": int(figures["n"][g, i]),
            "m": int(figures["m"][g, i]),
            "mean": _clean(figures["mean"][g, i]),
            "se": _clean(figures["se"][g, i]),
            "total_agree_pct": _clean(figures["total_agree_pct"][g, i]),
            "counts": {name: int(figures[name][g, i]) for name in OPTION_NAMES},
        }
        for g, key in enumerate(keys)
    }
    row = {"statement": statement["number"], "title": statement["title"], "groups": means}
    row["chi_square"] = {key: _clean(values[i]) for key, values in chi.items()}
    if row["chi_square"]["dof"] is not None:
        row["chi_square"]["dof"] = int(row["chi_square"]["dof"])
    if mwu is not None:
        row["mann_whitney"] = {key: _clean(values[i]) for key, values in mwu.items()}
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
    cells = answers.assign(statement=answers["statement_id"].map(numbers).fillna(-1))
    cells = cells[KEY_COLUMNS + ["statement", "value", "n"]].astype({"statement": "int64"})
    cells = cells.sort_values(KEY_COLUMNS + ["statement", "value"]).to_csv(index=False)
    groups = sizes[KEY_COLUMNS + ["n"]].sort_values(KEY_COLUMNS).to_csv(index=False)
    return hashlib.sha256(f"{cells}\n{groups}".encode()).hexdigest()


def results_tables(answers, sizes, statements: list[dict], min_group_size: int) -> dict:
    """Every table of the results page and exports, as plain JSON-ready data."""
    numbers = {statement["id"]: statement["number"] for statement in statements}
    digest = fingerprint(answers, sizes, numbers)
    respondents = int(sizes["n"].sum()) if len(sizes) else 0
    answers, sizes = _with_group_keys(answers.copy(), sizes.copy())
    ids = [statement["id"] for statement in statements]
    rows = statement_table(_matrix(answers, ids), statements)
    withheld = withheld_by_grouping(sizes, min_group_size)
    groups = [
        group_view(name, answers, sizes, statements, min_group_size, withheld[name])
        for name in GROUPINGS
    ]
    return {
        "fingerprint": digest,
        "respondents": respondents,
        "min_group_size": min_group_size,
        "headline": headline(rows, respondents),
        "statements": rows,
        "groups": groups,
    }
