"""Delphi rounds: the next round of a study, started from its closed last round.

A round is a survey of its own (its dates, texts, emails, reminder schedule, panel, answers
and kept counts), linked to the round before by `Survey.previous_round`; each expert's
invitation is linked to theirs of the round before (`Invitation.previous`) and shares its
personal link. Nothing of an earlier round is copied over or changed: its answers stay its
own rows, frozen because a round with a next one can't be reopened."""

from django.db import transaction

from ... import links
from ...audit import audit_log
from ...choices import COMMENT_MAX_LENGTH
from ...models import Answer, Expert, Invitation, SharedReason, Survey, SurveyItem
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


ERROR_FEEDBACK_FIRST_ROUND = "Feedback to experts is shown from round 2 on."
ERROR_FEEDBACK_ANSWERED = (
    "Experts have answered this round: its feedback settings can no longer change, so the "
    "record says what each expert saw."
)
ERROR_REASON_POINTS = "The points that ask for a reason must lie between 0 and 4."
ERROR_PREPHASE = "The pre-phase must lie between 1 and 1000 answers."
ERROR_REASON_UNKNOWN = "Choose a comment of the previous round on a statement of this round."
ERROR_REASON_EMPTY = "The text shown can't be empty."
ERROR_REASON_CLOSED = "This round is closed: the reasons shown can no longer change."
ERROR_REASON_TEXT_SHOWN = (
    "Experts have answered this round and may have read this reason: its text can no longer "
    "change. Withdraw it instead."
)
ERROR_REASON_NOT_APPROVED = "This comment is not approved: there is nothing to withdraw."
FEEDBACK_FIELDS = ROUND_FIELDS[len(COPIED_FIELDS) :]


def _round_answered(survey: Survey) -> bool:
    return Answer.objects.filter(response__invitation__survey=survey).exists()


@transaction.atomic
def round_feedback_save(*, survey: Survey, actor, **fields) -> list[str]:
    """What experts of round 2 and later see of the previous round (FEEDBACK_FIELDS), checked
    before any is saved; frozen once the round has answers. Returns the fields changed."""
    if set(fields) != set(FEEDBACK_FIELDS):
        raise TypeError(f"not the feedback settings: {sorted(fields)}")
    if survey.previous_round_id is None:
        raise RoundError(ERROR_FEEDBACK_FIRST_ROUND)
    if not 0 <= fields["reason_points"] <= 4:
        raise RoundError(ERROR_REASON_POINTS)
    if not 1 <= fields["realtime_prephase"] <= 1000:
        raise RoundError(ERROR_PREPHASE)
    changed = [name for name, value in fields.items() if getattr(survey, name) != value]
    if changed and _round_answered(survey):
        raise RoundError(ERROR_FEEDBACK_ANSWERED)
    for name in changed:
        setattr(survey, name, fields[name])
    if changed:
        survey.save(update_fields=changed)
        data = {name: fields[name] for name in changed}
        audit_log(action="round.feedback_changed", survey=survey, actor=actor, data=data)
    return changed


def _reason_answer(survey: Survey, answer_id) -> Answer:
    """A previous round's counted comment on one of this round's statements, or refused."""
    if survey.previous_round_id is None:
        raise RoundError(ERROR_FEEDBACK_FIRST_ROUND)
    answer = (
        Answer.objects.filter(
            pk=answer_id,
            response__invitation__survey_id=survey.previous_round_id,
            response__invitation__is_test=False,
            response__submitted_at__isnull=False,
            response__withdrawn_at__isnull=True,
            statement__in=survey.statements.all(),
        )
        .exclude(comment="")
        .first()
    )
    if answer is None:
        raise RoundError(ERROR_REASON_UNKNOWN)
    if survey.status == Survey.Status.CLOSED:
        raise RoundError(ERROR_REASON_CLOSED)
    return answer


@transaction.atomic
def reason_approve(*, survey: Survey, answer_id: int, actor, text: str = "") -> SharedReason:
    """A previous round's comment approved for showing beside its statement, as `text` (the
    comment itself when empty, or edited to strip what identifies its author). Its text is
    frozen once the round has answers."""
    answer = _reason_answer(survey, answer_id)
    text = text.strip() or answer.comment.strip()
    if not text:
        raise RoundError(ERROR_REASON_EMPTY)
    text = text[:COMMENT_MAX_LENGTH]
    reason = SharedReason.objects.filter(survey=survey, answer=answer).first()
    if reason is not None and reason.text == text:
        return reason
    if reason is not None and _round_answered(survey):
        raise RoundError(ERROR_REASON_TEXT_SHOWN)
    action = "round.reason_edited" if reason else "round.reason_approved"
    if reason is None:
        reason = SharedReason(survey=survey, statement_id=answer.statement_id, answer=answer)
    reason.text, reason.approved_by = text, actor
    reason.save()
    data = {"answer": answer.pk, "statement": answer.statement_id, "edited": text != answer.comment}
    audit_log(action=action, survey=survey, actor=actor, data=data)
    return reason


@transaction.atomic
def reason_withdraw(*, survey: Survey, answer_id: int, actor) -> None:
    """An approval withdrawn: the reason is no longer shown. The audit keeps its text, since
    experts who answered already may have read it."""
    answer = _reason_answer(survey, answer_id)
    reason = SharedReason.objects.filter(survey=survey, answer=answer).first()
    if reason is None:
        raise RoundError(ERROR_REASON_NOT_APPROVED)
    data = {"answer": answer.pk, "reason": reason.pk, "statement": answer.statement_id}
    reason.delete()
    audit_log(
        action="round.reason_withdrawn",
        survey=survey,
        actor=actor,
        data=data | {"text": reason.text},
    )
