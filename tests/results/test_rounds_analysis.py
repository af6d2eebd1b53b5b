"""The statistics across Delphi rounds, against scipy and numpy on the same answers."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from responses.results.analysis import rounds
from responses.results.consensus_rules import rule_clean, rule_fingerprint

ANSWER = st.sampled_from([-2, -1, 0, 1, 2, -88])
PAIRS = st.lists(st.tuples(ANSWER, ANSWER), min_size=1, max_size=60)


def _pairs_frame(pairs, statement_id=7) -> pd.DataFrame:
    frame = pd.DataFrame(pairs, columns=["before", "after"]).value_counts().reset_index()
    frame.columns = ["before", "after", "n"]
    return frame.assign(statement_id=statement_id)


@settings(max_examples=40, deadline=None)
@given(PAIRS)
def test_paired_wilcoxon_matches_scipy_with_dont_know_and_zeros_dropped(pairs):
    result = rounds.paired_figures(_pairs_frame(pairs))[7]["wilcoxon"]
    kept = [(a, b) for a, b in pairs if a != -88 and b != -88 and a != b]
    if not kept:
        assert result == {"statistic": None, "p": None, "nonzero": 0}
        return
    before, after = np.array(kept).T
    expected = stats.wilcoxon(after - before, zero_method="wilcox")
    assert result["nonzero"] == len(kept)
    assert result["p"] == pytest.approx(expected.pvalue)
    assert result["statistic"] == pytest.approx(expected.statistic)


@settings(max_examples=40, deadline=None)
@given(PAIRS)
def test_paired_mcnemar_is_the_exact_binomial_on_the_discordant_pairs(pairs):
    result = rounds.paired_figures(_pairs_frame(pairs))[7]["mcnemar"]
    kept = [(a >= 1, b >= 1) for a, b in pairs if a != -88 and b != -88]
    lost = sum(1 for a, b in kept if a and not b)
    gained = sum(1 for a, b in kept if b and not a)
    assert (result["lost"], result["gained"]) == (lost, gained)
    if lost + gained == 0:
        assert result["p"] is None
    else:
        assert result["p"] == pytest.approx(stats.binomtest(gained, lost + gained).pvalue)


@settings(max_examples=30, deadline=None)
@given(PAIRS)
def test_paired_changed_share_counts_every_pair_dont_know_included(pairs):
    result = rounds.paired_figures(_pairs_frame(pairs))[7]
    assert result["pairs"] == len(pairs)
    expected = 100 * np.mean([a != b for a, b in pairs])
    assert result["changed_pct"] == pytest.approx(expected)


@given(
    st.lists(st.floats(0, 1), min_size=6, max_size=6),
    st.lists(st.floats(0, 1), min_size=6, max_size=6),
)
def test_total_variation_is_half_the_l1_distance(first, second):
    expected = 0.5 * np.abs(np.array(first) - np.array(second)).sum()
    assert rounds.total_variation(first, second) == pytest.approx(expected)


def _answers(values_by_statement: dict[int, list[int]]) -> pd.DataFrame:
    rows = [(sid, value) for sid, values in values_by_statement.items() for value in values]
    frame = pd.DataFrame(rows, columns=["statement_id", "value"]).value_counts().reset_index()
    return frame.rename(columns={"count": "n"})


def test_round_figures_reuse_the_descriptive_figures_and_skip_unasked_statements():
    figures = rounds.round_figures(_answers({1: [2, 2, 1, -88], 2: []}), [1, 2])
    assert list(figures) == [1]
    row = figures[1]
    assert row["n"] == 4 and row["mean"] == pytest.approx(np.mean([2, 2, 1]))
    assert row["median"] == 2 and row["total_agree_pct"] == 75
    assert row["shares"] == [0, 0, 0, 0.25, 0.5, 0.25]


STATEMENTS = [{"id": 1, "number": 1, "title": "One"}, {"id": 2, "number": 2, "title": "Two"}]


def _two_rounds():
    first = rounds.round_figures(_answers({1: [-2, -1, 0, 1, 2], 2: [2] * 5}), [1, 2])
    second = rounds.round_figures(_answers({1: [1, 1, 1, 1, 2], 2: [2] * 5}), [1, 2])
    pairs = rounds.paired_figures(
        pd.concat(
            [
                _pairs_frame([(-2, 1), (-1, 1), (0, 1), (1, 1), (2, 2)], 1),
                _pairs_frame([(2, 2)] * 5, 2),
            ]
        )
    )
    return [first, second], [{}, pairs]


def test_statement_rounds_give_the_change_from_the_round_before():
    figures, pairs = _two_rounds()
    table = rounds.statement_rounds(STATEMENTS, figures, pairs, {})
    one = table[0]["rounds"]
    assert [entry["round"] for entry in one] == [1, 2]
    assert one[0]["change"] == {} and one[0]["paired"] is None
    assert one[1]["change"]["mean"] == pytest.approx(1.2)
    assert one[1]["change"]["tvd"] == pytest.approx(0.6)
    assert one[1]["paired"]["changed_pct"] == 60
    assert table[0]["settled_round"] is None  # no rule


def test_statement_settles_in_the_first_round_consensus_holds():
    figures, pairs = _two_rounds()
    rule = {"kind": "agree_pct", "threshold": 75}
    table = rounds.statement_rounds(STATEMENTS, figures, pairs, rule)
    assert [entry["settled_round"] for entry in table] == [2, 1]


def test_statement_settles_when_few_enough_experts_changed_under_the_stability_rule():
    figures, pairs = _two_rounds()
    rule = {"kind": "iqr", "stop": "stability", "stability_pct": 15}
    table = rounds.statement_rounds(STATEMENTS, figures, pairs, rule)
    # Statement 1: 60% changed, still open; statement 2: nobody changed, stable in round 2.
    assert [entry["settled_round"] for entry in table] == [None, 2]


def test_rule_without_stop_keeps_its_canonical_form_and_fingerprint():
    rule = {"kind": "agree_pct", "threshold": 75, "every_sector": False}
    assert rule_clean(rule) == {"kind": "agree_pct", "threshold": 75, "every_sector": False}
    # The fingerprint frozen before "stop" existed (sha256 of the canonical JSON).
    assert rule_fingerprint(rule) == rule_fingerprint({**rule, "stop": "consensus"})
    import hashlib

    canonical = '{"every_sector":false,"kind":"agree_pct","threshold":75}'
    assert rule_fingerprint(rule) == hashlib.sha256(canonical.encode()).hexdigest()


def test_stability_rule_is_kept_with_its_share_and_refused_out_of_range():
    clean = rule_clean({"kind": "iqr", "stop": "stability"})
    assert clean == {"kind": "iqr", "every_sector": False, "stop": "stability", "stability_pct": 15}
    with pytest.raises(ValueError, match="stability share"):
        rule_clean({"kind": "iqr", "stop": "stability", "stability_pct": 101})
    with pytest.raises(ValueError, match="when a statement settles"):
        rule_clean({"kind": "iqr", "stop": "never"})


def test_attrition_withholds_small_sectors_and_all_of_them_when_one_would_show():
    counts = pd.DataFrame(
        [("agi_lab", 1, 4), ("agi_lab", 0, 2), ("academia", 1, 5), ("other", 0, 2)],
        columns=["sector", "stayed", "n"],
    )
    labels = {"agi_lab": "AGI lab", "academia": "Academia", "other": "Other"}
    result = rounds.attrition(counts, labels, 5)
    assert result["withheld"] == 1 and result["rows"] == []
    assert result["total"] == {"label": "All respondents", "n": 13, "stayed": 9, "dropped": 4,
                               "dropped_pct": pytest.approx(400 / 13)}  # fmt: skip
    result = rounds.attrition(counts, labels, 2)
    assert [(r["label"], r["stayed"], r["dropped"]) for r in result["rows"]] == [
        ("AGI lab", 4, 2), ("Academia", 5, 0), ("Other", 0, 2)
    ]  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from([-2, -1, 0, 1, 2]), min_size=2, max_size=30),
       st.lists(st.sampled_from([-2, -1, 0, 1, 2]), min_size=2, max_size=30))  # fmt: skip
def test_dropouts_against_stayers_match_scipy_mann_whitney(dropped, stayed):
    rows = [(0, 1, v) for v in dropped] + [(1, 1, v) for v in stayed] + [(1, 1, -88)]
    counts = pd.DataFrame(rows, columns=["stayed", "statement_id", "value"]).value_counts()
    counts = counts.reset_index().rename(columns={"count": "n"})
    row = rounds.dropouts_vs_stayers(counts, STATEMENTS[:1], 2)["rows"][0]
    expected = stats.mannwhitneyu(dropped, stayed, method="asymptotic")
    assert (row["dropped_m"], row["stayed_m"]) == (len(dropped), len(stayed))
    assert row["u"] == pytest.approx(expected.statistic)
    assert row["p"] == pytest.approx(expected.pvalue)
    assert row["dropped_mean"] == pytest.approx(np.mean(dropped))


def test_dropouts_against_stayers_withheld_under_the_minimum_group_size():
    counts = pd.DataFrame(
        [(0, 1, 2, 1), (1, 1, 1, 9)], columns=["stayed", "statement_id", "value", "n"]
    )
    row = rounds.dropouts_vs_stayers(counts, STATEMENTS[:1], 5)["rows"][0]
    assert row["shown"] is False and row["dropped_m"] is None and row["p"] is None
