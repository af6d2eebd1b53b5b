import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from responses.results import analysis, group_keys, selectors
from responses.results.selectors import survey_statements
from tests.factories import respond

pytestmark = pytest.mark.django_db


def tables_of(survey):
    answers, sizes = selectors.count_tables(survey_id=survey.pk)
    return analysis.results_tables(
        answers, sizes, survey_statements(survey=survey), survey.min_group_size
    )


def row_of(tables, number):
    return next(row for row in tables["statements"] if row["statement"] == number)


def test_statement_49_matches_the_paper(statement_49_survey):
    row = row_of(tables_of(statement_49_survey), 49)
    assert row["n"] == 37
    assert [row[name] for name in analysis.OPTION_NAMES] == [2, 4, 6, 13, 8, 4]
    assert round(row["pct_strongly_disagree"], 1) == 5.4
    assert round(row["pct_somewhat_disagree"], 1) == 10.8
    assert round(row["pct_neither"], 1) == 16.2
    assert round(row["pct_somewhat_agree"], 1) == 35.1
    assert round(row["pct_strongly_agree"], 1) == 21.6
    assert round(row["pct_dont_know"], 1) == 10.8
    assert round(row["mean"], 2) == 0.64
    assert row["median"] == 1
    assert round(row["se"], 2) == 0.20
    assert round(row["variance"], 2) == 1.36
    assert (row["q1"], row["q3"], row["iqr"]) == (0, 1, 1)


def test_statement_49_exact_values(statement_49_survey):
    row = row_of(tables_of(statement_49_survey), 49)
    assert row["mean"] == pytest.approx(21 / 33)
    assert row["variance"] == pytest.approx(1.3636363636)
    assert row["total_agree_pct"] == pytest.approx(100 * 21 / 37)
    assert row["total_disagree_pct"] == pytest.approx(100 * 6 / 37)
    assert row["dont_know_pct"] == pytest.approx(100 * 4 / 37)
    assert row["polarisation"] == pytest.approx(2 * 2 / 33)


def test_results_count_only_submitted_responses(statement_49_survey):
    tables = tables_of(statement_49_survey)
    # 37 answers + one cleared answer + one empty response; the unsubmitted one is out.
    assert tables["respondents"] == 39
    assert tables["headline"]["respondents"] == 39


def test_results_unanswered_statement_is_empty_not_zero(statement_49_survey):
    row = row_of(tables_of(statement_49_survey), 1)
    assert row["n"] == 0
    assert row["mean"] is None and row["median"] is None and row["pct_strongly_agree"] is None


def test_results_single_answer_has_no_variance(survey):
    respond(survey, answers={1: 2})
    row = row_of(tables_of(survey), 1)
    assert (row["n"], row["mean"], row["median"], row["q1"], row["q3"]) == (1, 2, 2, 2, 2)
    assert row["variance"] is None and row["se"] is None


def test_results_only_dont_know_has_percentages_but_no_mean(survey):
    respond(survey, answers={1: -88})
    row = row_of(tables_of(survey), 1)
    assert row["pct_dont_know"] == 100 and row["mean"] is None


def test_headline_counts_majority_agreement(survey):
    for values in ([2, 1, -1], [1, 1, -2], [-1, 2, -2]):
        respond(survey, answers=dict(zip([1, 2, 3], values, strict=True)))
    headline = tables_of(survey)["headline"]
    # agreement: S1 2/3, S2 3/3, S3 0/3; the other 47 statements have no answers.
    assert headline["majority_agreement"] == 2
    assert headline["average_total_agree_pct"] == pytest.approx((200 / 3 + 100 + 0) / 3)


@pytest.mark.parametrize(
    ("sectors", "group"),
    [
        (["academia", "agi_lab"], "agi_lab"),
        (["nonprofit", "academia"], "civil_society"),
        (["think_tank", "academia", "other"], "civil_society"),
        (["think_tank", "government"], "civil_society"),
        (["consulting"], "other"),
        (["prefer_not_to_say"], "prefer_not_to_say"),
        (["prefer_not_to_say", "government"], "other"),
        ([], ""),
    ],
)
def test_stated_sector_collapses_by_priority(survey, sectors, group):
    assert group_keys.stated_sector(sectors) == group
    respond(survey, answers={1: 1}, stated=sectors)
    answers, sizes = selectors.count_tables(survey_id=survey.pk)
    assert list(sizes["stated"]) == [group]


def _group_survey(survey):
    for i in range(6):
        respond(survey, answers={1: 2, 2: -88}, sector="agi_lab", stated=["agi_lab"], gender="man")
        respond(
            survey,
            answers={1: -1 + i % 2, 2: 1},
            sector="academia",
            stated=["academia"],
            gender="woman",
        )
    for _ in range(3):
        respond(
            survey, answers={1: 0}, sector="civil_society", stated=["nonprofit"], gender="another"
        )
    return tables_of(survey)


def test_groups_below_minimum_size_are_withheld(survey):
    tables = _group_survey(survey)
    view = next(v for v in tables["groups"] if v["name"] == "assigned_sector")
    # Civil society (3) is too small; academia goes too, or overall minus AGI lab minus
    # academia would give civil society back.
    assert [g["key"] for g in view["groups"]] == ["agi_lab"]
    assert view["withheld_groups"] == 2
    assert view["withheld_complementary"] == 1
    assert set(view["statements"][0]["groups"]) == {"agi_lab"}


