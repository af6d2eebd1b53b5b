"""Tests between groups, from counts, fit for panels of about fifty.

- The distributions over the five points (DK excluded): a Monte Carlo permutation test of
  the chi-square statistic. Tables with the observed margins are drawn at random
  (`random_tables`, the multivariate hypergeometric): that is the permutation distribution
  of the group labels over the answers, so the p-value holds at any expected count, where
  the asymptotic chi-square fails on almost every table of a panel this size. The
  generator is seeded by the answers' fingerprint: the same answers give the same p-values.
- Distribution functions come from scipy.special (what scipy.stats computes them with):
  importing scipy.stats costs half a second, more than a whole computation at 10,000
  respondents, so only the analysis across rounds loads it.
- "I don't know" apart: the same test on groups × (answered on the scale, DK).
- Three or more groups: Kruskal–Wallis (tie-corrected, scipy's asymptotic p-value).
- Two groups: Mann–Whitney U and its rank-biserial correlation, and the difference of the
  means with Welch's 95% interval (the effect size the paper's tables imply).
"""

import numpy as np
from scipy import special

PERMUTATIONS = 1999


def _chi2_statistic(observed: np.ndarray) -> np.ndarray:
    """Pearson's statistic of each table (... × groups × answers)."""
    rows, columns = observed.sum(axis=-1), observed.sum(axis=-2)
    total = rows.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = rows[..., :, None] * columns[..., None, :] / total[..., None, None]
        cells = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)
    return cells.sum(axis=(-2, -1))


