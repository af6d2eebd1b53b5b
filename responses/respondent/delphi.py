"""Pure rules of a Delphi round's questionnaire: when a revised answer needs a reason. No
queries: the page, the review and the submission (server) and questionnaire.js (the same
numbers through data attributes) apply the one rule."""

from ..choices import DONT_KNOW


def reason_required(
    *, previous: int | None, new: int | None, points: int, on_crossing: bool
) -> bool:
    """Whether moving from `previous` (the expert's answer in the round before) to `new`
    asks for a reason: `points` or more apart (0: never by distance), or, with
    `on_crossing`, from agree (1, 2) to disagree (-2, -1) or back. "I don't know", no
    previous answer and no new answer never ask for one."""
    if previous is None or new is None or DONT_KNOW in (previous, new):
        return False
    if points and abs(new - previous) >= points:
        return True
    return on_crossing and previous * new < 0
