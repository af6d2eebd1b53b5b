"""The respondent-level test of "group A agrees more overall" (the mean agreement index)."""

import numpy as np
import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from responses.results.analysis.agreement import agreement_index_test
from responses.results.selectors.agreement import agreement_indices
from responses.results.services import snapshots
from tests.factories import respond

pytestmark = pytest.mark.django_db


def _panel(survey, min_size=1):
    survey.min_group_size = min_size
    survey.save()
    respond(survey, answers={1: 2, 2: 2}, stated=["agi_lab"])
    respond(survey, answers={1: 2, 2: 1}, stated=["agi_lab"])
    respond(survey, answers={1: 0, 2: -88}, stated=["academia"])
    respond(survey, answers={1: -1, 2: 1}, stated=["nonprofit"])
    respond(survey, answers={1: -2, 2: -2}, stated=["tech_company"])
    respond(survey, answers={1: -2, 2: -2}, stated=["agi_lab"], submitted=False)
    return survey


def _view(tables, name):
    return next(view for view in tables["groups"] if view["name"] == name)


def test_agreement_indices_are_counted_respondents_means_without_dont_know(survey):
    frame = agreement_indices(survey_id=_panel(survey).pk)
    rows = sorted(zip(frame["stated"], frame["index"], frame["m"], strict=True))
    assert rows == [
        ("academia", 0.0, 1),
        ("agi_lab", 1.5, 2),
        ("agi_lab", 2.0, 2),
        ("civil_society", 0.0, 2),
        ("other", -2.0, 2),
    ]


def test_agreement_index_test_is_in_the_snapshot_of_each_pair(survey):
    tables = snapshots.snapshot_create(survey=_panel(survey)).tables
    test = _view(tables, "agi_lab_vs_rest")["agreement_index"]
    assert test["n"] == [2, 2]
    assert test["difference"] == pytest.approx(1.75)
    assert 0 < test["p"] <= 1
    assert test["ci_low"] <= 1.75 <= test["ci_high"]
    assert _view(tables, "agi_lab_vs_all_others")["agreement_index"]["n"] == [2, 3]
    assert _view(tables, "stated_sector")["agreement_index"] is None


def test_agreement_index_test_comes_with_the_permutation_tests_only(survey):
    # Its read is every answer grouped by respondent: a snapshot without draws skips both.
    tables = snapshots.snapshot_create(survey=_panel(survey), permutations=0).tables
    assert _view(tables, "agi_lab_vs_rest")["agreement_index"] is None


def test_agreement_index_test_is_reproducible_from_the_fingerprint(survey):
    _panel(survey)
    first = snapshots.snapshot_create(survey=survey).tables
    second = snapshots.snapshot_create(survey=survey).tables
    name = "agi_lab_vs_all_others"
    assert _view(first, name)["agreement_index"] == _view(second, name)["agreement_index"]


def test_agreement_index_test_is_withheld_with_a_group_under_the_minimum_size(survey):
    tables = snapshots.snapshot_create(survey=_panel(survey, min_size=3)).tables
    assert _view(tables, "agi_lab_vs_rest")["agreement_index"] is None


def test_agreement_index_test_needs_two_respondents_per_group():
    assert agreement_index_test([1.0], [0.0, 1.0], rng=np.random.default_rng(0)) is None


def test_results_page_states_the_agreement_index_difference(client, researcher, survey):
    _panel(survey)
    client.force_login(researcher)
    html = client.get(reverse("research:results", args=[survey.slug])).content.decode()
    assert (
        "Across all statements, AGI lab respondents' mean agreement is 1.75 points higher "
        "than Academia + civil society respondents' (95% CI"
    ) in html


samples = st.lists(st.integers(-8, 8).map(lambda v: v / 4), min_size=2, max_size=5)


@settings(max_examples=40, deadline=None)
@given(samples, samples)
def test_agreement_index_test_matches_scipy_permutation_test(first, second):
    ours = agreement_index_test(first, second, rng=np.random.default_rng(1), permutations=1999)
    reference = scipy_stats.permutation_test(
        (first, second),
        lambda x, y: abs(np.mean(x) - np.mean(y)),
        permutation_type="independent",
        alternative="greater",
        n_resamples=10_000,  # above the partitions of ≤ 10 values: scipy's exact test
    )
    assert ours["difference"] == pytest.approx(np.mean(first) - np.mean(second))
    # Monte Carlo against exact: 1,999 draws leave a standard error of at most 0.011.
    assert ours["p"] == pytest.approx(reference.pvalue, abs=0.05)


def test_group_table_export_ends_with_the_agreement_index_test(survey):
    from responses.results.exports.group_rows import GROUP_COLUMNS, group_rows

    tables = snapshots.snapshot_create(survey=_panel(survey)).tables
    rows = [
        dict(zip(GROUP_COLUMNS, row, strict=True)) for row in group_rows(tables, "agi_lab_vs_rest")
    ]
    *_, lab, rest, difference = rows
    assert (lab["statement"], lab["group"], lab["n"], lab["mean"]) == ("all", "agi_lab", 2, 1.75)
    assert (rest["group"], rest["mean"]) == ("rest", 0.0)
    test = _view(tables, "agi_lab_vs_rest")["agreement_index"]
    assert difference["group"] == "agi_lab_minus_rest"
    assert difference["mean"] == pytest.approx(1.75)
    assert difference["p_permutation"] == test["p"]
    assert difference["mean_ci_low"] == test["ci_low"]


def test_agreement_index_test_of_a_large_panel_uses_the_normal_approximation():
    rng = np.random.default_rng(3)
    first, second = rng.normal(0.3, 0.6, 1500), rng.normal(0.25, 0.6, 1500)
    ours = agreement_index_test(first, second, rng=np.random.default_rng(1))
    reference = scipy_stats.ttest_ind(first, second)
    welch = scipy_stats.ttest_ind(first, second, equal_var=False).confidence_interval()
    assert ours["method"] == "normal"
    assert ours["p"] == pytest.approx(reference.pvalue, abs=0.005)
    assert (ours["ci_low"], ours["ci_high"]) == pytest.approx((welch.low, welch.high))
