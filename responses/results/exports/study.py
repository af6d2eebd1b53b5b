"""A Delphi study's rounds as the exports see them: the rounds in order, the study-wide
respondent id, and each round's sample.

The study-wide id of an expert is the stored pseudonym of their response in the earliest
round they started (round 1's, when they answered it), followed through
`Invitation.previous`; each round's own pseudonym stays that round's `response_id`, so the
per-round wide files join the long file on it, and the study files on `respondent`."""

import json

from django.db.models import Max, Min, Q

from ...fieldwork.selectors.rounds import study_rounds
from ...models import Invitation, Response
from .variables import iso_utc

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
    """A round's listed (its panel), invited (reached) and responded (submitted, not
    withdrawn)."""
    invitations = Invitation.objects.filter(REACHED, survey=survey)
    responses = Response.objects.filter(
        invitation__survey=survey, submitted_at__isnull=False, withdrawn_at__isnull=True
    )
    if not include_test:
        invitations = invitations.filter(is_test=False)
        responses = responses.filter(invitation__is_test=False)
    listed = Invitation.objects.filter(survey=survey)
    if not include_test:
        listed = listed.filter(is_test=False)
    invited, responded = invitations.count(), responses.count()
    return {
        "listed": listed.count(),
        "invited": invited,
        "responded": responded,
        "rate": responded / invited if invited else None,
    }


def round_span(survey) -> tuple:
    """When a round's fieldwork began and ended: its set dates, else its first consent and
    last submission."""
    span = Response.objects.filter(invitation__survey=survey, submitted_at__isnull=False)
    span = span.aggregate(first=Min("consented_at"), last=Max("submitted_at"))
    return survey.opens_at or span["first"], survey.closed_at or span["last"]


def feedback_text(survey) -> str:
    """What the experts of a round were shown of the round before, and when a reason was
    asked, from the round's settings."""
    if survey.previous_round_id is None:
        return "No feedback: the first round."
    shown = []
    if survey.feedback_distribution:
        shown.append("the previous round's distribution (n, percentages, median and IQR)")
        if survey.feedback_by_sector:
            shown.append(f"by sector, for groups of at least {survey.min_group_size}")
    if survey.feedback_reasons:
        shown.append("anonymised reasons the researchers approved")
    if survey.realtime:
        shown.append(
            "this round's distribution in real time, hidden until "
            f"{survey.realtime_prephase} experts had answered independently"
        )
    shown.append("the expert's own previous answer")
    if survey.reason_points:
        ask = f"a reason asked when an answer moves {survey.reason_points} points or more"
    else:
        ask = "a reason never asked for a distance moved"
    if survey.reason_on_crossing:
        ask += ", or crosses between agree and disagree"
    return f"Feedback: {'; '.join(shown)}. {ask[0].upper()}{ask[1:]}."


def round_description(survey, *, include_test: bool = False) -> dict:
    """A round as the codebook and the methods report describe it, from its records."""
    started, ended = round_span(survey)
    asked = survey.statements.count()
    return {
        "number": survey.round_number,
        "slug": survey.slug,
        "started": started,
        "ended": ended,
        "panel": survey.get_round_panel_display() if survey.round_panel else "Invited by name",
        "asked": asked,
        "settled": len(survey.settled_statements or []),
        "leaves_out_settled": survey.round_statements == survey.RoundStatements.UNSETTLED,
        "feedback": feedback_text(survey),
        "rule": survey.consensus_rule,
        "fingerprint": survey.consensus_fingerprint,
        "frozen_at": survey.consensus_frozen_at,
        **round_sample(survey, include_test=include_test),
    }


def stopping_text(rounds: list) -> str:
    """The stopping rule: the one pre-registered with the first round's consensus rule
    (consensus, or stability), and which rounds left settled statements out."""
    rule = rounds[0].consensus_rule or {}
    if not rule:
        stop = "No consensus or stopping rule was pre-registered."
    elif rule.get("stop") == "stability":
        share = rule.get("stability_pct", 15)
        stop = (
            "Pre-registered stopping rule: stability, a statement settles when at most "
            f"{share}% of the experts who answered two consecutive rounds changed their answer."
        )
    else:
        stop = "Pre-registered stopping rule: consensus, a statement settles when the rule holds."
    leaving = [str(r.round_number) for r in rounds if r.round_statements == "unsettled"]
    if leaving:
        asked = (
            f"Round {', '.join(leaving)} asked only the statements not settled before; the "
            f"study ran {len(rounds)} rounds."
        )
    else:
        asked = f"Every round asked all the statements; the study ran {len(rounds)} rounds."
    return f"Stopping: {stop} {asked}"


def round_note(description: dict) -> str:
    """One line of a round for the codebook: dates, panel, statements, sample, consensus,
    feedback."""
    d = description
    dates = f"{iso_utc(d['started']) or 'not started'} to {iso_utc(d['ended']) or 'ongoing'}"
    asked = f"{d['asked']} statements asked"
    if d["leaves_out_settled"]:
        asked += f" ({d['settled']} settled in earlier rounds left out)"
    rate = f" ({100 * d['rate']:.1f}%)" if d["rate"] is not None else ""
    consensus = "no consensus rule"
    if d["rule"]:
        frozen = iso_utc(d["frozen_at"]) or "not yet"
        consensus = (
            f"consensus rule {json.dumps(d['rule'], sort_keys=True)}, fingerprint "
            f"{d['fingerprint'] or 'none yet'}, frozen {frozen}"
        )
    return (
        f"Round {d['number']} ({d['slug']}): {dates}; panel: {d['panel']}; {asked}; "
        f"{d['listed']} listed, {d['invited']} invited, {d['responded']} responded{rate}; "
        f"{consensus}. {d['feedback']}"
    )
