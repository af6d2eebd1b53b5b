"""One respondent-level test of "group A agrees more overall", the paper's claim.

Each counted respondent's agreement index is the mean of their answers on the scale (-2..2,
"I don't know" and blanks excluded) over the statements they rated. Between the two groups
of a two-group comparison: the difference of the mean indices, a two-sided permutation
p-value of it (group labels shuffled) and a 95% percentile bootstrap interval (each group
resampled on its own), both drawn from a generator seeded by the answers' fingerprint.
Above DRAW_LIMIT respondents the draws would cost seconds (they are O(draws ×
respondents)), and the central limit theorem holds: p comes from the normal approximation
of the permutation distribution (its exact variance, s² (1/n1 + 1/n2) with s² the pooled
sample's variance), and the interval is Welch's. `method` says which.
Pure: the indices come in as a DataFrame (results/selectors/agreement.py reads them).
"""

import numpy as np
import pandas as pd
from scipy import special

from .inference import PERMUTATIONS, seeded_rng, welch_interval

BATCH = 200  # draws per batch: memory stays at BATCH × respondents
DRAW_LIMIT = 2000


def _permutation_p(first: np.ndarray, second: np.ndarray, rng, permutations: int) -> float:
    pooled = np.concatenate([first, second])
    n1, observed = len(first), abs(first.mean() - second.mean())
    total, extreme = pooled.sum(), 0
    for start in range(0, permutations, BATCH):
        draws = rng.permuted(np.tile(pooled, (min(BATCH, permutations - start), 1)), axis=1)
        sums = draws[:, :n1].sum(axis=1)
        differences = np.abs(sums / n1 - (total - sums) / (len(pooled) - n1))
        # A tolerance, so ties with the observed split are not lost to rounding.
        extreme += int((differences >= observed - 1e-12).sum())
    return (1 + extreme) / (1 + permutations)


def _bootstrap_interval(first, second, rng, draws: int) -> tuple[float, float]:
    differences = []
    for start in range(0, draws, BATCH):
        size = min(BATCH, draws - start)
        a = rng.choice(first, size=(size, len(first))).mean(axis=1)
        b = rng.choice(second, size=(size, len(second))).mean(axis=1)
        differences.append(a - b)
    low, high = np.percentile(np.concatenate(differences), [2.5, 97.5])
    return float(low), float(high)


def agreement_index_test(
    first, second, *, rng: np.random.Generator, permutations: int = PERMUTATIONS
) -> dict | None:
    """The first group's mean index minus the second's, its permutation p and bootstrap
    interval (None without draws); None when a group has fewer than two respondents."""
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if len(first) < 2 or len(second) < 2:
        return None
    result = {
        "n": [len(first), len(second)],
        "means": [float(first.mean()), float(second.mean())],
        "difference": float(first.mean() - second.mean()),
        # For the sentence on the results page: "0.42 points higher".
        "size": float(abs(first.mean() - second.mean())),
        "direction": "higher" if first.mean() >= second.mean() else "lower",
        "p": None,
        "ci_low": None,
        "ci_high": None,
        "permutations": permutations,
        "method": "permutation",
    }
    if permutations and len(first) + len(second) > DRAW_LIMIT:
        result.update(_normal(first, second), method="normal")
    elif permutations:
        result["p"] = _permutation_p(first, second, rng, permutations)
        result["ci_low"], result["ci_high"] = _bootstrap_interval(first, second, rng, permutations)
    return result


def _normal(first: np.ndarray, second: np.ndarray) -> dict:
    pooled = np.concatenate([first, second]).var(ddof=1)
    spread = np.sqrt(pooled * (1 / len(first) + 1 / len(second)))
    difference = first.mean() - second.mean()
    p = 1.0 if spread == 0 else float(2 * special.ndtr(-abs(difference) / spread))
    low, high, _ = welch_interval(
        difference, first.var(ddof=1), len(first), second.var(ddof=1), len(second)
    )
    return {"p": p, "ci_low": float(low), "ci_high": float(high)}


def agreement_by_grouping(
    indices: pd.DataFrame, views: list[dict], *, fingerprint: str, permutations: int
) -> None:
    """Adds `agreement_index` to each two-group view whose two groups are shown (so the
    minimum group size and the suppression apply); `indices` has the respondents' group
    columns (groups.with_group_keys) and `index`."""
    for view in views:
        view["agreement_index"] = None
        if not view["pair"] or indices is None or indices.empty:
            continue
        name, (a, b) = view["name"], view["pair"]
        rng = seeded_rng(fingerprint, name, "agreement_index")
        view["agreement_index"] = agreement_index_test(
            indices.loc[indices[name] == a, "index"].to_numpy(),
            indices.loc[indices[name] == b, "index"].to_numpy(),
            rng=rng,
            permutations=permutations,
        )
