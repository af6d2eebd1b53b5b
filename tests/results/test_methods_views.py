"""The methods page and its downloads, the replication bundle (its script recomputes what
compute_results writes), and the page per statement."""

import csv
import io
import math
import subprocess
import sys
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from responses.results.exports import registry
from tests.factories import STATEMENT_49, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered_survey(survey, settings):
    # Without a worker, as `make run`: the pages compute the results they show.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    for i, value in enumerate(STATEMENT_49):
        sector = ["agi_lab", "academia", "civil_society"][i % 3]
        respond(
            survey,
            answers={49: value, 1: (i % 5) - 2, 2: -88 if i % 4 else 1},
            sector=sector,
            stated=[sector],
            gender=["man", "woman"][i % 2],
        )
    respond(survey, answers={49: None, 3: 2})
    respond(survey, answers={49: 2}, submitted=False)
    return survey


def _get(client, researcher, name, survey, *args):
    client.force_login(researcher)
    return client.get(reverse(f"research:{name}", args=[survey.slug, *args]))


def test_methods_page_shows_the_sections_and_rates(client, researcher, answered_survey):
    response = _get(client, researcher, "results_methods", answered_survey)
    html = response.content.decode()
    assert response.status_code == 200
    for heading in (
        "Sample",
        "Invitations and reminders",
        "Missing data",
        "Consensus rule",
        "Reporting guidelines",
        "Early and late respondents",
    ):
        assert f">{heading}</h2>" in html
    assert "RR1" in html and "I / ((I+P) + (R+NC+O) + U)" in html
    assert "38 submitted the questionnaire" in html
    assert "it has not closed yet." in html


def test_methods_export_markdown(client, researcher, answered_survey):
    response = _get(client, researcher, "results_methods_export", answered_survey, "md")
    assert response["Content-Type"].startswith("text/markdown")
    assert 'filename="agi-methods.md"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("# Methods: AGI safety and governance")
    assert "## Response, cooperation, refusal and contact rates" in text
    assert "| RR1 |" in text


def test_methods_export_html_is_a_page_without_scripts(client, researcher, answered_survey):
    response = _get(client, researcher, "results_methods_export", answered_survey, "html")
    html = response.content.decode()
    assert html.startswith("<!doctype html>") and "<script" not in html and "style=" not in html
    assert "<caption>Outcome rates (AAPOR definitions)</caption>" in html


def test_methods_export_unknown_format_is_404(client, researcher, answered_survey):
    assert (
        _get(client, researcher, "results_methods_export", answered_survey, "pdf").status_code
        == 404
    )


def test_methods_page_escapes_the_survey_title(client, researcher, answered_survey):
    answered_survey.title = "<script>x</script>"
    answered_survey.save()
    html = _get(client, researcher, "results_methods", answered_survey).content.decode()
    assert "<script>x" not in html and "&lt;script&gt;x" in html


def _bundle(client, researcher, survey) -> zipfile.ZipFile:
    response = _get(client, researcher, "results_bundle", survey)
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_bundle_holds_every_registered_export_and_the_rest(client, researcher, answered_survey):
    names = set(_bundle(client, researcher, answered_survey).namelist())
    for exporter in registry.EXPORTERS.values():
        assert f"agi/data/{exporter.filename}" in names
    for name in (
        "instrument/instrument.csv",
        "snapshot/statements.csv",
        "snapshot/snapshot.json",
        "charts/stacked.svg",
        "methods/methods.md",
        "methods/methods.html",
        "replicate.py",
        "MANIFEST.txt",
    ):
        assert f"agi/{name}" in names


def test_bundle_instrument_gives_wordings_with_versions(client, researcher, answered_survey):
    archive = _bundle(client, researcher, answered_survey)
    rows = list(csv.DictReader(io.StringIO(archive.read("agi/instrument/instrument.csv").decode())))
    assert len(rows) == 50
    assert all(len(row["version"]) == 12 and row["text"] for row in rows)


def _number(text: str):
    return None if text in ("", "nan") else float(text)


@pytest.mark.django_db(transaction=True)
def test_bundle_script_recomputes_what_compute_results_writes(
    client, researcher, answered_survey, tmp_path
):
    _bundle(client, researcher, answered_survey).extractall(tmp_path)
    folder = tmp_path / "agi"
    subprocess.run(
        [sys.executable, "replicate.py", "data/responses-wide.csv", "replicated.csv"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    expected_path = tmp_path / "computed.csv"
    call_command("compute_results", survey="agi", output=str(expected_path), timeout=60)
    expected = {
        row["statement"]: row for row in csv.DictReader(io.StringIO(expected_path.read_text()))
    }
    replicated = list(csv.DictReader(io.StringIO((folder / "replicated.csv").read_text())))
    assert len(replicated) == len(expected) == 50
    for row in replicated:
        wanted = expected[row["statement"]]
        for column, value in row.items():
            got, want = _number(value), _number(wanted[column])
            if want is None:
                assert got is None or math.isnan(got), (row["statement"], column)
            else:
                assert got == pytest.approx(want, abs=1e-9), (row["statement"], column)


def test_bundle_before_any_response_is_404(client, researcher, survey):
    assert _get(client, researcher, "results_bundle", survey).status_code == 404


def test_statement_page_shows_distribution_groups_and_pager(client, researcher, answered_survey):
    response = _get(client, researcher, "results_statement", answered_survey, 49)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Statement 49:" in html
    assert "Answers to statement 49 (n = 37, of which 33 on the scale)" in html
    assert "Statement 48</a>" in html and "Statement 50 →" in html
    assert "charts/statement-49.svg" in html


def test_statement_page_unknown_number_is_404(client, researcher, answered_survey):
    assert _get(client, researcher, "results_statement", answered_survey, 999).status_code == 404


def test_statement_chart_has_a_bar_per_shown_group(client, researcher, answered_survey):
    response = _get(client, researcher, "results_chart", answered_survey, "statement-49", "svg")
    svg = response.content.decode()
    assert "n=37" in svg and "All respondents" in svg
    # One respondent gave no gender or sector, so one group of each is withheld (else
    # overall minus the others would give that person away); AGI lab against all others
    # shows both.
    assert "AGI lab vs all others (every other respondent):" in svg
    assert "n=13" in svg and "All others" in svg and "n=24" in svg


def test_results_page_links_statements_methods_and_bundle(client, researcher, answered_survey):
    html = _get(client, researcher, "results", answered_survey).content.decode()
    assert reverse("research:results_statement", args=["agi", 49]) in html
    assert reverse("research:results_methods", args=["agi"]) in html
    assert reverse("research:results_bundle", args=["agi"]) in html
    assert ">Contents</h2>" in html
