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
from scipy import special

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
    return rho, float(2 * special.stdtr(n - 2, -abs(t)))


def _by_value(position: np.ndarray, value: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Positions shown (ascending, those present) × SCALE: the summed counts. A pivot table
    in numpy: pandas' pivot_table per statement cost about 20 ms each."""
    positions, row = np.unique(position, return_inverse=True)
    table = np.zeros((len(positions), len(SCALE)))
    np.add.at(table, (row, value - SCALE[0]), n)
    return table


def _by_position(counts: pd.DataFrame) -> list[dict]:
    positions, row = np.unique(counts["position"].to_numpy(), return_inverse=True)
    value, n = counts["value"].to_numpy(), counts["n"].to_numpy()
    # Summed in numpy: a pandas groupby per position cost about 4 ms each.
    shown, dont_know, blank = (np.zeros(len(positions), dtype=np.int64) for _ in range(3))
    np.add.at(shown, row, n)
    np.add.at(dont_know, row[value == DONT_KNOW], n[value == DONT_KNOW])
    np.add.at(blank, row[value == BLANK], n[value == BLANK])
    on_scale = np.isin(value, SCALE)
    scale = np.zeros((len(positions), len(SCALE)), dtype=np.int64)
    np.add.at(scale, (row[on_scale], value[on_scale] - SCALE[0]), n[on_scale])
    rows = []
    for index, position in enumerate(positions):
        m = int(scale[index].sum())
        total = int(shown[index])
        rows.append(
            {
                "position": int(position),
                "shown": total,
                "mean": float((scale[index] * np.array(SCALE)).sum() / m) if m else None,
                "dont_know_pct": 100 * int(dont_know[index]) / total,
                "blank_pct": 100 * int(blank[index]) / total,
            }
        )
    return rows


def order_effects(counts: pd.DataFrame, statements: list[dict]) -> dict:
    """`counts`: columns statement_id, position, value, n."""
    if counts.empty:
        return {"positions": [], "test": None, "statements": [], "flagged": []}
    scale = counts[counts["value"].isin(SCALE)]
    ids, position, value, n = (
        scale[c].to_numpy() for c in ("statement_id", "position", "value", "n")
    )
    test = {k: clean(v[0]) for k, v in kruskal_many(_by_value(position, value, n)[None]).items()}
    rows = []
    for statement in statements:
        own = ids == statement["id"]
        pivot = _by_value(position[own], value[own], n[own])
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
