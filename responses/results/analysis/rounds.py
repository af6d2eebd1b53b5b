"""Analysis across a Delphi study's rounds, pure: count tables in, plain data out.

Per statement, round by round: the distribution and its figures (descriptive.statistics),
the change in mean, median, IQR and Tastle–Wierman consensus, the distribution's change as
the total variation distance ½ Σ |pᵢ − qᵢ| over the six answers (DK included, base n); then,
on the experts who answered both rounds: the share who changed their answer (DK counts as
an answer), Wilcoxon's signed-rank test on the differences (DK dropped pairwise; zero
differences dropped first, then scipy's default method) and McNemar's test of agree (1, 2) against
not agree, exact: a binomial test on the discordant pairs (DK dropped pairwise). Attrition:
the first round's respondents by sector who did or did not answer the next round, and
Mann–Whitney between the dropouts' and stayers' first-round answers. docs/statistics.md.
"""

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ..consensus_rules import DEFAULT_STABILITY_PCT, DEFAULT_THRESHOLD, holds
from .descriptive import clean, matrix, statistics
from .inference import mann_whitney_many

DONT_KNOW = -88
SCALE = [-2, -1, 0, 1, 2]
FIGURES = ["n", "mean", "median", "iqr", "tastle_wierman", "total_agree_pct"]
FIGURES += ["total_disagree_pct", "pct_strongly_agree", "pct_somewhat_agree", "pct_neither"]
FIGURES += ["pct_somewhat_disagree", "pct_strongly_disagree", "pct_dont_know"]


def round_figures(answers: pd.DataFrame, statement_ids: list[int]) -> dict[int, dict]:
    """A round's figures per statement id, from its count table; statements it did not ask
    (no answers) are left out."""
    counts = matrix(answers, statement_ids)
    figures = statistics(counts.to_numpy())
    rows = {}
    for i, statement_id in enumerate(statement_ids):
        if figures["n"][i] > 0:
            row = {key: clean(figures[key][i]) for key in FIGURES}
            row["n"] = int(row["n"])
            row["shares"] = (counts.iloc[i].to_numpy() / figures["n"][i]).tolist()
            rows[statement_id] = row
    return rows


def total_variation(first: list[float], second: list[float]) -> float:
    return float(0.5 * np.abs(np.asarray(first) - np.asarray(second)).sum())


