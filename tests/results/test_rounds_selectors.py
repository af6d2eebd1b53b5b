"""Reads and page across Delphi rounds, on a real two-round study (factories.round_two)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from responses.fieldwork.services.lifecycle import survey_create
from responses.models import Invitation
from responses.respondent import services as respondent
from responses.results import rounds_report
from responses.results.selectors import rounds as selectors
from responses.results.services.consensus import consensus_rule_set
from statements.models import Statement
from tests.factories import respond, round_two

pytestmark = pytest.mark.django_db


def answer_round(invitation, answers: dict[int, int]):
    """The expert of `invitation` answers its round and submits."""
    response = respondent.response_start(invitation=invitation)
    by_number = dict(Statement.objects.values_list("number", "pk"))
    respondent.answers_save(
        response=response,
        answers=[respondent.AnswerInput(by_number[n], v, "") for n, v in answers.items()],
        link_hash=invitation.link_hash,
    )
    respondent.response_submit(response=response)
    return response


@pytest.fixture
def study(survey, researcher):
    return two_rounds(survey, researcher)


def two_rounds(survey, researcher):
    """Round 1: six respondents (statement 1 rated -2, -1, 0, 1, 2, -2; statement 2 all 2).
    Round 2: the first four answer (statement 1 all 1; statement 2 all 2); two drop out."""
    following = round_two(survey, researcher, respondents=6)
    invitations = Invitation.objects.filter(survey=following).order_by("previous__pk")
    for invitation in list(invitations)[:4]:
        answer_round(invitation, {1: 1, 2: 2})
    return following


def test_paired_counts_join_each_expert_to_the_round_before(study):
    pairs = selectors.paired_counts(survey=study)
    one = Statement.objects.get(number=1).pk
    rows = sorted(map(tuple, pairs[pairs["statement_id"] == one][["before", "after", "n"]].values))
    assert rows == [(-2, 1, 1), (-1, 1, 1), (0, 1, 1), (1, 1, 1)]
    assert int(pairs["n"].sum()) == 8


def test_paired_counts_leave_out_a_withdrawn_response(study):
    response = Invitation.objects.filter(survey=study).order_by("previous__pk")[0].response
    response.withdrawn_at = response.submitted_at
    response.save(update_fields=["withdrawn_at"])
    assert int(selectors.paired_counts(survey=study)["n"].sum()) == 6


def test_attrition_counts_split_round_one_by_sector_and_by_answering_round_two(study, survey):
    counts = selectors.attrition_counts(survey=survey)
    table = {(row.sector, row.stayed): row.n for row in counts.itertuples()}
    # Sectors in turn agi_lab, academia, civil_society: the first four stayed.
    assert table == {("agi_lab", 1): 2, ("academia", 1): 1, ("civil_society", 1): 1,
                     ("academia", 0): 1, ("civil_society", 0): 1}  # fmt: skip


def test_stayer_answer_counts_split_round_one_answers(study, survey):
    counts = selectors.stayer_answer_counts(survey=survey)
    one = Statement.objects.get(number=1).pk
    dropped = counts[(counts["stayed"] == 0) & (counts["statement_id"] == one)]
    assert sorted(dropped["value"]) == [-2, 2]


def test_rounds_report_settles_and_compares_the_two_rounds(survey, researcher):
    rule = {"kind": "agree_pct", "threshold": 75}
    consensus_rule_set(survey=survey, rule=rule, reason="Pre-registered")
    study = two_rounds(survey, researcher)
    report = rounds_report.rounds_report(survey=study)
    assert [r["respondents"] for r in report["rounds"]] == [6, 4]
    by_number = {s["number"]: s for s in report["statements"]}
    assert by_number[2]["settled_round"] == 1  # everyone agreed from the start
    assert by_number[1]["settled_round"] == 2
    second = by_number[1]["rounds"][1]
    assert second["paired"]["pairs"] == 4 and second["paired"]["changed_pct"] == 75
    assert second["paired"]["mcnemar"] == {"lost": 0, "gained": 3, "p": 0.25}
    assert report["attrition"]["total"]["dropped"] == 2


def test_rounds_page_shows_the_table_on_either_round(study, survey, client, researcher):
    client.force_login(researcher)
    for round_ in (survey, study):
        page = client.get(reverse("research:results_rounds", args=[round_.slug]))
        assert page.status_code == 200
        assert b"Statements round by round" in page.content
        assert b"Attrition from round 1 to round 2" in page.content


def test_rounds_page_of_a_single_round_says_there_is_nothing_to_compare(survey, client, researcher):
    respond(survey, answers={1: 1})
    client.force_login(researcher)
    page = client.get(reverse("research:results_rounds", args=[survey.slug]))
    assert page.status_code == 200 and b"not part of a study with several rounds" in page.content


def test_rounds_page_refuses_another_researcher(study, client, other_researcher):
    client.force_login(other_researcher)
    page = client.get(reverse("research:results_rounds", args=[study.slug]))
    assert page.status_code == 404


def test_rounds_chart_is_an_svg_and_an_unknown_one_is_404(study, client, researcher):
    client.force_login(researcher)
    for name in ("rounds-stacked", "rounds-means"):
        chart = client.get(reverse("research:results_rounds_chart", args=[study.slug, name]))
        assert chart.status_code == 200 and chart["Content-Type"].startswith("image/svg+xml")
        assert b"round 1: 6; round 2: 4" in chart.content
    missing = client.get(reverse("research:results_rounds_chart", args=[study.slug, "nope"]))
    assert missing.status_code == 404


def test_rounds_csv_has_a_row_per_statement_and_round(study, client, researcher):
    client.force_login(researcher)
    export = client.get(reverse("research:results_export", args=[study.slug, "rounds-csv"]))
    assert export.status_code == 200
    lines = export.content.decode().splitlines()
    assert lines[0].startswith('"statement","title","round","n"')
    statements = study.previous_round.statements.count()
    answered = 2  # statements 1 and 2; the others were never answered and have no rows
    assert len(lines) == 1 + answered * 2 and statements >= answered


def test_results_page_links_across_rounds_only_within_a_study(study, survey, client, researcher):
    client.force_login(researcher)
    link = b"Across rounds</a>"
    for round_ in (survey, study):
        assert link in client.get(reverse("research:results", args=[round_.slug])).content
    single = survey_create(slug="single", title="Single", owner=researcher)
    assert link not in client.get(reverse("research:results", args=[single.slug])).content


def test_rounds_report_is_reused_until_a_round_changes(study, survey, client, researcher):
    """The page and its charts read one stored report; a new submission makes a new one."""
    client.force_login(researcher)
    page = reverse("research:results_rounds", args=[study.slug])
    client.get(page)
    state = selectors.study_state(survey=study)
    assert cache.get(f"results.rounds-report:{state}") is not None
    fifth = Invitation.objects.filter(survey=study, response__isnull=True).order_by("pk").first()
    answer_round(fifth, {1: -2, 2: 2})
    assert selectors.study_state(survey=study) != state
    body = client.get(page).content.decode()
    assert (
        cache.get(f"results.rounds-report:{selectors.study_state(survey=study)}")["rounds"][1][
            "respondents"
        ]
        == 5
    )
    assert "round" in body.lower()
