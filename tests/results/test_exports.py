import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from responses import uploads
from responses.fieldwork.services.lifecycle import survey_create
from responses.models import Job, Response, ResultsSnapshot
from responses.results import analysis
from responses.results.exports import respondents, writers
from responses.results.exports.respondents import WIDE_TAIL
from responses.results.services import imports
from responses.results.services.imports import responses_import
from responses.results.services.snapshots import snapshot_create
from responses.uploads import ImportRefused
from tests.factories import respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered_survey(survey):
    respond(
        survey,
        answers={1: 2, 2: -88, 3: None},
        sector="agi_lab",
        stated=["agi_lab"],
        gender="man",
        open_answer="=cmd|' /C calc'!A0",
    )
    respond(
        survey,
        answers={1: -2, 50: 1},
        sector="civil_society",
        stated=["think_tank"],
        gender="woman",
        open_answer="Publish audits.",
    )
    respond(survey, answers={1: 0}, sector="academia", stated=["academia"], submitted=False)
    return survey


def wide(survey):
    return list(
        csv.reader(io.StringIO(writers.csv_bytes(respondents.responses_wide_rows(survey)).decode()))
    )


def test_neutralise_marks_formulas_but_not_numbers():
    assert writers.neutralise("=SUM(A1)") == "'=SUM(A1)"
    for text in ("+1", "-x", "@x", "\tx", "\rx"):
        assert writers.neutralise(text) == "'" + text
    assert writers.neutralise(-88) == -88 and writers.neutralise(-2) == -2
    assert writers.neutralise("plain") == "plain"


@given(st.text())
@example("'=x")
@example("x;''=y\n'@z")
def test_unneutralise_reverses_neutralise_exactly(text):
    assert writers.unneutralise(writers.neutralise(text)) == text


# Where a spreadsheet may start reading a cell if it ignores our quotes: the csv module honours
# a quote only at a field's start, so it cuts a line at any `;` or tab it meets.
@given(st.lists(st.text(), min_size=1, max_size=4), st.sampled_from([";", "\t"]))
@example(["x;=cmd|' /C calc'!A0"], ";")
@example(['ok\n=HYPERLINK("http://evil")', 'a;"=b"'], ";")
def test_csv_cut_at_another_separator_holds_no_formula(texts, separator):
    data = writers.csv_bytes([[1, *texts, -88]]).decode()
    for row in csv.reader(io.StringIO(data, newline=""), delimiter=separator):
        for cell in row:
            assert not cell.lstrip(' "').startswith(("=", "+", "-", "@")), (texts, cell)


def test_csv_quotes_every_text_field_and_leaves_numbers_bare():
    data = writers.csv_bytes([["R1", 2, -88, None, 0.5, "x;=cmd|' /C calc'!A0"]]).decode()
    assert data == '"R1",2,-88,"",0.5,"x;\'=cmd|\' /C calc\'!A0"\r\n'


def test_xlsx_text_cells_are_strings_holding_the_text_itself():
    data = writers.xlsx_bytes([["a", "b", "c"], ["=cmd|' /C calc'!A0", "x;=1+1", -88]])
    cells = list(load_workbook(io.BytesIO(data)).active.iter_rows())[1]
    assert [(cell.data_type, cell.value) for cell in cells] == [
        ("s", "=cmd|' /C calc'!A0"), ("s", "x;=1+1"), ("n", -88)
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_drop_control_characters(survey, fmt):
    respond(survey, answers={1: 1}, open_answer="bell\x07 and escape\x1b")
    rows = respondents.responses_wide_rows(survey)
    if fmt == "csv":
        written = list(csv.reader(io.StringIO(writers.csv_bytes(rows).decode())))
    else:
        written = list(load_workbook(io.BytesIO(writers.xlsx_bytes(rows))).active.values)
    assert written[1][written[0].index("open_answer")] == "bell and escape"


def test_wide_export_columns_and_codes(answered_survey):
    rows = wide(answered_survey)
    head = rows[0]
    assert head[:5] == ["respondent", "test", "language", "sector", "assigned_sector"]
    assert head[head.index("gender") + 5] == "S1" and head[-3:] == ["S50", *WIDE_TAIL]
    assert len(rows) == 3  # the unsubmitted response is left out
    by_sector = {row[3]: dict(zip(head, row, strict=True)) for row in rows[1:]}
    agi = by_sector["agi_lab"]
    assert (agi["gender"], agi["S1"], agi["S2"], agi["S3"]) == ("man", "2", "-88", "")
    assert agi["open_answer"] == "'=cmd|' /C calc'!A0"
    assert by_sector["civil_society"]["S1"] == "-2" and by_sector["civil_society"]["S50"] == "1"


def test_wide_export_is_anonymous_with_the_stored_pseudonyms(answered_survey):
    first, second = wide(answered_survey), wide(answered_survey)
    text = str(first)
    assert "Expert" not in text and "example.org" not in text
    ids = [row[0] for row in first[1:]]
    stored = Response.objects.filter(submitted_at__isnull=False).values_list("pseudonym", flat=True)
    assert sorted(ids) == sorted(stored)
    pks = {f"R{pk}" for pk in Response.objects.values_list("pk", flat=True)}
    assert not pks & set(ids)
    assert first == second


def test_wide_xlsx_keeps_codes_numeric(answered_survey):
    data = writers.xlsx_bytes(respondents.responses_wide_rows(answered_survey), "Responses")
    sheet = load_workbook(io.BytesIO(data)).active
    head, *values = sheet.iter_rows(values_only=True)
    agi = dict(zip(head, next(row for row in values if row[3] == "agi_lab"), strict=True))
    assert agi["S1"] == 2 and agi["S2"] == -88 and agi["S3"] is None
    assert agi["open_answer"] == "=cmd|' /C calc'!A0"


def test_long_export_has_one_row_per_answer(answered_survey):
    text = writers.csv_bytes(respondents.responses_long_rows(answered_survey)).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-3:] == ["statement", "value", "comment"] and rows[0][:2] == [
        "respondent",
        "test",
    ]
    assert sorted((row[3], row[-3], row[-2]) for row in rows[1:]) == [
        ("agi_lab", "1", "2"),
        ("agi_lab", "2", "-88"),
        ("civil_society", "1", "-2"),
        ("civil_society", "50", "1"),
    ]


