"""Delphi rounds: the next round of a study, started from its closed last round.

A round is a survey of its own (its dates, texts, emails, reminder schedule, panel, answers
and kept counts), linked to the round before by `Survey.previous_round`; each expert's
invitation is linked to theirs of the round before (`Invitation.previous`) and shares its
personal link. Nothing of an earlier round is copied over or changed: its answers stay its
own rows, frozen because a round with a next one can't be reopened."""

from django.db import transaction

from ... import links
from ...audit import audit_log
from ...models import Expert, Invitation, Survey, SurveyItem
from ...results.services.snapshots import snapshot_create
from .editor import COPIED_FIELDS, items_copy, slug_derive

ERROR_ROUND_NOT_CLOSED = "Close this round first: the next round starts from a closed round."
ERROR_ROUND_EXISTS = "Round {number} of this study has already started."
ERROR_ROUND_ANONYMISED = "This round is anonymised: its experts can't be invited again."
ERROR_ROUND_PANEL = "Choose the panel: the respondents, or everyone invited."
ERROR_ROUND_STATEMENTS = "Choose the statements: all of them, or those not settled."
ERROR_ROUND_NO_PANEL = "Nobody is on the next round's panel: nobody submitted this round."
ERROR_ROUND_NO_RULE = (
    "This round has no consensus rule, so no statement is settled: ask all the statements "
    "again, or set the rule first."
)
ERROR_ROUND_ALL_SETTLED = "Every statement is settled: there is nothing left to ask."

# Round k+1 takes over round k's texts, emails and settings, and the feedback settings.
ROUND_FIELDS = COPIED_FIELDS + (
    "feedback_distribution", "feedback_by_sector", "feedback_reasons", "reason_points",
    "reason_on_crossing", "realtime", "realtime_prephase",
)  # fmt: skip


class RoundError(Exception):
    pass


def settled_statement_ids(survey: Survey) -> list[int]:
    """The statements on which the round's pre-registered consensus rule held, computed now
    from its kept counts (a closed round's counts no longer change)."""
    if not survey.consensus_rule:
        return []
    snapshot = snapshot_create(survey=survey, permutations=0, order_effects=False)
    ids = dict(survey.statements.values_list("number", "pk"))
    return [ids[row["statement"]] for row in snapshot.tables["statements"] if row["consensus"]]


def panel_invitations(survey: Survey, panel: str):
    """The round's invitations whose experts the next round invites: the respondents
    (submitted, not withdrawn), or everyone invited (but those who declined or were revoked).
    Test invitations come along as test invitations."""
    invitations = Invitation.objects.filter(survey=survey, revoked_at__isnull=True)
    if panel == Survey.RoundPanel.RESPONDENTS:
        return invitations.filter(
            response__submitted_at__isnull=False, response__withdrawn_at__isnull=True
        )
    return invitations.filter(declined_at__isnull=True)


@transaction.atomic
def round_start(*, survey: Survey, actor, panel: str, statements: str) -> Survey:
    """Round k+1 of `survey`'s study, a draft with round k's texts, emails, settings and the
    chosen statements and panel; the researchers set its dates, texts and emails, then open
    it. Checked before anything is written; audited."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.CLOSED:
        raise RoundError(ERROR_ROUND_NOT_CLOSED)
    if survey.anonymised_at is not None:
        raise RoundError(ERROR_ROUND_ANONYMISED)
    if Survey.objects.filter(previous_round=survey).exists():
        raise RoundError(ERROR_ROUND_EXISTS.format(number=survey.round_number + 1))
    if panel not in Survey.RoundPanel.values:
        raise RoundError(ERROR_ROUND_PANEL)
    if statements not in Survey.RoundStatements.values:
        raise RoundError(ERROR_ROUND_STATEMENTS)
    invitations = list(panel_invitations(survey, panel).select_related("expert"))
    if not any(not invitation.is_test for invitation in invitations):
        raise RoundError(ERROR_ROUND_NO_PANEL)
    settled_now = settled_statement_ids(survey)
    if statements == Survey.RoundStatements.UNSETTLED:
        if not survey.consensus_rule:
            raise RoundError(ERROR_ROUND_NO_RULE)
        if set(settled_now) >= set(survey.statements.values_list("pk", flat=True)):
            raise RoundError(ERROR_ROUND_ALL_SETTLED)

    number = survey.round_number + 1
    base_title = survey.title.removesuffix(f" (round {survey.round_number})")
    title = f"{base_title} (round {number})"
    following = Survey(
        title=title,
        slug=slug_derive(title),
        owner=survey.owner,
        status=Survey.Status.DRAFT,
        previous_round=survey,
        round_number=number,
        round_panel=panel,
        round_statements=statements,
        settled_statements=sorted(set(survey.settled_statements) | set(settled_now)),
    )
    for name in ROUND_FIELDS:
        setattr(following, name, getattr(survey, name))
    following.save()
    following.collaborators.set(survey.collaborators.all())
    items_copy(survey, following)
    if statements == Survey.RoundStatements.UNSETTLED:
        SurveyItem.objects.filter(
            survey=following, statement_id__in=following.settled_statements
        ).delete()
    _panel_copy(invitations, following)
    data = {
        "round": number,
        "from": survey.slug,
        "panel": panel,
        "statements": statements,
        "invited": len(invitations),
        "settled": following.settled_statements,
    }
    audit_log(action="round.started", survey=following, actor=actor, data=data)
    audit_log(action="round.next_started", survey=survey, actor=actor, data=data)
    return following


def _panel_copy(invitations: list[Invitation], following: Survey) -> None:
    """Each expert of the panel as an expert of the next round (their details as they are
    now), with an invitation holding their personal link."""
    experts = Expert.objects.bulk_create(
        Expert(
            survey=following,
            name=invitation.expert.name,
            email=invitation.expert.email,
            sector=invitation.expert.sector,
            affiliation=invitation.expert.affiliation,
            attributes=invitation.expert.attributes,
            language=invitation.expert.language,
        )
        for invitation in invitations
    )
    Invitation.objects.bulk_create(
        Invitation(
            survey=following,
            expert=expert,
            previous=invitation,
            is_test=invitation.is_test,
            **links.link_fields_round(invitation.link_nonce, following.round_number),
        )
        for invitation, expert in zip(invitations, experts, strict=True)
    )
