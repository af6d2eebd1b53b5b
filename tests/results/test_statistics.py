"""The new statistics against independent implementations (scipy, numpy), on random data."""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from responses.results import consensus_rules
from responses.results.analysis import consensus, descriptive, inference

answers = st.lists(st.sampled_from([-2, -1, 0, 1, 2, -88]), min_size=1, max_size=80)
scale = st.lists(st.sampled_from([-2, -1, 0, 1, 2]), min_size=2, max_size=60)


def counts_of(values, options=(-2, -1, 0, 1, 2, -88)):
    return [sum(1 for v in values if v == option) for option in options]


def figures_of(values):
    return {k: v[0] for k, v in descriptive.statistics([counts_of(values)]).items()}


@settings(max_examples=200, deadline=None)
@given(answers)
def test_wilson_interval_matches_scipy(values):
    figures = figures_of(values)
    agree = sum(1 for v in values if v in (1, 2))
    expected = stats.binomtest(agree, len(values)).proportion_ci(method="wilson")
    assert figures["agree_ci_low"] == pytest.approx(100 * expected.low, abs=1e-9)
    assert figures["agree_ci_high"] == pytest.approx(100 * expected.high, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(answers)
def test_mean_interval_matches_scipy_t(values):
    figures = figures_of(values)
    on_scale = np.array([v for v in values if v != -88], dtype=float)
    if len(on_scale) < 2 or on_scale.std() == 0:
        assert len(on_scale) >= 2 or figures["mean_ci_low"] != figures["mean_ci_low"]
        return
    expected = stats.ttest_1samp(on_scale, 0).confidence_interval(0.95)
    assert figures["mean_ci_low"] == pytest.approx(expected.low)
    assert figures["mean_ci_high"] == pytest.approx(expected.high)


@settings(max_examples=200, deadline=None)
@given(answers)
def test_iqr_matches_numpy_percentiles(values):
    on_scale = [v for v in values if v != -88]
    figures = figures_of(values)
    if not on_scale:
        assert np.isnan(figures["iqr"])
        return
    q1, q3 = np.percentile(on_scale, [25, 75])
    assert figures["iqr"] == pytest.approx(q3 - q1)


def _tastle_wierman(values):
    # Written from the definition, answer by answer: mean over respondents of
    # log2(1 - |x - mu| / width), plus one.
    x = np.array(values, dtype=float)
    return 1 + np.mean(np.log2(1 - np.abs(x - x.mean()) / 4))


@settings(max_examples=200, deadline=None)
@given(scale)
def test_tastle_wierman_matches_its_definition(values):
    assert figures_of(values)["tastle_wierman"] == pytest.approx(_tastle_wierman(values))


def test_tastle_wierman_sees_a_split_the_polarisation_index_misses():
    figures = figures_of([-2] * 10 + [1] * 10)
    assert figures["polarisation"] == 0
    assert figures["tastle_wierman"] == pytest.approx(_tastle_wierman([-2] * 10 + [1] * 10))
    assert figures_of([2] * 5)["tastle_wierman"] == 1
    assert figures_of([-2, 2])["tastle_wierman"] == 0


groups_of_scale = st.lists(scale, min_size=3, max_size=4)


@settings(max_examples=100, deadline=None)
@given(groups_of_scale)
def test_kruskal_wallis_matches_scipy(groups):
    table = np.array([[counts_of(g, (-2, -1, 0, 1, 2)) for g in groups]], dtype=float)
    result = {k: v[0] for k, v in inference.kruskal_many(table).items()}
    if len({v for g in groups for v in g}) < 2:
        assert np.isnan(result["h"])
        return
    expected = stats.kruskal(*groups)
    assert result["h"] == pytest.approx(expected.statistic)
    assert result["p"] == pytest.approx(expected.pvalue)


@settings(max_examples=100, deadline=None)
@given(scale, scale)
def test_mean_difference_interval_matches_welch(first, second):
    pair = [np.array([counts_of(g, (-2, -1, 0, 1, 2))], dtype=float) for g in (first, second)]
    result = {k: v[0] for k, v in inference.mean_difference_many(*pair).items()}
    assert result["difference"] == pytest.approx(np.mean(first) - np.mean(second))
    if np.var(first) == 0 and np.var(second) == 0:
        assert np.isnan(result["ci_low"])
        return
    with warnings.catch_warnings():
        # scipy's warning for a group of identical answers: exact integers lose nothing.
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = stats.ttest_ind(first, second, equal_var=False).confidence_interval(0.95)
    assert result["ci_low"] == pytest.approx(expected.low)
    assert result["ci_high"] == pytest.approx(expected.high)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), min_size=3, max_size=3), min_size=2, max_size=3))
def test_permutation_chi_square_agrees_with_scipys_permutation_test(rows):
    table = np.array(rows)
    kept = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    rng = np.random.default_rng(1)
    ours = inference.permutation_chi_square(table, rng, permutations=4000)
    if kept.ndim != 2 or min(kept.shape) < 2:
        assert ours is None
        return
    method = stats.PermutationMethod(n_resamples=4000, rng=np.random.default_rng(2))
    expected = stats.chi2_contingency(kept, correction=False, method=method).pvalue
    # Two independent Monte Carlo estimates of one p-value: within a few standard errors.
    assert ours == pytest.approx(expected, abs=0.05)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=2, max_size=6), min_size=2, max_size=5))