def _file(rows):
    stream = io.StringIO()
    csv.writer(stream).writerows(rows)
    return stream.getvalue().encode()


def header():
    return (
        ["respondent", "sector", "gender"]
        + [f"S{n}" for n in range(1, 51)]
        + ["open_answer", "order_shown"]
    )


def test_import_accepts_dk_and_blank(survey):
    row = ["a", "academia", "woman", "DK", "-88", "", "2.0"] + [""] * 46 + ["'=x", "3 1 2"]
    count = responses_import(survey=survey, data=_file([header(), row]), filename="in.csv")
    assert count == 1
    response = Response.objects.get()
    values = dict(response.answers.values_list("statement__number", "value"))
    assert values == {1: -88, 2: -88, 4: 2}
    assert response.open_answer == "=x" and response.submitted_at is not None
    assert response.invitation.revoked_at is not None
    assert response.sectors == ["academia"] and response.invitation.expert.sector == "academia"


def test_import_reports_every_bad_row_and_imports_nothing(survey):
    rows = [
        header(),
        ["a", "academia", "man", "2"] + [""] * 51,
        ["", "mars", "robot", "3", "x"] + [""] * 50,
        ["a", "", "", "1"] + [""] * 49 + ["", "99"],
    ]
    with pytest.raises(ImportRefused) as refused:
        responses_import(survey=survey, data=_file(rows), filename="in.csv")
    assert str(refused.value) == imports.ERROR_HAS_PROBLEMS
    assert refused.value.problems == [
        {"line": 3, "message": "The respondent id is empty."},
        {"line": 3, "message": "Unknown sector 'mars'."},
        {"line": 3, "message": "Unknown gender 'robot'."},
        {"line": 3, "message": "Column S1: '3' is not an answer (use -2 to 2, -88 or DK)."},
        {"line": 3, "message": "Column S2: 'x' is not an answer (use -2 to 2, -88 or DK)."},
        {"line": 4, "message": "The order shown must list statement numbers of this survey."},
        {"line": 4, "message": "Respondent 'a' appears twice in the file."},
    ]
    assert Response.objects.count() == 0


def test_import_refuses_unknown_and_missing_columns(survey):
    with pytest.raises(ImportRefused) as refused:
        responses_import(
            survey=survey, data=_file([["respondent", "S51", "name"]]), filename="in.csv"
        )
    assert refused.value.problems == [
        {"line": 1, "message": "Unknown column 'S51'."},
        {"line": 1, "message": "Unknown column 'name'."},
        {"line": 1, "message": "The columns sector, gender are missing."},
    ]


def test_import_refuses_unreadable_file(survey):
    with pytest.raises(ImportRefused) as refused:
        responses_import(survey=survey, data=b"not a zip", filename="in.xlsx")
    assert str(refused.value) == uploads.ERROR_XLSX