def test_groups_minimum_size_is_set_per_survey(survey):
    survey.min_group_size = 3
    survey.save()
    view = next(v for v in _group_survey(survey)["groups"] if v["name"] == "stated_sector")
    assert [g["key"] for g in view["groups"]] == ["agi_lab", "academia", "civil_society"]


def test_groups_agi_lab_against_everyone_else(survey):
    view = next(v for v in _group_survey(survey)["groups"] if v["name"] == "agi_lab_vs_rest")
    assert [(g["key"], g["respondents"]) for g in view["groups"]] == [("agi_lab", 6), ("rest", 9)]
    row = view["statements"][0]
    assert row["groups"]["agi_lab"]["mean"] == 2
    assert row["groups"]["rest"]["mean"] == pytest.approx(-3 / 9)
    agi = np.repeat([2], 6)
    rest = np.array([-1, 0, -1, 0, -1, 0, 0, 0, 0])
    expected = stats.mannwhitneyu(agi, rest, method="asymptotic")
    assert row["mann_whitney"]["u"] == expected.statistic
    assert row["mann_whitney"]["p"] == pytest.approx(expected.pvalue)
    assert row["mann_whitney"]["effect"] == 1


def _unsuppressed_view(survey, name):
    """A group view withholding only the groups under the minimum size, for the tests'
    arithmetic (complementary suppression is tested in test_suppression.py)."""
    _group_survey(survey)
    answers, sizes = selectors.count_tables(survey_id=survey.pk)
    answers, sizes = analysis.with_group_keys(answers), analysis.with_group_keys(sizes)
    statements = survey_statements(survey=survey)
    return analysis.group_view(name, answers, sizes, statements, 5, withheld={})


def test_groups_chi_square_matches_scipy_without_dont_know(survey):
    view = _unsuppressed_view(survey, "gender")
    assert view["pair"] == ["man", "woman"]
    first, second = view["statements"][0], view["statements"][1]
    table = np.array([[0, 0, 6], [3, 3, 0]])  # sD, N, SA: empty columns dropped
    expected = stats.chi2_contingency(table, correction=False)
    assert first["chi_square"]["p"] == pytest.approx(expected.pvalue)
    assert first["chi_square"]["cramers_v"] == pytest.approx(1.0)
    # Statement 2: the men answered only "I don't know", which the scale's test leaves out
    # (it has its own test), so one table remains and Holm leaves its p as it is.
    assert second["chi_square"]["p"] is None
    assert first["chi_square"]["p_holm"] == first["chi_square"]["p"]
    assert first["chi_square"]["significant"] is True


def test_holm_adjusts_step_down():
    assert analysis.holm([0.01, 0.04, None, 0.03]) == pytest.approx([0.03, 0.06, None, 0.06])


def test_fingerprint_same_answers_same_fingerprint(survey, other_researcher):
    from responses.fieldwork.services.lifecycle import survey_create

    respond(survey, answers={1: 2, 5: -88}, stated=["agi_lab"])
    twin = survey_create(slug="twin", title="Twin", owner=other_researcher)
    respond(twin, answers={5: -88, 1: 2}, stated=["agi_lab"])
    first, second = tables_of(survey), tables_of(twin)
    assert first == second
    respond(twin, answers={1: 1})
    assert tables_of(twin)["fingerprint"] != first["fingerprint"]


# ---------------------------------------------------------------- properties

answer = st.one_of(st.none(), st.sampled_from([-2, -1, 0, 1, 2, -88]))


def direct(raw: list) -> dict:
    """The conventions applied to raw answers, with numpy, no counting."""
    given_ = [v for v in raw if v is not None]
    scale = np.array([v for v in given_ if v != -88], dtype=float)
    out = {"n": len(given_), "m": len(scale)}
    if len(given_):
        out["pct_dont_know"] = 100 * given_.count(-88) / len(given_)
        out["total_agree_pct"] = 100 * sum(1 for v in given_ if v in (1, 2)) / len(given_)
    if len(scale):
        out.update(
            mean=scale.mean(),
            median=np.median(scale),
            q1=np.quantile(scale, 0.25),
            q3=np.quantile(scale, 0.75),
        )
    if len(scale) > 1:
        out.update(variance=scale.var(ddof=1), se=scale.std(ddof=1) / np.sqrt(len(scale)))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(answer, max_size=80))
def test_count_statistics_equal_direct_computation(raw):
    counts = [sum(1 for v in raw if v == value) for _, value in analysis.OPTIONS]
    figures = {key: values[0] for key, values in analysis.statistics([counts]).items()}
    for key, value in direct(raw).items():
        assert figures[key] == pytest.approx(value, abs=1e-9), key
    if not [v for v in raw if v not in (None, -88)]:
        assert np.isnan(figures["mean"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([-2, -1, 0, 1, 2]), min_size=1, max_size=40),
    st.lists(st.sampled_from([-2, -1, 0, 1, 2]), min_size=1, max_size=40),
)
def test_mann_whitney_from_counts_equals_scipy(first, second):
    counts = [[values.count(v) for v in analysis.VALUES] for values in (first, second)]
    result = analysis.mann_whitney(*counts)
    if len(set(first + second)) == 1:
        assert result["p"] == 1.0
        return
    expected = stats.mannwhitneyu(first, second, method="asymptotic")
    assert result["u"] == pytest.approx(expected.statistic)
    assert result["p"] == pytest.approx(expected.pvalue)