def test_random_tables_keep_the_observed_margins(rows):
    width = min(len(row) for row in rows)
    table = np.array([row[:width] for row in rows])
    draws = inference.random_tables(
        table.sum(axis=1), table.sum(axis=0), 50, np.random.default_rng(4)
    )
    assert draws.shape == (50, *table.shape) and (draws >= 0).all()
    assert (draws.sum(axis=2) == table.sum(axis=1)).all()
    assert (draws.sum(axis=1) == table.sum(axis=0)).all()


def _tables_with_margins(rows, columns):
    """Every 2 × c table of non-negative counts with these margins."""
    for first in itertools.product(*(range(c + 1) for c in columns)):
        if sum(first) == rows[0]:
            yield np.array([first, [c - f for c, f in zip(columns, first, strict=True)]])


def test_random_tables_follow_the_permutation_distribution():
    # Each table's probability under random group labels (the multivariate hypergeometric
    # law): prod(rows!) prod(columns!) / (N! prod(cells!)).
    rows, columns = [4, 5], [2, 3, 4]
    draws = inference.random_tables(rows, columns, 40000, np.random.default_rng(5))
    factorial = math.factorial
    for table in _tables_with_margins(rows, columns):
        exact = math.prod(map(factorial, rows + columns)) / (
            factorial(sum(rows)) * math.prod(factorial(int(x)) for x in table.ravel())
        )
        seen = (draws == table).all(axis=(1, 2)).mean()
        assert seen == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 40000) + 1e-4)


def test_permutation_chi_square_exact_2x2_matches_fisher():
    # For this symmetric 2 x 2 table, the chi-square ordering is Fisher's ordering.
    table = np.array([[5, 0], [0, 5]])
    ours = inference.permutation_chi_square(table, np.random.default_rng(3), 20000)
    assert ours == pytest.approx(stats.fisher_exact(table).pvalue, abs=0.004)


def test_seeded_rng_same_fingerprint_same_draws():
    first = inference.seeded_rng("ab" * 32, "gender").integers(0, 10**9, 5)
    again = inference.seeded_rng("ab" * 32, "gender").integers(0, 10**9, 5)
    other = inference.seeded_rng("ab" * 32, "stated_sector").integers(0, 10**9, 5)
    assert list(first) == list(again) and list(first) != list(other)


@pytest.mark.parametrize(
    ("kind", "figures", "expected"),
    [
        ("agree_pct", {"total_agree_pct": 75.0}, True),
        ("agree_pct", {"total_agree_pct": 74.9}, False),
        ("agree70_disagree15", {"total_agree_pct": 80.0, "total_disagree_pct": 16.0}, False),
        ("agree70_disagree15", {"total_agree_pct": 70.0, "total_disagree_pct": 15.0}, True),
        ("iqr", {"iqr": 1.0, "median": 0.0}, True),
        ("median_iqr", {"iqr": 1.0, "median": 0.0}, False),
        ("median_iqr", {"iqr": 0.5, "median": 1.0}, True),
        ("iqr", {"iqr": None}, None),
    ],
)
def test_consensus_definitions_hold_at_their_bounds(kind, figures, expected):
    assert consensus_rules.holds(kind, figures) is expected


def test_consensus_rule_within_every_sector_needs_each_sector():
    rule = {"kind": "agree_pct", "threshold": 75, "every_sector": True}
    row = {"total_agree_pct": 90.0}
    assert consensus.verdict(rule, row, [{"total_agree_pct": 80.0}]) is True
    assert consensus.verdict(rule, row, [{"total_agree_pct": 80.0}, {"total_agree_pct": 60.0}]) is (
        False
    )
    assert consensus.verdict({}, row, []) is None


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ({"kind": "majority"}, consensus_rules.ERROR_KIND),
        ({"kind": "agree_pct", "threshold": 49}, consensus_rules.ERROR_THRESHOLD),
        ({"kind": "agree_pct", "threshold": "75"}, consensus_rules.ERROR_THRESHOLD),
    ],
)
def test_consensus_rule_refuses_bad_rules(rule, error):
    with pytest.raises(ValueError, match=error):
        consensus_rules.rule_clean(rule)


def test_consensus_rule_fingerprint_is_canonical():
    one = consensus_rules.rule_fingerprint({"kind": "iqr", "every_sector": False})
    same = consensus_rules.rule_fingerprint({"every_sector": 0, "kind": "iqr"})
    assert one == same and len(one) == 64
    assert one != consensus_rules.rule_fingerprint({"kind": "iqr", "every_sector": True})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.sampled_from([-2, -1, 0, 1, 2])), min_size=3))
def test_spearman_from_counts_matches_scipy(pairs):
    from responses.results.analysis.order import spearman_from_counts

    positions = sorted({p for p, _ in pairs})
    table = np.zeros((len(positions), 5))
    for position, value in pairs:
        table[positions.index(position), value + 2] += 1
    rho, p = spearman_from_counts(table)
    x, y = zip(*pairs, strict=True)
    if len(set(x)) < 2 or len(set(y)) < 2:
        assert rho is None
        return
    expected = stats.spearmanr(x, y)
    assert rho == pytest.approx(expected.statistic)
    if abs(rho) < 1:
        assert p == pytest.approx(expected.pvalue)
