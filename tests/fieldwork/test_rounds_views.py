"""Delphi rounds, the researchers' pages: the next round started from a closed round's
dashboard, the round switcher, the feedback to experts, and the reasons approved."""

import pytest
from django.test import Client

from responses.fieldwork.services import lifecycle, rounds
from responses.models import AuditEvent, SharedReason, Survey
from responses.results.services.consensus import consensus_rule_set
from tests.factories import research_url as url
from tests.factories import respond, round_two

pytestmark = pytest.mark.django_db

FEEDBACK = {
    "feedback_distribution": "on",
    "feedback_reasons": "on",
    "reason_points": "3",
    "reason_on_crossing": "on",
    "realtime_prephase": "12",
}


def closed_round(survey, researcher, respondents=3):
    for index in range(respondents):
        respond(survey, answers={1: index % 5 - 2, 2: 2}, comments={1: f"Reason {index}"})
    lifecycle.survey_close(survey=survey, actor=researcher)


def page(response) -> str:
    return response.content.decode()


def test_closed_round_dashboard_offers_start_round_with_panel_sizes(
    researcher_client, survey, researcher
):
    closed_round(survey, researcher)
    body = page(researcher_client.get(url("dashboard", survey)))
    assert 'data-dialog="dialog-round"' in body and "Start round 2…" in body
    assert "<strong>3 experts</strong>" in body
    assert "This round has no consensus rule" in body


def test_start_round_confirmation_page_lists_the_settled_statements(
    researcher_client, survey, researcher
):
    consensus_rule_set(survey=survey, rule={"kind": "agree_pct", "threshold": 75}, reason="Pre")
    closed_round(survey, researcher)
    body = page(researcher_client.get(url("round_start", survey)))
    assert "1 statement settled" in body
    assert 'id="page-round-heading"' in body


def test_start_round_post_creates_round_two_and_says_what_next(
    researcher_client, survey, researcher
):
    closed_round(survey, researcher)
    response = researcher_client.post(
        url("round_start", survey), {"panel": "respondents", "statements": "all"}, follow=True
    )
    following = Survey.objects.get(previous_round=survey)
    assert response.redirect_chain[-1][0] == url("dashboard", following)
    body = page(response)
    assert "Round 2 is created, as a draft, with 3 expert(s)" in body
    assert "approve the reasons shown" in body
    assert following.invitations.count() == 3


def test_start_round_unsettled_without_rule_is_refused_and_writes_nothing(
    researcher_client, survey, researcher
):
    closed_round(survey, researcher)
    response = researcher_client.post(
        url("round_start", survey), {"panel": "respondents", "statements": "unsettled"}, follow=True
    )
    assert rounds.ERROR_ROUND_NO_RULE in page(response)
    assert Survey.objects.count() == 1


def test_start_round_bad_panel_is_refused_clearly(researcher_client, survey, researcher):
    closed_round(survey, researcher)
    response = researcher_client.post(
        url("round_start", survey), {"panel": "friends", "statements": "all"}, follow=True
    )
    assert rounds.ERROR_ROUND_PANEL in page(response)
    assert Survey.objects.count() == 1


def test_start_round_on_an_open_round_is_refused(researcher_client, survey):
    respond(survey, answers={1: 1})
    assert "No round to start" in page(researcher_client.get(url("round_start", survey)))
    response = researcher_client.post(
        url("round_start", survey), {"panel": "respondents", "statements": "all"}, follow=True
    )
    assert rounds.ERROR_ROUND_NOT_CLOSED in page(response)
    assert Survey.objects.count() == 1


def test_start_round_of_another_researchers_survey_is_404(
    client, survey, researcher, other_researcher
):
    closed_round(survey, researcher)
    client.force_login(other_researcher)
    data = {"panel": "respondents", "statements": "all"}
    assert client.post(url("round_start", survey), data).status_code == 404
    assert Survey.objects.count() == 1


def test_round_with_next_round_shows_no_reopen_and_no_second_start(
    researcher_client, survey, researcher
):
    round_two(survey, researcher, respondents=3)
    body = page(researcher_client.get(url("dashboard", survey)))
    assert "Reopen…" not in body and "Start round" not in body
    assert "Round 2 of this study has started" in body


