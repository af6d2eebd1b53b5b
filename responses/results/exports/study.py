"""A Delphi study's rounds as the exports see them: the rounds in order, the study-wide
respondent id, and each round's sample.

The study-wide id of an expert is the stored pseudonym of their response in the earliest
round they started (round 1's, when they answered it), followed through
`Invitation.previous`; each round's own pseudonym stays that round's `response_id`, so the
per-round wide files join the long file on it, and the study files on `respondent`."""

from django.db.models import Q

from ...fieldwork.selectors.rounds import study_rounds
from ...models import Invitation, Response

# Invited as the fieldwork's rates count it: the invitation reached the expert.
REACHED = (
    Q(sent_at__isnull=False)
    | Q(started_at__isnull=False)
    | Q(submitted_at__isnull=False)
    | Q(declined_at__isnull=False)
)


def rounds_of(survey) -> list:
    """The study's rounds, first round first; [survey] outside a study."""
    if survey.previous_round_id is None and not _has_next(survey):
        return [survey]
    return study_rounds(survey)


def _has_next(survey) -> bool:
    return type(survey).objects.filter(previous_round=survey).exists()


def study_ids(rounds: list) -> dict[int, str]:
    """{response id: study-wide id} of every response of the study's rounds."""
    previous = dict(Invitation.objects.filter(survey__in=rounds).values_list("pk", "previous_id"))
    responses = {
        invitation: (pk, pseudonym)
        for pk, invitation, pseudonym in Response.objects.filter(
            invitation__survey__in=rounds
        ).values_list("pk", "invitation_id", "pseudonym")
    }
    ids = {}
    for invitation, (pk, _) in responses.items():
        chain = [invitation]
        while (before := previous.get(chain[-1])) is not None:
            chain.append(before)
        ids[pk] = next(responses[link][1] for link in reversed(chain) if link in responses)
    return ids


def round_sample(survey, *, include_test: bool = False) -> dict:
    """A round's invited (reached) and responded (submitted, not withdrawn)."""
    invitations = Invitation.objects.filter(REACHED, survey=survey)
    responses = Response.objects.filter(
        invitation__survey=survey, submitted_at__isnull=False, withdrawn_at__isnull=True
    )
    if not include_test:
        invitations = invitations.filter(is_test=False)
        responses = responses.filter(invitation__is_test=False)
    invited, responded = invitations.count(), responses.count()
    return {
        "invited": invited,
        "responded": responded,
        "rate": responded / invited if invited else None,
    }
