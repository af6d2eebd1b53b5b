"""The analysis-ready exports (issue 11, parts 1 and 2): the new columns, the comments, the
test flag, the labelled SPSS and Stata files, the DDI and HTML codebooks, the web downloads
and the round trip with the new columns."""

import csv
import io
from datetime import UTC

import pyreadstat
import pytest
from defusedxml import ElementTree
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from responses.fieldwork.services.lifecycle import survey_create
from responses.models import Invitation, Response
from responses.results.exports import codebook, registry, respondents, writers
from responses.results.services.counts import answers_group, counts_rebuild
from responses.results.services.snapshots import snapshot_create
from statements.models import Statement, StatementTranslation
from tests.factories import respond

pytestmark = pytest.mark.django_db

NS = {"ddi": "ddi:codebook:2_5"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture
def rich_survey(survey):
    """Two experts' responses with comments and several stated sectors, one test response."""
    survey.languages = ["en", "fr"]
    survey.organisation = "Centre for the Governance of AI"
    survey.save()
    StatementTranslation.objects.create(
        statement=Statement.objects.get(number=1), language="fr", title="Titre", text="Texte un."
    )
    respond(
        survey,
        answers={1: 2, 2: -88, 3: None},
        sector="civil_society",
        stated=["agi_lab", "academia"],
        gender="man",
        comments={1: "Too vague.", 3: "=cmd|' /C calc'!A0"},
    )
    respond(survey, answers={1: -2, 50: 1}, sector="academia", stated=["think_tank"])
    test = respond(survey, answers={1: 1}, sector="agi_lab", stated=["agi_lab"])
    Invitation.objects.filter(pk=test.invitation_id).update(is_test=True)
    # Made a test after submitting: keyed again, so no count sees it (as one made a test first).
    answers_group(response_ids=[test.pk])
    counts_rebuild(survey=survey)
    return survey


def table(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def first_respondent(survey) -> Response:
    return Response.objects.filter(invitation__survey=survey, gender="man").get()


def test_wide_export_has_the_new_columns(rich_survey):
    rows = table(registry.export_bytes(key="csv", survey=rich_survey))
    assert len(rows) == 2  # the test response is left out
    person = first_respondent(rich_survey)
    row = next(row for row in rows if row["respondent"] == person.pseudonym)
    assert (row["sector_agi_lab"], row["sector_academia"], row["sector_think_tank"]) == (
        "1", "1", "0"
    )  # fmt: skip
    assert (row["sector"], row["assigned_sector"], row["test"]) == ("agi_lab", "civil_society", "0")
    assert row["consented_at"] == person.consented_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert row["submitted_at"].endswith("Z") and row["first_answer_at"].endswith("Z")
    expected = round((person.submitted_at - person.consented_at).total_seconds())
    assert row["duration_seconds"] == str(expected)


def test_wide_export_includes_test_responses_only_when_asked(rich_survey):
    rows = table(registry.export_bytes(key="csv", survey=rich_survey, include_test=True))
    assert sorted(row["test"] for row in rows) == ["0", "0", "1"]


def test_wide_and_long_share_the_pseudonym(rich_survey):
    wide = {
        row["respondent"] for row in table(registry.export_bytes(key="csv", survey=rich_survey))
    }
    long = table(registry.export_bytes(key="long", survey=rich_survey))
    assert {row["respondent"] for row in long} == wide
    stored = set(Response.objects.values_list("pseudonym", flat=True))
    assert wide <= stored


def test_long_export_carries_comments_and_commented_blanks(rich_survey):
    person = first_respondent(rich_survey)
    long = table(registry.export_bytes(key="long", survey=rich_survey))
    mine = [
        (r["statement"], r["value"], r["comment"])
        for r in long
        if r["respondent"] == person.pseudonym
    ]
    assert mine == [("1", "2", "Too vague."), ("2", "-88", ""), ("3", "", "'=cmd|' /C calc'!A0")]


def test_comments_file_lists_only_comments(rich_survey):
    person = first_respondent(rich_survey)
    rows = [
        list(row.values())
        for row in table(registry.export_bytes(key="comments", survey=rich_survey))
    ]
    assert rows == [
        [person.pseudonym, "1", "Too vague."],
        [person.pseudonym, "3", "'=cmd|' /C calc'!A0"],
    ]


def test_xlsx_has_a_frozen_header_and_a_variables_sheet(rich_survey):
    workbook = load_workbook(io.BytesIO(registry.export_bytes(key="xlsx", survey=rich_survey)))
    assert workbook.sheetnames == ["Responses", "Variables"]
    data, variables = workbook["Responses"], workbook["Variables"]
    assert data.freeze_panes == "A2" and variables.freeze_panes == "A2"
    head = [cell.value for cell in data[1]]
    s1 = data.cell(row=2, column=head.index("S1") + 1)
    assert s1.number_format == "0" and isinstance(s1.value, int)
    assert data.column_dimensions["A"].width >= len("respondent")
    described = {row[0]: row for row in variables.iter_rows(min_row=2, values_only=True)}
    assert list(described) == head
    assert described["S1"][1].startswith("S1. ") and "-88 = I don't know" in described["S1"][3]
    assert "[fr] Texte un." in described["S1"][4]


def test_sav_has_variable_and_value_labels_and_user_missing(rich_survey, tmp_path):
    path = tmp_path / "out.sav"
    path.write_bytes(registry.export_bytes(key="sav", survey=rich_survey))
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    title = Statement.objects.get(number=1).title
    assert labels["S1"] == f"S1. {title}"
    assert meta.variable_value_labels["S1"][-88] == "I don't know"
    assert meta.variable_value_labels["S1"][2] == "Strongly agree"
    assert meta.missing_ranges["S1"] == [{"lo": -88.0, "hi": -88.0}]
    person = first_respondent(rich_survey)
    row = frame[frame["respondent"] == person.pseudonym].iloc[0]
    assert (row["S1"], row["S2"]) == (2, -88) and row.isna()["S3"]
    assert row["sector_academia"] == 1 and row["duration_seconds"] >= 0
    assert len(frame) == 2
    # Read as analysis reads it, -88 is missing.
    plain, _ = pyreadstat.read_sav(str(path))
    assert plain[plain["respondent"] == person.pseudonym]["S2"].isna().all()


def test_dta_keeps_dont_know_as_extended_missing(rich_survey, tmp_path):
    path = tmp_path / "out.dta"
    path.write_bytes(registry.export_bytes(key="dta", survey=rich_survey))
    frame, meta = pyreadstat.read_dta(str(path), user_missing=True)
    person = first_respondent(rich_survey)
    row = frame[frame["respondent"] == person.pseudonym].iloc[0]
    assert (row["S1"], row["S2"]) == (2, "a")
    assert meta.variable_value_labels["S1"]["a"] == "I don't know"
    assert meta.missing_user_values["S2"] == ["a"]  # listed where a value is missing
    assert meta.column_labels[meta.column_names.index("S1")].startswith("S1. ")


@pytest.mark.parametrize(("fmt", "shown_as"), [("sav", "DATETIME"), ("dta", "%tc")])
def test_labelled_files_keep_times_as_date_times_in_utc(rich_survey, tmp_path, fmt, shown_as):
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(registry.export_bytes(key=fmt, survey=rich_survey))
    frame, meta = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
    person = first_respondent(rich_survey)
    row = frame[frame["respondent"] == person.pseudonym].iloc[0]
    for name in ("consented_at", "submitted_at"):
        expected = getattr(person, name).astimezone(UTC).replace(tzinfo=None, microsecond=0)
        assert row[name].to_pydatetime() == expected
        assert meta.original_variable_types[name].startswith(shown_as)


def test_ddi_codebook_describes_every_column(rich_survey):
    root = ElementTree.fromstring(codebook.ddi_bytes(rich_survey))
    assert root.tag == "{ddi:codebook:2_5}codeBook"
    assert root.findtext("ddi:stdyDscr/ddi:citation/ddi:titlStmt/ddi:titl", namespaces=NS) == (
        rich_survey.title
    )
    producer = "ddi:stdyDscr/ddi:citation/ddi:rspStmt/ddi:AuthEnty"
    assert root.findtext(producer, namespaces=NS) == "Centre for the Governance of AI"
    sample = root.findtext("ddi:stdyDscr/ddi:method/ddi:anlyInfo/ddi:respRate", namespaces=NS)
    assert sample == "2 of 2 (100.0%)."  # the test invitation is neither invited nor responded
    names = [var.get("name") for var in root.findall("ddi:dataDscr/ddi:var", NS)]
    header = next(respondents.responses_wide_rows(rich_survey))
    assert names == header
    s1 = root.find("ddi:dataDscr/ddi:var[@name='S1']", NS)
    wordings = {q.get(XML_LANG): q.text for q in s1.findall("ddi:qstn/ddi:qstnLit", NS)}
    assert wordings == {"en": Statement.objects.get(number=1).text, "fr": "Texte un."}
    codes = [
        (c.findtext("ddi:catValu", namespaces=NS) or "", c.get("missing"))
        for c in s1.findall("ddi:catgry", NS)
    ]
    assert codes == [
        ("2", None), ("1", None), ("0", None), ("-1", None), ("-2", None), ("-88", "Y"), ("", "Y")
    ]  # fmt: skip
    flag = root.find("ddi:dataDscr/ddi:var[@name='test']", NS)
    assert [c.findtext("ddi:catValu", namespaces=NS) for c in flag.findall("ddi:catgry", NS)] == [
        "0", "1"
    ]  # fmt: skip


def test_html_codebook_escapes_and_lists_the_wording(rich_survey):
    StatementTranslation.objects.filter(language="fr").update(text="<b>Texte</b> un.")
    html = codebook.html_bytes(rich_survey).decode()
    assert "&lt;b&gt;Texte&lt;/b&gt; un." in html and "<b>Texte" not in html
    assert 'id="var-S1"' in html and "I don&#x27;t know" in html and "(blank)" in html
    assert "<style" not in html and "style=" not in html


@pytest.mark.parametrize("fmt", ["sav", "dta", "comments", "long-xlsx"])
def test_export_command_writes_every_format(rich_survey, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    call_command("export_responses", survey=rich_survey.slug, output=str(path), format=fmt)
    assert path.read_bytes() == registry.export_bytes(key=fmt, survey=rich_survey) or fmt in (
        "sav", "dta", "long-xlsx"
    )  # fmt: skip
    assert path.stat().st_size > 0 and [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize(("fmt", "start"), [("ddi", b"<?xml"), ("html", b"<!DOCTYPE html>")])
def test_export_codebook_command(rich_survey, tmp_path, fmt, start):
    path = tmp_path / "codebook"
    call_command("export_codebook", survey=rich_survey.slug, output=str(path), format=fmt)
    assert path.read_bytes().startswith(start)


def test_export_codebook_command_refuses_bad_input(rich_survey):
    with pytest.raises(CommandError, match="No survey with the slug"):
        call_command("export_codebook", survey="nope", output="x.xml")
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_codebook", survey=rich_survey.slug, output="/no/such/dir/x.xml")


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("sav", "application/x-spss-sav"),
        ("dta", "application/x-stata-dta"),
        ("codebook", "application/xml; charset=utf-8"),
        ("codebook-html", "text/html; charset=utf-8"),
        ("comments", "text/csv; charset=utf-8"),
    ],
)
def test_results_page_downloads_every_format(client, researcher, rich_survey, key, content_type):
    client.force_login(researcher)
    page = client.get(reverse("research:results", args=[rich_survey.slug])).content.decode()
    url = reverse("research:results_export", args=[rich_survey.slug, key])
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == content_type
    filename = registry.export_filename(key=key, slug=rich_survey.slug)
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_web_csv_download_streams_and_can_include_tests(client, researcher, rich_survey):
    client.force_login(researcher)
    url = reverse("research:results_export", args=[rich_survey.slug, "csv"])
    response = client.get(url)
    assert response.streaming
    assert len(table(b"".join(response.streaming_content))) == 2
    with_tests = b"".join(client.get(url + "?tests=1").streaming_content)
    assert len(table(with_tests)) == 3


def test_other_researcher_cannot_download_the_sav(client, other_researcher, rich_survey):
    client.force_login(other_researcher)
    response = client.get(reverse("research:results_export", args=[rich_survey.slug, "sav"]))
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_with_the_new_columns_gives_the_same_fingerprint(
    rich_survey, researcher, tmp_path, fmt
):
    original = snapshot_create(survey=rich_survey)
    path = tmp_path / f"wide.{fmt}"
    # Test responses are counted nowhere (people's UNCOUNTED_SQL), so the round trip carries
    # the counted ones: the default export.
    call_command("export_responses", survey=rich_survey.slug, output=str(path), format=fmt)
    copy = survey_create(slug=f"copy-{fmt}", title="Copy", owner=researcher)
    call_command("import_responses", str(path), survey=copy.slug)
    again = snapshot_create(survey=copy)
    assert again.fingerprint == original.fingerprint and again.tables == original.tables
    source = first_respondent(rich_survey)
    imported = Response.objects.get(invitation__survey=copy, gender="man")
    assert imported.sectors == ["agi_lab", "academia"]
    assert imported.invitation.expert.sector == "civil_society"
    assert imported.consented_at == source.consented_at.replace(microsecond=0)
    exported_again = table(registry.export_bytes(key="csv", survey=copy))
    columns = ["test", "sector_agi_lab", "assigned_sector", "consented_at", "S1", "S2", "S50"]
    before = table(registry.export_bytes(key="csv", survey=rich_survey))
    assert sorted([row[c] for c in columns] for row in exported_again) == sorted(
        [row[c] for c in columns] for row in before
    )


def test_import_refuses_bad_new_columns(survey):
    from responses.results.services.imports import responses_import
    from responses.uploads import ImportRefused

    head = ["respondent", "sector", "gender", "sector_agi_lab", "assigned_sector", "submitted_at"]
    data = writers.csv_bytes([head, ["a", "", "", "2", "mars", "yesterday"]])
    with pytest.raises(ImportRefused) as refused:
        responses_import(survey=survey, data=data, filename="in.csv")
    assert [problem["message"] for problem in refused.value.problems] == [
        "Column sector_agi_lab: '2' is neither 0 nor 1.",
        "Unknown assigned sector 'mars'.",
        "Column submitted_at: 'yesterday' is not a time (ISO 8601, e.g. 2026-03-01T09:30:00Z).",
    ]
    assert Response.objects.count() == 0


@pytest.mark.parametrize("key", ["csv", "long", "comments", "xlsx", "sav", "dta", "codebook"])
def test_exports_of_a_survey_without_responses_hold_the_columns(survey, key, tmp_path):
    data = registry.export_bytes(key=key, survey=survey)
    if key in ("sav", "dta"):
        path = tmp_path / f"empty.{key}"
        path.write_bytes(data)
        frame, _ = (pyreadstat.read_sav if key == "sav" else pyreadstat.read_dta)(str(path))
        assert len(frame) == 0 and "S50" in frame.columns
    else:
        assert data


def test_codebook_notes_the_frozen_consensus_rule(rich_survey):
    from django.utils import timezone

    rich_survey.consensus_rule = {"kind": "agree_pct", "threshold": 75}
    rich_survey.consensus_frozen_at = timezone.now()
    rich_survey.consensus_fingerprint = "f" * 64
    rich_survey.save()
    root = ElementTree.fromstring(codebook.ddi_bytes(rich_survey))
    (note,) = [element.text for element in root.findall("ddi:stdyDscr/ddi:notes", NS)]
    assert '{"kind": "agree_pct", "threshold": 75}' in note and "f" * 64 in note
    assert "Consensus rule</dt>" in codebook.html_bytes(rich_survey).decode()


def test_long_xlsx_past_a_sheets_rows_is_refused_with_a_message(client, researcher, rich_survey):
    from responses.results.exports.registry import ERROR_XLSX_ROWS

    client.force_login(researcher)
    url = reverse("research:results_export", args=[rich_survey.slug, "long-xlsx"])
    assert client.get(url)["Content-Type"] == registry.XLSX
    registry.XLSX_MAX_ROWS = 5  # the file has 5 rows, the header's not counted
    try:
        response = client.get(url, follow=True)
        with pytest.raises(CommandError) as refused:
            call_command(
                "export_responses", survey=rich_survey.slug, output="x", format="long-xlsx"
            )
    finally:
        registry.XLSX_MAX_ROWS = 1_048_576
    message = ERROR_XLSX_ROWS.format(rows=5, limit=4)
    assert message in response.content.decode() and str(refused.value) == message