def random_tables(rows, columns, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` tables (size × groups × answers) with these margins, each as likely as the
    share of the permutations of the group labels that give it: each group's counts are a
    sample without replacement from the answers the groups before it left (the
    multivariate hypergeometric; numpy draws the first group's for every table at once,
    the others' one answer at a time, vectorised over the tables)."""
    rows, columns = np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)
    tables = np.zeros((size, len(rows), len(columns)), dtype=np.int64)
    tables[:, 0] = rng.multivariate_hypergeometric(columns, rows[0], size=size)
    left = columns - tables[:, 0]  # each table's answers not yet given to a group
    for i, row_total in enumerate(rows[1:-1], start=1):
        wanted = np.full(size, row_total, dtype=np.int64)
        after = left.sum(axis=1)
        for j in range(len(columns) - 1):
            after = after - left[:, j]
            tables[:, i, j] = rng.hypergeometric(left[:, j], after, wanted)
            wanted = wanted - tables[:, i, j]
        tables[:, i, -1] = wanted
        left = left - tables[:, i]
    tables[:, -1] = left
    return tables


def permutation_chi_square(table, rng: np.random.Generator, permutations=PERMUTATIONS):
    """Monte Carlo permutation p-value of the chi-square statistic of one table, (1 + the
    draws at least as extreme) / (1 + draws); None when fewer than two groups or two
    answers remain."""
    observed = np.asarray(table, dtype=np.int64)
    observed = observed[observed.sum(axis=1) > 0][:, observed.sum(axis=0) > 0]
    if observed.ndim != 2 or min(observed.shape) < 2:
        return None
    rows, columns = observed.sum(axis=1), observed.sum(axis=0)
    total = rows.sum()
    # Every draw has the observed margins, so the same expected counts E: Pearson's
    # statistic is then Σ x²/E − N, one product per draw.
    weights = total / np.outer(rows, columns).astype(float)
    statistic = float((observed**2 * weights).sum() - total)
    draws = random_tables(rows, columns, permutations, rng)
    drawn = (draws**2 * weights).sum(axis=(1, 2)) - total
    # A tolerance, so ties with the observed table are not lost to rounding.
    extreme = drawn >= statistic - 1e-9 * max(statistic, 1)
    return float((1 + extreme.sum()) / (1 + permutations))


def chi_square_many(tables: np.ndarray) -> dict[str, np.ndarray]:
    """The asymptotic chi-square of each table (tables × groups × answers), as scipy's
    chi2_contingency without continuity correction on the table with its empty rows and
    columns dropped; Cramér's V as the effect size. NaN where fewer than two groups or two
    answers remain."""
    observed = np.asarray(tables, dtype=float)
    rows, columns = observed.sum(axis=2), observed.sum(axis=1)
    total = rows.sum(axis=1)
    chi2 = _chi2_statistic(observed)
    r, c = (rows > 0).sum(axis=1), (columns > 0).sum(axis=1)
    dof = (r - 1) * (c - 1)
    valid = (r >= 2) & (c >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = special.chdtrc(np.maximum(dof, 1), chi2)
        v = np.sqrt(chi2 / (total * (np.minimum(r, c) - 1)))
    nan = np.full(len(chi2), np.nan)
    return {
        "chi2": np.where(valid, chi2, nan),
        "dof": np.where(valid, dof, nan),
        "p": np.where(valid, p, nan),
        "cramers_v": np.where(valid, v, nan),
    }


def kruskal_many(tables: np.ndarray) -> dict[str, np.ndarray]:
    """Kruskal–Wallis H per table (tables × groups × the five points), midranks and the tie
    correction, and scipy's asymptotic p-value (chi-square, groups with answers - 1 degrees
    of freedom); epsilon² = H / (N - 1) as the effect size. NaN below two groups."""
    counts = np.asarray(tables, dtype=float)
    totals = counts.sum(axis=1)  # tables × points
    n = totals.sum(axis=1)
    below = np.cumsum(totals, axis=1) - totals
    midrank = below + (totals + 1) / 2
    rank_sums = (counts * midrank[:, None, :]).sum(axis=2)
    sizes = counts.sum(axis=2)
    k = (sizes > 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(sizes > 0, rank_sums**2 / sizes, 0.0).sum(axis=1)
        h = 12 / (n * (n + 1)) * terms - 3 * (n + 1)
        ties = 1 - (totals**3 - totals).sum(axis=1) / (n**3 - n)
        h = h / ties
        p = special.chdtrc(np.maximum(k - 1, 1), h)
        epsilon = h / (n - 1)
    valid = (k >= 2) & (ties > 0)
    nan = np.full(len(n), np.nan)
    return {
        "h": np.where(valid, h, nan),
        "p": np.where(valid, p, nan),
        "epsilon_squared": np.where(valid, epsilon, nan),
    }


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
        p = np.where(sigma > 0, np.minimum(1.0, 2 * special.ndtr(-z)), 1.0)
        effect = 2 * u / (n1 * n2) - 1
    empty = (n1 == 0) | (n2 == 0)
    nan = np.full(len(u), np.nan)
    return {
        "u": np.where(empty, nan, u),
        "p": np.where(empty, nan, p),
        "effect": np.where(empty, nan, effect),
    }


def _moments(counts: np.ndarray):
    values = np.arange(-2, 3, dtype=float)
    m = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (counts * values).sum(axis=1) / m
        variance = (counts * (values - mean[:, None]) ** 2).sum(axis=1) / (m - 1)
    return m, mean, variance


def mean_difference_many(first: np.ndarray, second: np.ndarray) -> dict[str, np.ndarray]:
    """The first group's mean minus the second's, with Welch's 95% interval (the
    Welch–Satterthwaite degrees of freedom). NaN below two answers in a group."""
    m1, mean1, var1 = _moments(np.asarray(first, dtype=float).reshape(-1, 5))
    m2, mean2, var2 = _moments(np.asarray(second, dtype=float).reshape(-1, 5))
    difference = mean1 - mean2
    low, high, se = welch_interval(difference, var1, m1, var2, m2)
    valid = (m1 > 1) & (m2 > 1) & (se > 0)
    nan = np.full(len(difference), np.nan)
    return {
        "difference": np.where((m1 > 0) & (m2 > 0), difference, nan),
        "ci_low": np.where(valid, low, nan),
        "ci_high": np.where(valid, high, nan),
    }


def welch_interval(difference, var1, m1, var2, m2):
    """Welch's 95% interval of a difference of two means, from each group's sample variance
    and size (the Welch–Satterthwaite degrees of freedom), and its standard error; NaN where
    a group has fewer than two values or both vary by nothing."""
    with np.errstate(invalid="ignore", divide="ignore"):
        a, b = np.divide(var1, m1), np.divide(var2, m2)
        se = np.sqrt(a + b)
        dof = (a + b) ** 2 / (a**2 / np.subtract(m1, 1) + b**2 / np.subtract(m2, 1))
        t = special.stdtrit(dof, 0.975)
    return difference - t * se, difference + t * se, se


def holm(pvalues: list) -> list:
    """Holm's step-down adjustment; None stays None."""
    present = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    adjusted: list = [None] * len(pvalues)
    running, k = 0.0, len(present)
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (k - rank) * p))
        adjusted[i] = running
    return adjusted


def seeded_rng(fingerprint: str, *labels) -> np.random.Generator:
    """A generator seeded by the answers' fingerprint and a label (the grouping, the test):
    the same answers draw the same permutations on any machine."""
    words = [int(fingerprint[i : i + 8], 16) for i in range(0, min(len(fingerprint), 32), 8)]
    extra = [sum(ord(c) * 31**j for j, c in enumerate(str(label))) % 2**32 for label in labels]
    return np.random.default_rng(words + extra)
