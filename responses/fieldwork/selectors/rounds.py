"""Reads of a Delphi study: its rounds in order."""

from ...models import Survey


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