def _expand(pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    before = np.repeat(pairs["before"].to_numpy(), pairs["n"].to_numpy())
    after = np.repeat(pairs["after"].to_numpy(), pairs["n"].to_numpy())
    return before, after


def wilcoxon_test(before: np.ndarray, after: np.ndarray) -> dict:
    """Signed-rank test of after − before on the scale's pairs; zero differences dropped
    (the "wilcox" method). p None without a non-zero difference."""
    differences = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    # Dropped here rather than by scipy, so that its "auto" method sees the sample tested:
    # exact up to 50 differences without ties, else the normal approximation.
    differences = differences[differences != 0]
    if len(differences) == 0:
        return {"statistic": None, "p": None, "nonzero": 0}
    result = scipy_stats.wilcoxon(differences)
    return {"statistic": float(result.statistic), "p": float(result.pvalue),
            "nonzero": len(differences)}  # fmt: skip


def mcnemar_test(before: np.ndarray, after: np.ndarray) -> dict:
    """Exact McNemar: of the pairs that moved across agree (1, 2) / not agree, how many
    moved into agreement, against a fair coin. p None without a discordant pair."""
    agree_before, agree_after = np.asarray(before) >= 1, np.asarray(after) >= 1
    lost = int((agree_before & ~agree_after).sum())
    gained = int((~agree_before & agree_after).sum())
    if lost + gained == 0:
        return {"lost": 0, "gained": 0, "p": None}
    p = scipy_stats.binomtest(gained, lost + gained, 0.5).pvalue
    return {"lost": lost, "gained": gained, "p": float(p)}


def paired_figures(pairs: pd.DataFrame) -> dict[int, dict]:
    """Per statement id, from the paired counts (statement_id, before, after, n)."""
    rows = {}
    for statement_id, group in pairs.groupby("statement_id"):
        before, after = _expand(group)
        scale = (before != DONT_KNOW) & (after != DONT_KNOW)
        changed = float(100 * (before != after).mean()) if len(before) else None
        rows[int(statement_id)] = {
            "pairs": len(before),
            "changed_pct": changed,
            "wilcoxon": wilcoxon_test(before[scale], after[scale]),
            "mcnemar": mcnemar_test(before[scale], after[scale]),
            "scale_pairs": int(scale.sum()),
        }
    return rows


def _settled(rule: dict, row: dict, paired: dict | None) -> bool:
    if rule.get("stop") == "stability":
        limit = rule.get("stability_pct", DEFAULT_STABILITY_PCT)
        return bool(paired and paired["changed_pct"] is not None and paired["changed_pct"] <= limit)
    if not rule.get("kind"):
        return False
    return holds(rule["kind"], row, rule.get("threshold", DEFAULT_THRESHOLD)) is True


def _change(row: dict, previous: dict | None) -> dict:
    if previous is None:
        return {}
    change = {}
    for key in ("mean", "median", "iqr", "tastle_wierman", "total_agree_pct"):
        a, b = previous.get(key), row.get(key)
        change[key] = None if a is None or b is None else b - a
    change["tvd"] = total_variation(previous["shares"], row["shares"])
    return change


def statement_rounds(
    statements: list[dict], rounds: list[dict[int, dict]], pairs: list[dict[int, dict]], rule
) -> list[dict]:
    """Per statement, its rounds (figures, change from the round before, paired figures)
    and the round it settled in by the rule (None: still open). `pairs[k]` holds the pairs
    of round k+1 with round k (pairs[0] is empty)."""
    table = []
    for statement in statements:
        sid, entries, settled, previous = statement["id"], [], None, None
        for k, figures in enumerate(rounds):
            row = figures.get(sid)
            if row is None:
                continue
            paired = pairs[k].get(sid) if k else None
            entry = {"round": k + 1, **row, "change": _change(row, previous), "paired": paired}
            if settled is None and _settled(rule, row, paired):
                settled = k + 1
            entries.append(entry)
            previous = row
        table.append({**statement, "rounds": entries, "settled_round": settled})
    return table


def attrition(counts: pd.DataFrame, sector_labels: dict, min_group_size: int) -> dict:
    """Stayed and dropped per assigned sector; a sector with fewer than `min_group_size`
    first-round respondents is withheld, and so is its dropout count when the total would
    give it away (the rows shown and the total would recover a withheld one)."""
    table = counts.pivot_table(index="sector", columns="stayed", values="n", aggfunc="sum")
    table = table.reindex(columns=[0, 1], fill_value=0).fillna(0).astype(int)
    rows, withheld = [], 0
    for code, label in sector_labels.items():
        dropped, stayed = (int(table.loc[code, c]) if code in table.index else 0 for c in (0, 1))
        if dropped + stayed == 0:
            continue
        if dropped + stayed < min_group_size:
            withheld += 1
            continue
        rows.append(_attrition_row(label, stayed, dropped))
    total = _attrition_row("All respondents", int(table[1].sum()), int(table[0].sum()))
    # One withheld sector would be the total minus the rows shown.
    return {"rows": rows if withheld != 1 else [], "total": total, "withheld": withheld}


def _attrition_row(label: str, stayed: int, dropped: int) -> dict:
    n = stayed + dropped
    return {"label": label, "n": n, "stayed": stayed, "dropped": dropped,
            "dropped_pct": 100 * dropped / n if n else None}  # fmt: skip


def dropouts_vs_stayers(counts: pd.DataFrame, statements: list[dict], min_group_size: int) -> dict:
    """Mann–Whitney between the first-round answers of those who did not answer the next
    round (first) and those who did, per statement; withheld while either group has fewer
    than `min_group_size` respondents."""
    ids = [statement["id"] for statement in statements]
    scale = counts[counts["value"] != DONT_KNOW]
    dropped = matrix(scale[scale["stayed"] == 0], ids).iloc[:, :5].to_numpy()
    stayed = matrix(scale[scale["stayed"] == 1], ids).iloc[:, :5].to_numpy()
    tests = mann_whitney_many(dropped, stayed)
    means = [statistics(np.c_[side, np.zeros(len(ids))])["mean"] for side in (dropped, stayed)]
    rows = []
    for i, statement in enumerate(statements):
        m1, m2 = int(dropped[i].sum()), int(stayed[i].sum())
        shown = m1 >= min_group_size and m2 >= min_group_size
        rows.append({
            "statement": statement["number"], "title": statement["title"],
            "shown": shown, "dropped_m": m1 if shown else None, "stayed_m": m2 if shown else None,
            **{key: clean(means[j][i]) if shown else None
               for j, key in enumerate(("dropped_mean", "stayed_mean"))},
            **{key: clean(tests[key][i]) if shown else None for key in ("u", "p", "effect")},
        })  # fmt: skip
    return {"rows": rows, "min_group_size": min_group_size}