def test_round_switcher_links_the_rounds_and_marks_the_current(
    researcher_client, survey, researcher
):
    following = round_two(survey, researcher, respondents=3)
    body = page(researcher_client.get(url("edit", following)))
    assert f'<a href="/research/{survey.slug}/">Round 1</a>' in body
    assert f'<a href="/research/{following.slug}/" aria-current="true">Round 2</a>' in body


def test_round_switcher_is_absent_outside_a_study(researcher_client, survey):
    assert "round-switcher" not in page(researcher_client.get(url("dashboard", survey)))


def test_survey_list_labels_the_rounds(researcher_client, survey, researcher):
    round_two(survey, researcher, respondents=2)
    body = page(researcher_client.get("/research/"))
    assert body.count('class="round-label"') == 2
    assert "Round 2</span>" in body


def test_round_two_dashboard_shows_the_study_box(researcher_client, survey, researcher):
    following = round_two(survey, researcher, respondents=3)
    body = page(researcher_client.get(url("dashboard", following)))
    assert 'id="study-heading"' in body
    assert "Round 2 (this one)" in body
    assert f'<a href="/research/{survey.slug}/">Round 1</a>' in body


def test_feedback_settings_are_saved_and_audited(researcher_client, survey, researcher):
    following = round_two(survey, researcher, respondents=3, open=False)
    response = researcher_client.post(url("edit_feedback", following), FEEDBACK, follow=True)
    assert "Feedback to experts saved." in page(response)
    following.refresh_from_db()
    assert (following.reason_points, following.realtime_prephase) == (3, 12)
    assert following.feedback_reasons and not following.feedback_by_sector
    event = AuditEvent.objects.get(action="round.feedback_changed")
    assert event.data == {"feedback_reasons": True, "reason_points": 3, "realtime_prephase": 12}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("reason_points", "5", rounds.ERROR_REASON_POINTS),
        ("realtime_prephase", "0", rounds.ERROR_PREPHASE),
        ("realtime_prephase", "1001", rounds.ERROR_PREPHASE),
    ],
)
def test_feedback_settings_out_of_range_are_refused(
    researcher_client, survey, researcher, field, value, error
):
    following = round_two(survey, researcher, respondents=2, open=False)
    response = researcher_client.post(url("edit_feedback", following), FEEDBACK | {field: value})
    assert response.status_code == 400 and error in page(response)
    following.refresh_from_db()
    assert (following.reason_points, following.realtime_prephase) == (2, 10)


def test_feedback_settings_not_a_number_is_refused(researcher_client, survey, researcher):
    following = round_two(survey, researcher, respondents=2, open=False)
    data = FEEDBACK | {"reason_points": "two"}
    response = researcher_client.post(url("edit_feedback", following), data)
    assert response.status_code == 400 and "Enter a whole number." in page(response)


def test_feedback_settings_are_frozen_once_the_round_has_answers(
    researcher_client, survey, researcher
):
    following = round_two(survey, researcher, respondents=2)
    respond(following, answers={1: 1})
    response = researcher_client.post(url("edit_feedback", following), FEEDBACK)
    assert response.status_code == 400 and rounds.ERROR_FEEDBACK_ANSWERED in page(response)
    following.refresh_from_db()
    assert following.reason_points == 2


def test_feedback_settings_are_not_offered_in_round_one(researcher_client, survey):
    body = page(researcher_client.get(url("edit_feedback", survey)))
    assert "shown from round 2 on" in body and "<form" not in body.split("editor-nav")[-1]
    response = researcher_client.post(url("edit_feedback", survey), FEEDBACK)
    assert response.status_code == 400 and rounds.ERROR_FEEDBACK_FIRST_ROUND in page(response)


def _first_comment(survey):
    return survey.invitations.first().response.answers.exclude(comment="").first()


def test_reasons_page_lists_the_previous_rounds_comments(researcher_client, survey, researcher):
    following = round_two(survey, researcher, respondents=3, open=False)
    body = page(researcher_client.get(url("reasons", following)))
    for index in range(3):
        assert f"Reason number {index}" in body
    assert "Approve</button>" in body


