"""Per-statement figures from counts of the six answers, vectorised over rows of counts.

Conventions (../shared/SURVEY.md): the percentage base n includes "I don't know" (-88);
mean, median, variance (ddof=1), SE = SD / sqrt(m), Q1/Q3 (linear interpolation, numpy's
default) exclude it. The intervals are 95%:
- total agreement: Wilson's score interval, in percent of the base n (DK included, as the
  percentage itself); Wald's interval fails at the 90-100% agreement these panels give;
- the mean: mean ± t(0.975, m - 1) · SE.
Tastle–Wierman consensus, 1 + Σ pᵢ log₂(1 − |xᵢ − μ|/4) over the five points (DK excluded),
is 1 when everyone gave the same answer and 0 for an even split between the two extremes.
It sits beside the old polarisation index, 2 · min(strongly agree, strongly disagree) / m,
which only sees the two extremes: a 50/50 split between "strongly disagree" and "somewhat
agree" scores 0 there, and 0.21 in Tastle–Wierman.
"""

import math

import numpy as np
import pandas as pd
from scipy import special

from ...choices import OPTION_NAMES, OPTIONS

VALUES = [-2, -1, 0, 1, 2]
RESULT_COLUMNS = (
    ["statement", "title", "n"]
    + OPTION_NAMES
    + [f"pct_{name}" for name in OPTION_NAMES]
    + ["total_agree_pct", "total_disagree_pct", "mean", "median", "variance", "se", "q1", "q3"]
)
INTERVAL_COLUMNS = [
    "agree_ci_low", "agree_ci_high", "mean_ci_low", "mean_ci_high", "iqr", "tastle_wierman",
]  # fmt: skip
EXTRA_COLUMNS = ["iqr", "dont_know_pct", "polarisation", "tastle_wierman"]
Z = float(special.ndtri(0.975))


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


def wilson(successes: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's 95% score interval of a proportion, as two arrays in percent."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / n
        centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
        half = Z / (1 + Z**2 / n) * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    empty = n <= 0
    low = np.where(empty, np.nan, 100 * np.maximum(centre - half, 0))
    high = np.where(empty, np.nan, 100 * np.minimum(centre + half, 1))
    return low, high


def t_interval(mean, se, m) -> tuple[np.ndarray, np.ndarray]:
    """mean ± t(0.975, m - 1) · SE; NaN below two answers."""
    m = np.asarray(m, dtype=float)
    with np.errstate(invalid="ignore"):
        t = special.stdtrit(np.where(m > 1, m - 1, np.nan), 0.975)
    return mean - t * se, mean + t * se


def tastle_wierman(scale: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """1 + Σ pᵢ log₂(1 − |xᵢ − μ|/4) per row of counts of -2..2; NaN without answers."""
    m = scale.sum(axis=1)
    values = np.asarray(VALUES, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = scale / m[:, None]
        logs = np.log2(1 - np.abs(values[None, :] - mean[:, None]) / 4)
        terms = np.where(p > 0, p * logs, 0.0)
    return np.where(m > 0, 1 + terms.sum(axis=1), np.nan)


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
    agree_low, agree_high = wilson(scale[:, 3] + scale[:, 4], n)
    mean_low, mean_high = t_interval(mean, se, m)
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
        tastle_wierman=tastle_wierman(scale, mean),
        agree_ci_low=agree_low,
        agree_ci_high=agree_high,
        mean_ci_low=mean_low,
        mean_ci_high=mean_high,
    )
    return figures


def clean(value):
    """A numpy scalar as plain JSON-ready data; NaN as None."""
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) else value
    if isinstance(value, np.integer):
        return int(value)
    return value


def matrix(answers: pd.DataFrame, statement_ids: list[int], by: list[str] | None = None):
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


def statement_table(counts: pd.DataFrame, statements: list[dict]) -> list[dict]:
    figures = statistics(counts.to_numpy())
    rows = []
    for i, statement in enumerate(statements):
        row = {"statement": statement["number"], "title": statement["title"]}
        row.update({key: clean(values[i]) for key, values in figures.items()})
        for name in ["n", "m"] + OPTION_NAMES:
            row[name] = int(row[name])
        rows.append(row)
    return rows


def headline(rows: list[dict], respondents: int) -> dict:
    agree = [row["total_agree_pct"] for row in rows if row["total_agree_pct"] is not None]
    lows = [row["agree_ci_low"] for row in rows if row["agree_ci_low"] is not None]
    return {
        "respondents": respondents,
        "statements": len(rows),
        "average_total_agree_pct": sum(agree) / len(agree) if agree else None,
        "majority_agreement": sum(1 for value in agree if value > 50),
        # Majority agreement that the sampling error cannot explain away.
        "majority_agreement_certain": sum(1 for value in lows if value > 50),
    }
