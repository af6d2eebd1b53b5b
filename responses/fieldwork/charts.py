"""Geometry for the server-rendered SVG chart: cumulative submissions over time, with
invitation and reminder sends marked. Plain numbers out; the template draws them.

The axis runs by day, or by hour when everything so far happened on one day (the first day
of fieldwork), so that a single day is a line rather than a point."""

from datetime import date, datetime, timedelta

from django.utils import timezone

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _y(count: int, top: int) -> float:
    return round(HEIGHT - BOTTOM - count / top * (HEIGHT - TOP - BOTTOM), 1)


def _hour(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def submissions_chart(*, submissions: list, sends: list[dict], now: datetime | None = None):
    """`submissions`: submission times; `sends`: {"hour", "kind", "n"} rows (emails sent per
    hour and kind). None when there is nothing to draw yet."""
    if not submissions and not sends:
        return None
    now = now or timezone.now()
    moments = [_hour(moment) for moment in submissions]
    send_moments = [_hour(row["hour"]) for row in sends]
    days = {moment.date() for moment in [*moments, *send_moments, _hour(now)]}
    if len(days) == 1:
        slots = _slots(moments, send_moments, _hour(now), step=HOUR)
        return _chart(slots, moments, sends, key=_hour, hourly=True)
    day_moments = [moment.date() for moment in moments]
    send_days = [moment.date() for moment in send_moments]
    slots = _slots(day_moments, send_days, timezone.localdate(now), step=DAY)
    return _chart(slots, day_moments, sends, key=lambda m: _hour(m).date(), hourly=False)


def _slots(moments: list, send_moments: list, current, *, step: timedelta) -> list:
    """Every slot (day or hour) from the first event to now."""
    first, last = min(moments + send_moments), max([*moments, *send_moments, current])
    last = max(last, first + step)  # at least two slots: a line, never a lone point
    slots, slot = [], first
    while slot <= last:
        slots.append(slot)
        slot += step
    return slots


def _chart(slots: list, moments: list, sends: list[dict], *, key, hourly: bool) -> dict:
    span = max(len(slots) - 1, 1)
    index = {slot: i for i, slot in enumerate(slots)}

    def x(slot) -> float:
        return round(LEFT + index[slot] / span * (WIDTH - LEFT - RIGHT), 1)

    top = max(len(moments), 1)
    per_slot: dict = {}
    for moment in moments:
        per_slot[moment] = per_slot.get(moment, 0) + 1
    points, total = [(LEFT, _y(0, top))], 0
    for slot in slots:
        total += per_slot.get(slot, 0)
        points.append((x(slot), _y(total, top)))
    grouped: dict = {}
    for row in sends:
        slot_key = (key(row["hour"]), row["kind"])
        grouped[slot_key] = grouped.get(slot_key, 0) + row["n"]
    markers = [
        {"x": x(slot), "kind": kind, "count": n, "when": _label(slot, hourly, full=True)}
        for (slot, kind), n in sorted(grouped.items())
    ]
    ticks = [{"y": _y(value, top), "label": value} for value in sorted({0, top // 2, top})]
    first, last = slots[0], slots[-1]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "points": " ".join(f"{px},{py}" for px, py in points),
        "markers": markers,
        "ticks": ticks,
        "hourly": hourly,
        "first_label": _label(first, hourly),
        "last_label": _label(last, hourly),
        "span_label": _span_label(first, last, hourly),
        "total": len(moments),
        "axis_y": HEIGHT - BOTTOM,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "label_y": HEIGHT - BOTTOM + 18,
        "legend_y": HEIGHT - 6,
    }


def _label(slot, hourly: bool, full: bool = False) -> str:
    if not hourly:
        return f"{slot.day} {slot:%b %Y}"
    return f"{slot:%H:%M}" + (f" on {slot.day} {slot:%b %Y}" if full else "")


def _span_label(first, last, hourly: bool) -> str:
    if hourly:
        day: date = first.date()
        return f"from {first:%H:%M} to {last:%H:%M} on {day.day} {day:%b %Y}, by hour"
    return f"from {_label(first, False)} to {_label(last, False)}"
