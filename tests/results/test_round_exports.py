"""The data of a Delphi study across its rounds (issue 12, part 6): the long file's round and
study-wide id, the wide file across rounds, what each expert saw, the labelled files, the
codebook, the methods report's Rounds section, the bundle and the command."""

import csv
import io
import json
import subprocess
import sys
import zipfile
from datetime import timedelta

import pyreadstat
import pytest
from defusedxml import ElementTree
from django.core.management import call_command
from django.urls import reverse

from responses.models import Answer, FeedbackShown, Invitation, Response, SharedReason
from responses.respondent import services as respondent
from responses.results.exports import codebook, registry
from statements.models import Statement
from tests.factories import respond, round_two

pytestmark = pytest.mark.django_db
NS = {"ddi": "ddi:codebook:2_5"}
ROUND_ONE_S1 = [-2, -1, 0, 1, 2, -2]  # round_two's first round, statement 1, in turn


def table(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def answer_round(invitation, answers: dict[int, int]) -> Response:
    """The expert of `invitation` answers its round through the expert's services."""
    by_number = dict(Statement.objects.values_list("number", "pk"))
    response = respondent.response_start(invitation=invitation)
    respondent.answers_save(
        response=response,
        answers=[respondent.AnswerInput(by_number[n], v, "") for n, v in answers.items()],
        link_hash=invitation.link_hash,
    )
    return respondent.response_submit(response=response)


@pytest.fixture
def study(survey, researcher):
    """Round 1: six respondents (statement 1: -2, -1, 0, 1, 2, -2); round 2: the first four
    answer, all moving statement 1 to 1 and keeping statement 2 at 2."""
    following = round_two(survey, researcher, respondents=6)
    invitations = Invitation.objects.filter(survey=following).order_by("previous__response__pk")
    for invitation in list(invitations)[:4]:
        answer_round(invitation, {1: 1, 2: 2})
    return following


def pseudonyms(survey) -> list[str]:
    return list(
        Response.objects.filter(invitation__survey=survey)
        .order_by("pk")
        .values_list("pseudonym", flat=True)
    )


def test_long_export_of_a_study_covers_every_round_with_the_study_wide_id(study, survey):
    rows = table(registry.export_bytes(key="long", survey=study))
    first = pseudonyms(survey)
    assert {(r["round"], r["statement"]) for r in rows} == {
        ("1", "1"), ("1", "2"), ("2", "1"), ("2", "2")
    }  # fmt: skip
    round_two_rows = [r for r in rows if r["round"] == "2"]
    assert [r["respondent"] for r in round_two_rows if r["statement"] == "1"] == first[:4]
    assert {r["response_id"] for r in round_two_rows} == set(pseudonyms(study))
    assert all(r["respondent"] == r["response_id"] for r in rows if r["round"] == "1")
    assert len(rows) == 6 * 2 + 4 * 2 == registry.respondents.long_row_count(study)
    # Round 1's export is the same study file: any round gives the whole study.
    assert registry.export_bytes(key="long", survey=survey) == registry.export_bytes(
        key="long", survey=study
    )


def test_long_export_outside_a_study_is_round_one_with_its_own_pseudonym(survey):
    response = respond(survey, answers={1: 2, 3: -88})
    rows = table(registry.export_bytes(key="long", survey=survey))
    assert [(r["round"], r["respondent"], r["response_id"], r["value"]) for r in rows] == [
        ("1", response.pseudonym, response.pseudonym, "2"),
        ("1", response.pseudonym, response.pseudonym, "-88"),
    ]


def test_wide_rounds_has_a_column_per_statement_asked_in_each_round(study, survey):
    rows = table(registry.export_bytes(key="wide_rounds", survey=study))
    header = list(rows[0])
    assert header.index("S1_r1") < header.index("S50_r1") < header.index("S1_r2")
    assert "S1" not in header and header[-2:] == ["open_answer", "order_shown"]
    assert [r["respondent"] for r in rows] == pseudonyms(survey)
    assert [r["S1_r1"] for r in rows] == [str(v) for v in ROUND_ONE_S1]
    assert [r["S1_r2"] for r in rows] == ["1"] * 4 + [""] * 2
    assert [r["S2_r2"] for r in rows] == ["2"] * 4 + [""] * 2
    assert {r["round"] for r in rows} == {"1"}


def test_wide_rounds_leaves_out_the_settled_statements_of_a_round(survey, researcher):
    from responses.results.services.consensus import consensus_rule_set

    consensus_rule_set(
        survey=survey, rule={"kind": "agree_pct", "threshold": 75}, reason="Pre-registered"
    )
    following = round_two(survey, researcher, respondents=6, statements="unsettled")
    header = next(
        csv.reader(io.StringIO(registry.export_bytes(key="wide_rounds", survey=following).decode()))
    )
    assert "S2_r1" in header and "S1_r2" in header and "S2_r2" not in header


def test_wide_format_of_each_round_is_unchanged(study, survey):
    rows = table(registry.export_bytes(key="csv", survey=study))
    assert [r["respondent"] for r in rows] == pseudonyms(study)
    assert [r["S1"] for r in rows] == ["1"] * 4 and "round" not in rows[0]


@pytest.fixture
def shown(study, survey):
    """Statement 1's feedback shown twice to the first expert of round 2 (the second in
    real time, after the answer), with one approved reason."""
    response = Response.objects.filter(invitation__survey=study).order_by("pk").first()
    statement = Statement.objects.get(number=1)
    answer = Answer.objects.get(response=response, statement=statement)
    reason_answer = Answer.objects.get(
        response__pseudonym=pseudonyms(survey)[3], statement=statement
    )
    reason = SharedReason.objects.create(
        survey=study, statement=statement, answer=reason_answer, text="Reason number 3"
    )
    distribution = {
        "n": 6, "counts": {"-2": 2, "-1": 1, "0": 1, "1": 1, "2": 1, "-88": 0},
        "median": -0.5, "q1": -1.75, "q3": 0.75, "by_sector": None, "realtime": False,
    }  # fmt: skip
    for shift, realtime in ((-60, False), (60, True)):
        FeedbackShown.objects.create(
            response=response,
            statement=statement,
            shown_at=answer.updated_at + timedelta(seconds=shift),
            previous_value=-2,
            distribution={**distribution, "realtime": realtime},
            reason_ids=[reason.pk],
        )
    FeedbackShown.objects.create(
        response=response, statement=Statement.objects.get(number=2),
        shown_at=answer.updated_at, previous_value=2, distribution={},
    )  # fmt: skip
    return response, reason


def test_feedback_export_joins_each_showing_to_the_answer_after_it(study, survey, shown):
    response, reason = shown
    rows = table(registry.export_bytes(key="feedback", survey=study))
    assert len(rows) == 3
    first, later, hidden = rows
    assert first["respondent"] == pseudonyms(survey)[0]
    assert (first["round"], first["response_id"], first["statement"]) == (
        "2", response.pseudonym, "1"
    )  # fmt: skip
    assert (first["previous_value"], first["shown"], first["n"]) == ("-2", "1", "6")
    assert [first[f"count_{c}"] for c in ("-2", "-1", "0", "1", "2", "dk")] == [
        "2", "1", "1", "1", "1", "0"
    ]  # fmt: skip
    assert (first["median"], first["q1"], first["q3"], first["realtime"]) == (
        "-0.5", "-1.75", "0.75", "0"
    )  # fmt: skip
    assert first["reason_ids"] == str(reason.pk)
    assert json.loads(first["reason_texts"]) == ["Reason number 3"]
    assert (first["answer"], first["answer_after"], first["changed"]) == ("1", "1", "1")
    assert first["answered_at"].endswith("Z") and first["shown_at"] < first["answered_at"]
    assert (later["realtime"], later["answer_after"]) == ("1", "0")
    assert (hidden["statement"], hidden["shown"], hidden["n"], hidden["changed"]) == (
        "2", "0", "", "0"
    )  # fmt: skip


def test_feedback_export_outside_a_study_has_only_its_header(survey):
    respond(survey, answers={1: 2})
    data = registry.export_bytes(key="feedback", survey=survey).decode()
    assert data.splitlines()[0].startswith('"respondent","round"') and len(data.splitlines()) == 1


@pytest.mark.parametrize("key", ["wide_rounds-sav", "wide_rounds-dta"])
def test_labelled_files_across_rounds_say_the_round(study, key, tmp_path):
    path = tmp_path / f"study.{key[-3:]}"
    path.write_bytes(registry.export_bytes(key=key, survey=study))
    read = pyreadstat.read_sav if key.endswith("sav") else pyreadstat.read_dta
    frame, meta = read(str(path), user_missing=True)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    title = Statement.objects.get(number=12).title
    assert labels["S12_r2"].startswith(f"S12, round 2: {title}"[:80])
    assert labels["round"].startswith("Round of the expert's first response")
    assert meta.variable_value_labels["round"] == {1: "Round 1", 2: "Round 2"}
    assert list(frame["S1_r2"].iloc[:4]) == [1, 1, 1, 1] and len(frame) == 6


def test_ddi_codebook_describes_each_round_and_the_columns_across_rounds(study, survey):
    root = ElementTree.fromstring(codebook.ddi_bytes(study))
    cycles = {
        (e.get("cycle"), e.get("event"))
        for e in root.findall("ddi:stdyDscr/ddi:stdyInfo/ddi:sumDscr/ddi:collDate", NS)
    }
    assert {("Round 1", "start"), ("Round 1", "end"), ("Round 2", "start")} <= cycles
    notes = [e.text for e in root.findall("ddi:stdyDscr/ddi:notes", NS) if e.get("type") == "round"]
    assert len(notes) == 2
    assert "Round 1" in notes[0] and "7 listed, 6 invited, 6 responded" in notes[0]
    assert "Round 2" in notes[1] and "6 listed, 4 invited, 4 responded" in notes[1]
    assert "previous round's respondents" in notes[1] and "distribution" in notes[1]
    assert "reason asked when an answer moves 2 points" in notes[1]
    variables = {v.get("name"): v for v in root.findall("ddi:dataDscr/ddi:var", NS)}
    assert variables["S12_r2"].get("files") == "F2"
    assert variables["S12_r2"].find("ddi:labl", NS).text.startswith("S12, round 2: ")
    assert [c.find("ddi:labl", NS).text for c in variables["round"].findall("ddi:catgry", NS)] == [
        "Round 1", "Round 2"
    ]  # fmt: skip
    assert len(root.findall("ddi:fileDscr", NS)) == 2
    stopping = root.find("ddi:stdyDscr/ddi:notes[@type='stopping']", NS).text
    assert "ran 2 rounds" in stopping


def test_html_codebook_lists_the_rounds_and_the_columns_across_rounds(study):
    html = codebook.html_bytes(study).decode()
    assert "<dt>Delphi round 2</dt>" in html and "<dt>Stopping rule</dt>" in html
    assert 'id="var-S12_r2"' in html and "S12, round 2: " in html


def test_codebook_outside_a_study_describes_one_file(survey):
    respond(survey, answers={1: 2})
    root = ElementTree.fromstring(codebook.ddi_bytes(survey))
    assert len(root.findall("ddi:fileDscr", NS)) == 1
    assert [n.get("type") for n in root.findall("ddi:stdyDscr/ddi:notes", NS)] in ([], [None])
    assert {v.get("files") for v in root.findall("ddi:dataDscr/ddi:var", NS)} == {"F1"}


def test_methods_report_has_a_rounds_section(client, researcher, study, shown):
    client.force_login(researcher)
    url = reverse("research:results_methods_export", args=[study.slug, "md"])
    text = client.get(url).content.decode()
    section = text.split("## Rounds", 1)[1].split("\n## ", 1)[0]
    assert "The study ran 2 rounds" in section
    assert "Round 1 ran from" in section and "Round 2 ran from" in section
    assert (
        "Panel: The previous round" in section and "4 invited and 4 responded (100.0%)" in section
    )
    assert "a reason asked when an answer moves 2 points or more" in section.lower()
    assert "Stopping:" in section
    assert "| 2 | The previous round" in section  # the table's row of round 2
    assert "Stopping rule: consensus or stability | Rounds" in text


def test_methods_report_outside_a_study_has_no_rounds_section(client, researcher, survey):
    respond(survey, answers={1: 2})
    client.force_login(researcher)
    url = reverse("research:results_methods_export", args=[survey.slug, "md"])
    assert "## Rounds" not in client.get(url).content.decode()


def test_bundle_holds_every_rounds_file(client, researcher, study, shown, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(researcher)
    client.get(reverse("research:results", args=[study.slug]))  # computes the snapshot
    response = client.get(reverse("research:results_bundle", args=[study.slug]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    prefix = f"{study.slug}/data/"
    for name in ("responses-long.csv", "responses-wide-rounds.csv", "feedback.csv",
                 "responses-wide-rounds.sav", "responses-wide-rounds.dta"):  # fmt: skip
        assert prefix + name in archive.namelist()
    long = table(archive.read(prefix + "responses-long.csv"))
    assert {r["round"] for r in long} == {"1", "2"}
    assert len(table(archive.read(prefix + "feedback.csv"))) == 3
    assert "## Rounds" in archive.read(f"{study.slug}/methods/methods.md").decode()


@pytest.mark.parametrize("fmt", ["long", "wide_rounds", "feedback"])
def test_export_command_writes_the_study_formats(study, shown, tmp_path, fmt):
    path = tmp_path / f"{fmt}.csv"
    call_command("export_responses", survey=study.slug, output=str(path), format=fmt)
    assert path.read_bytes() == registry.export_bytes(key=fmt, survey=study)


def test_results_page_links_the_study_exports_only_in_a_study(client, researcher, study, survey):
    client.force_login(researcher)
    url = reverse("research:results_export", args=[study.slug, "wide_rounds"])
    assert url in client.get(reverse("research:results", args=[study.slug])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and b"S1_r2" in response.content
    page = client.get(reverse("research:results", args=[survey.slug])).content.decode()
    assert reverse("research:results_export", args=[survey.slug, "feedback"]) in page


def test_other_researcher_cannot_download_the_feedback(client, other_researcher, study):
    client.force_login(other_researcher)
    url = reverse("research:results_export", args=[study.slug, "feedback"])
    assert client.get(url).status_code in (403, 404)


def test_results_page_outside_a_study_offers_no_study_exports(client, researcher, survey):
    respond(survey, answers={1: 2})
    client.force_login(researcher)
    page = client.get(reverse("research:results", args=[survey.slug])).content.decode()
    assert "wide_rounds" not in page and "/feedback/" not in page


def test_an_expert_new_to_the_study_in_round_two_keeps_their_round_two_id(survey, researcher):
    following = round_two(survey, researcher, respondents=3, panel="invited")
    absent = Invitation.objects.get(survey=following, expert__email="absent@example.org")
    response = answer_round(absent, {1: -1})
    rows = table(registry.export_bytes(key="wide_rounds", survey=following))
    mine = [r for r in rows if r["respondent"] == response.pseudonym]
    assert len(rows) == 4 and len(mine) == 1
    assert (mine[0]["round"], mine[0]["S1_r1"], mine[0]["S1_r2"]) == ("2", "", "-1")
    long = table(registry.export_bytes(key="long", survey=following))
    assert [
        (r["round"], r["response_id"]) for r in long if r["respondent"] == response.pseudonym
    ] == [("2", response.pseudonym)]


@pytest.mark.django_db(transaction=True)
def test_bundle_script_of_round_two_recomputes_its_statement_table(
    client, researcher, study, settings, tmp_path
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(researcher)
    client.get(reverse("research:results", args=[study.slug]))
    response = client.get(reverse("research:results_bundle", args=[study.slug]))
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(tmp_path)
    folder = tmp_path / study.slug
    subprocess.run(
        [sys.executable, "replicate.py", "data/responses-wide.csv", "replicated.csv"],
        cwd=folder, check=True, capture_output=True,
    )  # fmt: skip
    replicated = {r["statement"]: r for r in table((folder / "replicated.csv").read_bytes())}
    expected = {r["statement"]: r for r in table((folder / "snapshot/statements.csv").read_bytes())}
    assert set(replicated) == set(expected) and len(expected) == 50
    for number in ("1", "2"):
        assert float(replicated[number]["n"]) == float(expected[number]["n"]) == 4
        assert float(replicated[number]["mean"]) == pytest.approx(float(expected[number]["mean"]))


def test_codebook_states_the_pre_registered_stability_stop(survey, researcher):
    from responses.results.exports.study import stopping_text
    from responses.results.services.consensus import consensus_rule_set

    rule = {"kind": "agree_pct", "threshold": 75, "stop": "stability", "stability_pct": 10}
    consensus_rule_set(survey=survey, rule=rule, reason="Pre-registered before round 1")
    survey.refresh_from_db()
    text = stopping_text([survey])
    assert "stability" in text and "at most 10% of the experts" in text
    survey.consensus_rule = {}
    assert "No consensus or stopping rule was pre-registered" in stopping_text([survey])
