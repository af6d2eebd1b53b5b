"""Reads of a Delphi study: its rounds in order, each round's figures, and the previous
round's comments for the researchers to approve as reasons shown."""

from ...choices import SCALE
from ...models import Answer, SharedReason, Survey
from ...results.selectors import comment_sectors
from . import rates_overall


def study_rounds(survey: Survey) -> list[Survey]:
    """Every round of the survey's study, first round first (just [survey] outside one)."""
    first = survey
    while first.previous_round_id is not None:
        first = first.previous_round
    rounds = [first]
    while True:
        following = Survey.objects.filter(previous_round=rounds[-1]).first()
        if following is None:
            return rounds
        rounds.append(following)


def has_next_round(survey: Survey) -> bool:
    return Survey.objects.filter(previous_round=survey).exists()


def rounds_marked(surveys: list[Survey]) -> list[Survey]:
    """The survey list's surveys, each with `in_study` (a round of a Delphi study): one
    query, whatever the list's length."""
    ids = [survey.pk for survey in surveys]
    followed = set(
        Survey.objects.filter(previous_round_id__in=ids).values_list("previous_round_id", flat=True)
    )
    for survey in surveys:
        survey.in_study = survey.previous_round_id is not None or survey.pk in followed
    return surveys


def study_figures(rounds: list[Survey]) -> list[dict]:
    """Each round's invited, submitted and rate, as the dashboard counts them."""
    return [{"round": survey, "rates": rates_overall(survey)} for survey in rounds]


def settled_in_snapshot(survey: Survey, snapshot) -> list[dict]:
    """The statements on which the round's consensus rule held in its latest results."""
    if not survey.consensus_rule or snapshot is None:
        return []
    return [row for row in snapshot.tables.get("statements", []) if row.get("consensus")]


def reasons_to_approve(survey: Survey) -> list[dict]:
    """Per statement of round `survey`, the previous round's counted comments on it (the
    sector beside each only where its group is big enough), each with its approval."""
    previous = survey.previous_round
    shown = dict(comment_sectors(survey=previous))
    labels = dict(SCALE)
    approved = {reason.answer_id: reason for reason in SharedReason.objects.filter(survey=survey)}
    answers = (
        Answer.objects.filter(
            response__invitation__survey=previous,
            response__invitation__is_test=False,
            response__submitted_at__isnull=False,
            response__withdrawn_at__isnull=True,
            statement__in=survey.statements.all(),
        )
        .exclude(comment="")
        .select_related("statement", "response__invitation__expert")
        .order_by("statement__number", "response__pseudonym")
    )
    groups: dict[int, dict] = {}
    for answer in answers:
        group = groups.setdefault(
            answer.statement_id, {"statement": answer.statement, "comments": []}
        )
        group["comments"].append(
            {
                "answer": answer,
                "respondent": answer.response.pseudonym,
                "sector": shown.get(answer.response.invitation.expert.sector, ""),
                "value": labels.get(answer.value, ""),
                "reason": approved.get(answer.pk),
            }
        )
    return list(groups.values())
