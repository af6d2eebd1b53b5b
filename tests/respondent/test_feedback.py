"""A Delphi round's feedback beside each statement: the panel's previous distribution, the
expert's own previous answer, the reasons, real-time mode, the reason rule and the record of
what each expert saw."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from responses.links import link_secret
from responses.models import Answer, FeedbackShown, Invitation, SharedReason
from responses.respondent import feedback, services
from responses.respondent.selectors import page_of_statement
from statements.models import Statement
from tests.factories import round_two

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def s1():
    return Statement.objects.get(number=1)


def expert_of(following, previous_value):
    """Round 2's invitation of the expert who rated statement 1 `previous_value` before."""
    answer = Answer.objects.filter(
        response__invitation__survey=following.previous_round,
        statement=s1(),
        value=previous_value,
    ).first()
    return Invitation.objects.get(survey=following, previous=answer.response.invitation)


def open_round(client, invitation):
    client.get(reverse("respondent:link", args=[link_secret(invitation.link_nonce)]))
    client.post(reverse("respondent:consent"), {"consent": "on"})
    invitation.refresh_from_db()
    survey = invitation.survey
    number = page_of_statement(
        response=invitation.response, per_page=survey.statements_per_page, statement_id=s1().pk
    )
    return reverse("respondent:page", args=[number])


