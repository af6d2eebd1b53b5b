"""Reads of a Delphi round's feedback beside each statement: the panel's distribution (the
previous round's kept counts, or this round's in real-time mode), the expert's own previous
answer and the approved reasons. The figures come from the kept counts, never from counting
answers per page, and are cached: a closed round's never change."""

from dataclasses import dataclass, field

from django.core.cache import cache

from ..choices import DONT_KNOW, SCALE
from ..models import Answer, Invitation, SharedReason, Survey
from ..results import selectors as results_selectors

CACHE_CLOSED = 24 * 3600
# Real-time figures move with each submission: a few seconds keep pages fast meanwhile.
CACHE_REALTIME = 5


@dataclass
class Feedback:
    """What one statement shows; `distribution` is {} when hidden."""

    previous_value: int | None
    distribution: dict
    reasons: list = field(default_factory=list)
    hidden: dict | None = None


def _quantile(values: list[tuple[int, int]], share: float) -> float | None:
    """The `share` quantile (linear between order statistics) of values given as counts."""
    total = sum(n for _, n in values)
    if not total:
        return None
    position = share * (total - 1)
    below, above = int(position), min(int(position) + 1, total - 1)

    def at(index):
        seen = 0
        for value, n in values:
            seen += n
            if index < seen:
                return value
        return values[-1][0]

    low, high = at(below), at(above)
    return round(low + (high - low) * (position - below), 2)


def _figures(counts: dict[int, int], n: int) -> dict:
    points = sorted((v, c) for v, c in counts.items() if v != DONT_KNOW and c)
    return {
        "n": n,
        "counts": {str(value): counts.get(value, 0) for value, _ in SCALE},
        "median": _quantile(points, 0.5),
        "q1": _quantile(points, 0.25),
        "q3": _quantile(points, 0.75),
    }


def _sector_figures(answers, sizes, min_size: int) -> dict:
    """By assigned sector, the groups under the minimum and those that would give one away
    by subtraction withheld (results/suppression.py)."""
    from ..results.suppression import withheld_groups

    atoms = sizes.groupby("assigned", as_index=False)["n"].sum()
    keys = [key for key in atoms["assigned"] if key]
    withheld = withheld_groups(atoms, {"assigned": keys}, min_size)["assigned"]
    shown = {}
    for key in keys:
        if key in withheld:
            continue
        group = answers[answers["assigned"] == key]
        size = int(atoms.loc[atoms["assigned"] == key, "n"].sum())
        shown[key] = {
            int(sid): _figures(dict(zip(rows["value"], rows["n"], strict=True)), size)
            for sid, rows in group.groupby("statement_id")
        }
    return shown


def _compute(survey_id: int, by_sector: bool, min_size: int) -> dict:
    """{"n": respondents, "statements": {id: figures}, "sectors": {...} | None}."""
    answers, sizes = results_selectors.count_tables(survey_id=survey_id)
    n = int(sizes["n"].sum()) if len(sizes) else 0
    totals = answers.groupby(["statement_id", "value"])["n"].sum()
    statements: dict[int, dict[int, int]] = {}
    for (sid, value), count in totals.items():
        statements.setdefault(int(sid), {})[int(value)] = int(count)
    result = {
        "n": n,
        "statements": {sid: _figures(c, sum(c.values())) for sid, c in statements.items()},
        "sectors": None,
    }
    if by_sector and n >= min_size:
        result["sectors"] = _sector_figures(answers, sizes, min_size)
    return result


def panel_figures(*, survey: Survey) -> tuple[dict, bool]:
    """(figures, realtime) shown in round `survey`: the previous round's, cached by its id
    and its latest snapshot's fingerprint, or this round's own, cached for a few seconds."""
    if survey.realtime:
        source, timeout, realtime = survey, CACHE_REALTIME, True
    else:
        source, timeout, realtime = survey.previous_round, CACHE_CLOSED, False
    snapshot = results_selectors.snapshot_latest(survey=source)
    fingerprint = snapshot.fingerprint if snapshot else "none"
    min_size = source.min_group_size
    by_sector = survey.feedback_by_sector
    key = f"feedback:{source.pk}:{fingerprint}:{int(by_sector)}:{min_size}:{int(realtime)}"
    figures = cache.get(key)
    if figures is None:
        figures = _compute(source.pk, by_sector, min_size)
        cache.set(key, figures, timeout)
    return figures, realtime


def hidden_because(*, survey: Survey, figures: dict, realtime: bool) -> dict | None:
    """Why no distribution is shown: {"kind": ..., "n": ..., "needed": ...}, or None."""
    needed = survey.realtime_prephase if realtime else 0
    needed = max(needed, (survey if realtime else survey.previous_round).min_group_size)
    if figures["n"] < needed:
        kind = "prephase" if realtime else "small"
        return {"kind": kind, "n": figures["n"], "needed": needed}
    return None


def previous_values(*, invitation: Invitation, statement_ids) -> dict[int, int | None]:
    """The expert's answers in the round before, by statement (None: not answered)."""
    if invitation.previous_id is None:
        return {}
    rows = Answer.objects.filter(
        response__invitation_id=invitation.previous_id, statement_id__in=statement_ids
    ).values_list("statement_id", "value")
    return dict(rows)


def shared_reasons(*, survey: Survey, statement_ids) -> dict[int, list[SharedReason]]:
    by_statement: dict[int, list] = {}
    rows = SharedReason.objects.filter(survey=survey, statement_id__in=statement_ids)
    for reason in rows.only("pk", "statement_id", "text"):
        by_statement.setdefault(reason.statement_id, []).append(reason)
    return by_statement


def page_feedback(*, invitation: Invitation, statement_ids) -> dict[int, Feedback] | None:
    """Each statement's feedback on a page of round 2 or later; None in a first round."""
    survey = invitation.survey
    if survey.previous_round_id is None:
        return None
    previous = previous_values(invitation=invitation, statement_ids=statement_ids)
    reasons = shared_reasons(survey=survey, statement_ids=statement_ids)
    hidden = None
    if survey.feedback_distribution:
        figures, realtime = panel_figures(survey=survey)
        hidden = hidden_because(survey=survey, figures=figures, realtime=realtime)
    result = {}
    for sid in statement_ids:
        distribution = {}
        if survey.feedback_distribution and hidden is None:
            base = figures["statements"].get(sid)
            if base:
                sectors = figures["sectors"]
                by_sector = None
                if sectors is not None:
                    by_sector = {k: v[sid] for k, v in sectors.items() if sid in v}
                distribution = {**base, "by_sector": by_sector, "realtime": realtime}
        result[sid] = Feedback(
            previous_value=previous.get(sid),
            distribution=distribution,
            reasons=reasons.get(sid, []) if survey.feedback_reasons else [],
            hidden=hidden,
        )
    return result
