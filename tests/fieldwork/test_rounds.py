"""Delphi rounds: the next round started from a closed one, its panel and statements, the one
personal link, and the earlier round frozen."""

import pytest
from django.urls import reverse

from responses.fieldwork.selectors.rounds import study_rounds
from responses.fieldwork.services import lifecycle, rounds
from responses.links import link_secret
from responses.models import Invitation, Survey
from responses.results.services.consensus import consensus_rule_set
from statements.models import Statement
from tests.factories import respond, round_two

pytestmark = pytest.mark.django_db


def test_round_two_invites_the_respondents_with_their_own_link(survey, researcher):
    following = round_two(survey, researcher, respondents=4)
    assert following.round_number == 2 and following.previous_round == survey
    assert study_rounds(following) == [survey, following]
    invitations = Invitation.objects.filter(survey=following)
    assert invitations.count() == 4
    for invitation in invitations:
        assert invitation.previous.survey == survey
        assert invitation.link_nonce == invitation.previous.link_nonce
        assert invitation.link_hash != invitation.previous.link_hash
        assert invitation.expert.email == invitation.previous.expert.email
    assert following.statements.count() == survey.statements.count()


def test_everyone_invited_leaves_out_who_declined(survey, researcher):
    following = round_two(survey, researcher, respondents=3, panel="invited", open=False)
    emails = set(following.experts.values_list("email", flat=True))
    assert "absent@example.org" in emails and len(emails) == 4


def test_unsettled_statements_leave_out_those_the_rule_settled(survey, researcher):
    consensus_rule_set(
        survey=survey, rule={"kind": "agree_pct", "threshold": 75}, reason="Pre-registered"
    )
    following = round_two(survey, researcher, statements="unsettled", open=False)
    statement_2 = Statement.objects.get(number=2).pk
    assert following.settled_statements == [statement_2]
    assert not following.statements.filter(pk=statement_2).exists()
    assert following.statements.count() == survey.statements.count() - 1


def test_unsettled_without_a_rule_is_refused_and_writes_nothing(survey, researcher):
    respond(survey, answers={1: 1})
    lifecycle.survey_close(survey=survey, actor=researcher)
    with pytest.raises(rounds.RoundError, match="no consensus rule"):
        rounds.round_start(
            survey=survey, actor=researcher, panel="respondents", statements="unsettled"
        )
    assert Survey.objects.count() == 1


def test_only_a_closed_round_starts_the_next_and_only_once(survey, researcher):
    respond(survey, answers={1: 1})
    with pytest.raises(rounds.RoundError, match="Close this round"):
        rounds.round_start(survey=survey, actor=researcher, panel="respondents", statements="all")
    lifecycle.survey_close(survey=survey, actor=researcher)
    rounds.round_start(survey=survey, actor=researcher, panel="respondents", statements="all")
    with pytest.raises(rounds.RoundError, match="already started"):
        rounds.round_start(survey=survey, actor=researcher, panel="respondents", statements="all")


def test_a_round_without_respondents_has_no_panel(survey, researcher):
    lifecycle.survey_close(survey=survey, actor=researcher)
    with pytest.raises(rounds.RoundError, match="Nobody"):
        rounds.round_start(survey=survey, actor=researcher, panel="respondents", statements="all")


def test_the_earlier_round_is_frozen(survey, researcher):
    round_two(survey, researcher, respondents=2)
    with pytest.raises(lifecycle.LifecycleError, match="frozen"):
        lifecycle.survey_reopen(survey=survey, actor=researcher, closes_at=None)
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED


def test_the_personal_link_opens_the_round_once_it_opens(client, survey, researcher):
    following = round_two(survey, researcher, respondents=2, open=False)
    first = Invitation.objects.filter(survey=survey, response__isnull=False).first()
    link = reverse("respondent:link", args=[link_secret(first.link_nonce)])
    client.get(link)
    assert client.get(reverse("respondent:landing")).status_code == 410  # round 1, closed
    lifecycle.survey_open(survey=following, actor=researcher, confirm_provisional=True)
    client.cookies.clear()
    client.get(link)
    page = client.get(reverse("respondent:landing"))
    assert page.status_code == 200
    assert following.title in page.content.decode()


def test_an_expert_not_on_the_panel_is_refused_clearly(client, survey, researcher):
    round_two(survey, researcher, respondents=2)
    absent = Invitation.objects.get(survey=survey, expert__email="absent@example.org")
    page = client.get(reverse("respondent:link", args=[link_secret(absent.link_nonce)]))
    assert page.status_code == 403
    assert "panel does not include you" in page.content.decode()


def test_a_new_link_reaches_every_round(client, survey, researcher):
    following = round_two(survey, researcher, respondents=2)
    second = Invitation.objects.filter(survey=following).first()
    old = link_secret(second.link_nonce)
    lifecycle.invitation_regenerate_link(invitation=second, actor=researcher)
    second.refresh_from_db()
    assert second.previous.link_nonce == second.link_nonce
    assert client.get(reverse("respondent:link", args=[old])).status_code == 404
    client.get(reverse("respondent:link", args=[link_secret(second.link_nonce)]))
    assert client.get(reverse("respondent:landing")).status_code == 200


def test_the_first_round_is_anonymised_after_the_last(survey, researcher):
    following = round_two(survey, researcher, respondents=2)
    with pytest.raises(lifecycle.LifecycleError, match="last round first"):
        lifecycle.survey_anonymise(
            survey=survey, actor=researcher, confirm=survey.slug, confirm_reasons=True
        )
    lifecycle.survey_close(survey=following, actor=researcher)
    lifecycle.survey_anonymise(
        survey=following, actor=researcher, confirm=following.slug, confirm_reasons=True
    )
    lifecycle.survey_anonymise(
        survey=survey, actor=researcher, confirm=survey.slug, confirm_reasons=True
    )
