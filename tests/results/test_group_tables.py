"""The paper's groups, their tables in compute_results --by and the exports."""

import csv
import io

import pytest
from django.core.management import call_command

from responses.results import analysis, selectors
from responses.results.exports import registry
from responses.results.exports.group_rows import GROUP_COLUMNS
from responses.results.selectors import survey_statements
from responses.results.services import snapshots
from tests.factories import respond

pytestmark = pytest.mark.django_db


def _panel(survey):
    survey.min_group_size = 1
    survey.save()
    respond(survey, answers={1: 2, 2: 2}, sector="agi_lab", stated=["agi_lab", "academia"])
    respond(survey, answers={1: 2, 2: 1}, sector="agi_lab", stated=["agi_lab"], gender="man")
    respond(survey, answers={1: 0, 2: -88}, sector="academia", stated=["academia"])
    # The paper's code: a civil-society option with academia is civil society.
    respond(survey, answers={1: -1, 2: 1}, sector="academia", stated=["nonprofit", "academia"])
    respond(survey, answers={1: -2, 2: -2}, sector="other", stated=["tech_company"])
    return survey


def _view(tables, name):
    return next(view for view in tables["groups"] if view["name"] == name)


def _tables(survey):
    answers, sizes = selectors.count_tables(survey_id=survey.pk)
    return analysis.results_tables(answers, sizes, survey_statements(survey=survey), 1)


def test_agi_lab_vs_rest_is_academia_and_civil_society_only(survey):
    view = _view(_tables(_panel(survey)), "agi_lab_vs_rest")
    assert [(g["key"], g["respondents"]) for g in view["groups"]] == [("agi_lab", 2), ("rest", 2)]
    assert "academia + civil society" in view["label"]
    rest = view["statements"][0]["groups"]["rest"]
    assert rest["mean"] == pytest.approx(-0.5) and rest["n"] == 2


def test_agi_lab_vs_all_others_counts_every_other_respondent(survey):
    view = _view(_tables(_panel(survey)), "agi_lab_vs_all_others")
    assert [(g["key"], g["respondents"]) for g in view["groups"]] == [
        ("agi_lab", 2),
        ("all_others", 3),
    ]
    assert view["statements"][0]["groups"]["all_others"]["mean"] == pytest.approx(-1)


def test_stated_sector_puts_nonprofit_with_academia_in_civil_society(survey):
    view = _view(_tables(_panel(survey)), "stated_sector")
    sizes = {g["key"]: g["respondents"] for g in view["groups"]}
    assert sizes == {"agi_lab": 2, "academia": 1, "civil_society": 1, "other": 1}


def test_group_mean_difference_has_welch_interval(survey):
    view = _view(_tables(_panel(survey)), "agi_lab_vs_rest")
    difference = view["statements"][0]["mean_difference"]
    assert difference["difference"] == pytest.approx(2.5)
    assert difference["ci_low"] < 2.5 < difference["ci_high"]


def test_group_permutation_p_values_are_reproducible(survey):
    _panel(survey)
    first = snapshots.snapshot_create(survey=survey).tables
    second = snapshots.snapshot_create(survey=survey).tables
    view = _view(first, "stated_sector")
    assert view["permutations"] > 0
    p = view["statements"][0]["permutation"]["p"]
    assert 0 < p <= 1
    assert first["groups"] == second["groups"]


@pytest.mark.django_db(transaction=True)
def test_compute_results_by_grouping_writes_a_row_per_statement_and_group(survey, tmp_path):
    _panel(survey)
    survey.consensus_rule = {"kind": "agree_pct", "threshold": 75, "every_sector": False}
    survey.save()
    path = tmp_path / "groups.csv"
    call_command(
        "compute_results", survey=survey.slug, output=str(path), by="agi_lab_vs_rest", timeout=20
    )
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert list(rows[0]) == GROUP_COLUMNS
    first = {(row["statement"], row["group"]): row for row in rows}
    lab, rest = first[("1", "agi_lab")], first[("1", "rest")]
    assert (lab["n"], lab["strongly_agree"], lab["mean"]) == ("2", "2", "2.0")
    assert lab["consensus"] == "1"
    assert (rest["n"], rest["mean"], rest["consensus"]) == ("2", "-0.5", "0")
    assert float(lab["agree_ci_low"]) < 100 and lab["tastle_wierman"] == "1.0"
    # Two groups × 50 statements, then the agreement index: each group and the difference.
    assert len(rows) == 2 * 50 + 3


def test_compute_results_refuses_an_unknown_grouping(survey, tmp_path):
    from django.core.management.base import CommandError

    from responses.models import Job

    with pytest.raises(CommandError, match="No grouping age: choose one of assigned_sector"):
        call_command("compute_results", survey=survey.slug, output=str(tmp_path / "x"), by="age")
    assert not Job.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "latex"])
def test_group_exports_are_registered_for_every_grouping(survey, fmt):
    tables = _tables(_panel(survey))
    for name in analysis.GROUPINGS:
        body = registry.export_bytes(key=f"groups-{name}-{fmt}", tables=tables)
        assert body
    latex = registry.export_bytes(key="groups-agi_lab_vs_rest-latex", tables=tables).decode()
    if fmt == "latex":
        assert "Academia + civil society mean (SE)" in latex and "2.00 (0.00)" in latex