OPEN_ANSWERS = ["=cmd|' /C calc'!A0", "'=x", "x;=cmd", "ok\n- b\n- c", "@x", "-5 is fine", "'"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_keeps_open_answers_exactly(survey, researcher, tmp_path, fmt):
    for text in OPEN_ANSWERS:
        respond(survey, answers={1: 1}, open_answer=text)
    path = tmp_path / f"wide.{fmt}"
    call_command("export_responses", survey=survey.slug, output=str(path), format=fmt)
    copy = survey_create(slug="copy", title="Copy", owner=researcher)
    call_command("import_responses", str(path), survey=copy.slug)
    imported = Response.objects.filter(invitation__survey=copy)
    assert sorted(imported.values_list("open_answer", flat=True)) == sorted(OPEN_ANSWERS)


def test_round_trip_export_import_gives_identical_results(answered_survey, researcher, tmp_path):
    original = snapshot_create(survey=answered_survey)
    for fmt, name in (("csv", "wide.csv"), ("xlsx", "wide.xlsx")):
        path = tmp_path / name
        call_command("export_responses", survey=answered_survey.slug, output=str(path), format=fmt)
        copy = survey_create(slug=f"copy-{fmt}", title="Copy", owner=researcher)
        call_command("import_responses", str(path), survey=copy.slug)
        again = snapshot_create(survey=copy)
        assert again.fingerprint == original.fingerprint
        assert again.tables == original.tables


@pytest.mark.django_db(transaction=True)
def test_compute_results_command_writes_the_columns(answered_survey, tmp_path):
    # Committed for real: the command enqueues its job on commit, as in production.
    path = tmp_path / "results.csv"
    call_command("compute_results", survey=answered_survey.slug, output=str(path))
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert list(rows[0]) == analysis.RESULT_COLUMNS + analysis.INTERVAL_COLUMNS + ["consensus"]
    first = rows[0]
    assert (first["statement"], first["n"], first["strongly_agree"]) == ("1", "2", "1")
    assert float(first["pct_strongly_agree"]) == 50.0 and float(first["mean"]) == 0.0
    assert rows[1]["mean"] == "" and rows[1]["pct_dont_know"] == "100.0"
    assert rows[2]["n"] == "0" and rows[2]["pct_neither"] == "" and rows[2]["q1"] == ""
    assert ResultsSnapshot.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_compute_results_recount_runs_the_recompute_job_and_writes_the_same_table(
    answered_survey, tmp_path
):
    plain, recounted = tmp_path / "plain.csv", tmp_path / "recounted.csv"
    call_command("compute_results", survey=answered_survey.slug, output=str(plain))
    first = ResultsSnapshot.objects.get()
    assert not Job.objects.exists() and first.tables["order"] is None
    call_command(
        "compute_results", survey=answered_survey.slug, output=str(recounted), recount=True
    )
    job = Job.objects.get()
    again = ResultsSnapshot.objects.get(pk=job.result["snapshot_id"])
    assert (job.kind, job.status) == ("results.recompute", Job.Status.DONE)
    assert again.tables["order"] is not None and again.fingerprint == first.fingerprint
    assert recounted.read_text() == plain.read_text()


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("compute_results", {"survey": "nope", "output": "x.csv"}, "No survey with the slug"),
        ("compute_results", {"survey": "agi", "output": "/no/such/dir/x.csv"}, "Cannot write"),
        ("export_responses", {"survey": "nope", "output": "x.csv"}, "No survey with the slug"),
        ("export_responses", {"survey": "agi", "output": "/no/such/x.csv"}, "Cannot write"),
    ],
)
def test_commands_refuse_bad_input(survey, command, options, message):
    with pytest.raises(CommandError, match=message):
        call_command(command, **options)
    assert ResultsSnapshot.objects.count() == 0


def test_import_command_lists_errors_and_imports_nothing(survey, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(_file([header(), ["a", "", "", "7"] + [""] * 51]))
    with pytest.raises(CommandError) as error:
        call_command("import_responses", str(path), survey=survey.slug)
    assert str(error.value) == imports.ERROR_HAS_PROBLEMS
    assert "line 2: Column S1: '7' is not an answer" in capsys.readouterr().err
    assert Response.objects.count() == 0


def test_import_command_refuses_missing_file(survey):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_responses", "/no/such/file.csv", survey=survey.slug)


def test_export_command_long_format(answered_survey, tmp_path):
    path = tmp_path / "long.csv"
    call_command("export_responses", survey=answered_survey.slug, output=str(path), format="long")
    assert path.read_text().splitlines()[0].endswith('"statement","value","comment"')


def test_import_refuses_a_respondent_id_longer_than_its_placeholder_name_holds(survey):
    rows = [header(), ["r" * 101, "", "", "1"] + [""] * 51]
    with pytest.raises(ImportRefused) as refused:
        responses_import(survey=survey, data=_file(rows), filename="in.csv")
    message = imports.ERROR_RESPONDENT_TOO_LONG.format(limit=100)
    assert refused.value.problems == [{"line": 2, "message": message}]
    assert Response.objects.count() == 0


@pytest.mark.parametrize("order", ["²", "٣", "9" * 5000])
def test_import_refuses_an_order_shown_that_is_no_statement_number(survey, order):
    rows = [header(), ["a", "", "", "1"] + [""] * 50 + [order]]
    with pytest.raises(ImportRefused) as refused:
        responses_import(survey=survey, data=_file(rows), filename="in.csv")
    assert refused.value.problems == [{"line": 2, "message": imports.ERROR_ORDER}]


@given(st.one_of(st.text(), st.integers(), st.none(), st.floats(allow_nan=False)))
@example("'x")
@example("a;=b")
@example("bell\x07")
def test_csv_cell_quick_path_equals_the_full_neutralisation(value):
    assert writers.csv_cell(value) == writers.neutralise(writers._text(value))