def test_reason_approved_with_an_edited_text_is_stored_and_audited(
    researcher_client, survey, researcher
):
    following = round_two(survey, researcher, respondents=3, open=False)
    answer = _first_comment(survey)
    data = {"answer": answer.pk, "action": "approve", "text": "An anonymised reason"}
    response = researcher_client.post(url("reasons", following), data, follow=True)
    assert "The reason is approved" in page(response)
    reason = SharedReason.objects.get(survey=following)
    assert (reason.answer, reason.text, reason.approved_by) == (
        answer,
        "An anonymised reason",
        researcher,
    )
    assert AuditEvent.objects.get(action="round.reason_approved").data["edited"] is True


def test_reason_withdrawn_is_deleted_and_its_text_audited(researcher_client, survey, researcher):
    following = round_two(survey, researcher, respondents=3, open=False)
    answer = _first_comment(survey)
    rounds.reason_approve(survey=following, answer_id=answer.pk, actor=researcher)
    data = {"answer": answer.pk, "action": "withdraw"}
    response = researcher_client.post(url("reasons", following), data, follow=True)
    assert "The approval is withdrawn" in page(response)
    assert not SharedReason.objects.exists()
    event = AuditEvent.objects.get(action="round.reason_withdrawn")
    assert event.data["text"] == answer.comment


def test_reason_of_another_survey_is_refused_and_nothing_written(
    researcher_client, survey, researcher
):
    following = round_two(survey, researcher, respondents=3, open=False)
    other = lifecycle.survey_create(slug="other", title="Other", owner=researcher)
    respond(other, answers={1: 1}, comments={1: "Elsewhere"})
    answer = other.invitations.first().response.answers.first()
    data = {"answer": answer.pk, "action": "approve", "text": ""}
    response = researcher_client.post(url("reasons", following), data, follow=True)
    assert rounds.ERROR_REASON_UNKNOWN in page(response)
    assert not SharedReason.objects.exists()


def test_reason_form_garbage_is_refused_clearly(researcher_client, survey, researcher):
    following = round_two(survey, researcher, respondents=2, open=False)
    data = {"answer": "x", "action": "delete-all"}
    response = researcher_client.post(url("reasons", following), data, follow=True)
    assert rounds.ERROR_REASON_UNKNOWN in page(response)
    assert not SharedReason.objects.exists()


def test_reason_text_is_frozen_once_the_round_has_answers(researcher, survey):
    following = round_two(survey, researcher, respondents=2)
    answer = _first_comment(survey)
    rounds.reason_approve(survey=following, answer_id=answer.pk, actor=researcher)
    respond(following, answers={1: 1})
    with pytest.raises(rounds.RoundError, match="can no longer change"):
        rounds.reason_approve(survey=following, answer_id=answer.pk, actor=researcher, text="New")
    assert SharedReason.objects.get().text == answer.comment


def test_reasons_page_of_another_researcher_is_404(survey, researcher, other_researcher):
    following = round_two(survey, researcher, respondents=2, open=False)
    client = Client()
    client.force_login(other_researcher)
    assert client.get(url("reasons", following)).status_code == 404


def test_reasons_page_in_round_one_says_they_come_from_round_two(researcher_client, survey):
    body = page(researcher_client.get(url("reasons", survey)))
    assert "Reasons are shown from round 2 on" in body


def test_reason_text_too_long_is_refused_clearly(researcher_client, survey, researcher):
    following = round_two(survey, researcher, respondents=2, open=False)
    answer = _first_comment(survey)
    data = {"answer": answer.pk, "action": "approve", "text": "x" * 5001}
    response = researcher_client.post(url("reasons", following), data, follow=True)
    assert "at most 5000 characters" in page(response)
    assert not SharedReason.objects.exists()


def test_reasons_are_refused_once_the_round_is_closed(researcher, survey):
    following = round_two(survey, researcher, respondents=2)
    lifecycle.survey_close(survey=following, actor=researcher)
    with pytest.raises(rounds.RoundError, match="closed"):
        rounds.reason_approve(
            survey=following, answer_id=_first_comment(survey).pk, actor=researcher
        )
    assert not SharedReason.objects.exists()
