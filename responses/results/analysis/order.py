"""Order effects: how answers depend on where a statement appeared (Response.statement_order).

Input: counts by (statement, position shown, value), value BLANK for a statement shown and
not answered. Out:
- by position (over all statements): shown, mean on the scale, % "I don't know" and %
  blank of those shown;
- one test across positions: Kruskal–Wallis of the scale answers by position;
- per statement: Spearman's rank correlation of position and answer (scale only), its
  p-value as scipy.stats.spearmanr (t with n - 2 degrees of freedom), Holm-adjusted over
  the statements; a statement is flagged position-dependent when the adjusted p < 0.05.
With a fixed order every statement has one position and there is nothing to test (None).
"""

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ...choices import DONT_KNOW
from .descriptive import clean
from .inference import holm, kruskal_many

BLANK = -99
SCALE = [-2, -1, 0, 1, 2]


def _midranks(totals: np.ndarray) -> np.ndarray:
    below = np.cumsum(totals) - totals
    return below + (totals + 1) / 2


def spearman_from_counts(table: np.ndarray) -> tuple[float | None, float | None]:
    """Spearman's rho and its two-sided p of a positions × values table of counts."""
    table = np.asarray(table, dtype=float)
    n = table.sum()
    if n < 3:
        return None, None
    x = _midranks(table.sum(axis=1))[:, None]
    y = _midranks(table.sum(axis=0))[None, :]
    mx, my = (table * x).sum() / n, (table * y).sum() / n
    sxy = (table * (x - mx) * (y - my)).sum()
    sxx, syy = (table * (x - mx) ** 2).sum(), (table * (y - my) ** 2).sum()
    if sxx == 0 or syy == 0:
        return None, None
    rho = float(sxy / np.sqrt(sxx * syy))
    if abs(rho) >= 1:
        return rho, 0.0
    t = rho * np.sqrt((n - 2) / (1 - rho**2))
    return rho, float(2 * scipy_stats.t.sf(abs(t), n - 2))


def _by_position(counts: pd.DataFrame) -> list[dict]:
    rows = []
    for position, group in counts.groupby("position"):
        by_value = group.groupby("value")["n"].sum()
        shown = int(by_value.sum())
        scale = by_value.reindex(SCALE, fill_value=0)
        m = int(scale.sum())
        mean = float((scale * np.array(SCALE)).sum() / m) if m else None
        rows.append(
            {
                "position": int(position),
                "shown": shown,
                "mean": mean,
                "dont_know_pct": 100 * int(by_value.get(DONT_KNOW, 0)) / shown,
                "blank_pct": 100 * int(by_value.get(BLANK, 0)) / shown,
            }
        )
    return rows


def order_effects(counts: pd.DataFrame, statements: list[dict]) -> dict:
    """`counts`: columns statement_id, position, value, n."""
    if counts.empty:
        return {"positions": [], "test": None, "statements": [], "flagged": []}
    scale = counts[counts["value"].isin(SCALE)]
    table = scale.pivot_table(index="position", columns="value", values="n", aggfunc="sum")
    table = table.reindex(columns=SCALE, fill_value=0).fillna(0).to_numpy()
    test = {k: clean(v[0]) for k, v in kruskal_many(table[None, :, :]).items()}
    rows = []
    for statement in statements:
        own = scale[scale["statement_id"] == statement["id"]]
        pivot = own.pivot_table(index="position", columns="value", values="n", aggfunc="sum")
        pivot = pivot.reindex(columns=SCALE, fill_value=0).fillna(0).to_numpy()
        rho, p = spearman_from_counts(pivot) if len(pivot) > 1 else (None, None)
        rows.append(
            {"statement": statement["number"], "title": statement["title"], "rho": rho, "p": p}
        )
    for row, adjusted in zip(rows, holm([row["p"] for row in rows]), strict=True):
        row["p_holm"] = adjusted
        row["flagged"] = adjusted is not None and adjusted < 0.05
    return {
        "positions": _by_position(counts),
        "test": test,
        "statements": rows,
        "flagged": [row["statement"] for row in rows if row["flagged"]],
    }