def test_round_two_page_shows_distribution_and_own_previous_answer(client, survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    url = open_round(client, expert_of(following, 1))
    page = client.get(url).content.decode()
    assert "Your answer in the previous round: Somewhat agree" in page
    assert "The panel's answers in the previous round (6 answers):" in page
    # -2 twice of six: 33%; each of the others once: 17%.
    assert "Strongly disagree: 33%" in page
    assert "Somewhat agree: 17% (your answer)" in page
    assert "fb-w-33" in page and "fb-own" in page
    assert "Your reason" in page


def test_previous_round_figures_come_from_kept_counts(survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    figures, realtime = feedback.panel_figures(survey=following)
    assert not realtime and figures["n"] == 6
    shown = figures["statements"][s1().pk]
    assert shown["counts"]["-2"] == 2 and shown["counts"]["2"] == 1
    assert (shown["median"], shown["q1"], shown["q3"]) == (-0.5, -1.75, 0.75)


def test_small_previous_round_shows_no_distribution_and_says_why(client, survey, researcher):
    following = round_two(survey, researcher, respondents=4)
    page = client.get(open_round(client, expert_of(following, 1))).content.decode()
    assert "fewer than 5 experts answered in the previous round" in page
    assert "fb-bar" not in page


def test_sector_groups_below_minimum_are_withheld(survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    following.feedback_by_sector = True
    following.save()
    figures, _ = feedback.panel_figures(survey=following)
    # Two experts per sector, all under five: none shown.
    assert figures["sectors"] == {}


def test_reasons_are_shown_anonymised(client, survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    following.feedback_reasons = True
    following.save()
    answer = Answer.objects.filter(response__invitation__survey=survey, statement=s1()).first()
    SharedReason.objects.create(survey=following, statement=s1(), answer=answer, text="Because.")
    page = client.get(open_round(client, expert_of(following, 1))).content.decode()
    assert "An expert wrote: “Because.”" in page
    assert answer.response.invitation.expert.name not in page


def test_a_far_move_without_reason_is_refused_and_nothing_saved(client, survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    invitation = expert_of(following, 1)
    url = open_round(client, invitation)
    key = f"value_{s1().pk}"
    refused = client.post(url, {key: "-1", "goto": "next"})
    assert refused.status_code == 400
    assert "Please give a reason for your changed answer to:" in refused.content.decode()
    assert not Answer.objects.filter(response=invitation.response, value__isnull=False).exists()
    saved = client.post(url, {key: "-1", f"comment_{s1().pk}": "New data", "goto": "next"})
    assert saved.status_code == 302
    assert Answer.objects.get(response=invitation.response, statement=s1()).value == -1


def test_a_small_move_needs_no_reason(client, survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    invitation = expert_of(following, 1)
    assert client.post(open_round(client, invitation), {f"value_{s1().pk}": "2"}).status_code == 302


def test_keep_my_answer_sets_the_previous_value(client, survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    invitation = expert_of(following, 1)
    kept = client.post(open_round(client, invitation), {"keep": str(s1().pk)})
    assert kept.status_code == 302
    assert Answer.objects.get(response=invitation.response, statement=s1()).value == 1


def test_closed_first_round_refuses_autosave(client, survey, researcher):
    round_two(survey, researcher, respondents=6)
    first = Invitation.objects.filter(survey=survey, response__isnull=False).first()
    with pytest.raises(services.RespondentError, match="This survey has closed"):
        services.answer_save(
            response=first.response,
            answer=services.AnswerInput(s1().pk, 0, None),
            link_hash=first.link_hash,
        )


def test_feedback_shown_recorded_once_for_an_unchanged_page(client, survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    invitation = expert_of(following, 1)
    url = open_round(client, invitation)
    client.get(url)
    first = FeedbackShown.objects.filter(response=invitation.response).count()
    client.get(url)
    assert first == FeedbackShown.objects.filter(response=invitation.response).count() > 0
    row = FeedbackShown.objects.get(response=invitation.response, statement=s1())
    assert row.previous_value == 1 and row.distribution["n"] == 6
    assert row.distribution["realtime"] is False


def test_realtime_hidden_in_prephase_then_shown_and_recorded_again(client, survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    following.realtime, following.realtime_prephase = True, 5
    following.save()
    invitation = expert_of(following, 1)
    url = open_round(client, invitation)
    page = client.get(url).content.decode()
    assert "appear once 5 experts have answered independently; 0 so far" in page
    assert (
        FeedbackShown.objects.get(response=invitation.response, statement=s1()).distribution == {}
    )
    for other in Invitation.objects.filter(survey=following).exclude(pk=invitation.pk)[:5]:
        respond_round(other)
    cache.clear()
    page = client.get(url).content.decode()
    assert "The panel's answers in this round so far (5 answers):" in page
    rows = FeedbackShown.objects.filter(response=invitation.response, statement=s1())
    assert rows.count() == 2 and rows.last().distribution["realtime"] is True


def respond_round(invitation):
    response = services.response_start(invitation=invitation)
    services.answers_save(
        response=response,
        answers=[services.AnswerInput(s1().pk, 0, "")],
        link_hash=invitation.link_hash,
    )
    services.response_submit(response=response)


def test_preview_writes_no_feedback(client, survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    client.force_login(researcher)
    page = client.get(reverse("research:preview_page", args=[following.slug, 1]))
    assert page.status_code == 200
    assert not FeedbackShown.objects.exists()


def test_submission_refused_while_a_moved_answer_has_no_reason(client, survey, researcher):
    following = round_two(survey, researcher, respondents=6)
    invitation = expert_of(following, 1)
    open_round(client, invitation)
    # The autosave keeps the choice; the submission asks for the reason.
    client.post(reverse("respondent:autosave"), {"statement": s1().pk, "value": "-2"})
    refused = client.post(reverse("respondent:submit"))
    assert refused.status_code == 400
    assert "Please give a reason for your changed answer to:" in refused.content.decode()
    invitation.response.refresh_from_db()
    assert invitation.response.submitted_at is None
    assert Answer.objects.get(response=invitation.response, statement=s1()).value == -2


def test_sector_groups_at_minimum_are_shown_by_label(client, survey, researcher):
    following = round_two(survey, researcher, respondents=15)
    following.feedback_by_sector = True
    following.save()
    figures, _ = feedback.panel_figures(survey=following)
    assert sorted(figures["sectors"]) == ["academia", "agi_lab", "civil_society"]
    assert figures["sectors"]["agi_lab"][s1().pk]["n"] == 5
    page = client.get(open_round(client, expert_of(following, 1))).content.decode()
    assert "AGI lab: n = 5" in page
