"""Geometry for the server-rendered SVG chart: cumulative submissions over time, with
invitation and reminder sends marked. Plain numbers out; the template draws them."""

from datetime import date, timedelta

from django.utils import timezone

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


def _x(day: date, first: date, span: int) -> float:
    return round(LEFT + (day - first).days / span * (WIDTH - LEFT - RIGHT), 1)


def _y(count: int, top: int) -> float:
    return round(HEIGHT - BOTTOM - count / top * (HEIGHT - TOP - BOTTOM), 1)


def submissions_chart(*, submissions: list, sends: list[dict], today: date | None = None):
    """None when there is nothing to draw yet."""
    days = [timezone.localdate(moment) for moment in submissions]
    send_days = [row["day"] for row in sends]
    if not days and not send_days:
        return None
    today = today or timezone.localdate()
    first = min(days + send_days)
    last = max([*days, *send_days, today])
    span = max((last - first).days, 1)
    top = max(len(days), 1)
    points, total = [(LEFT, _y(0, top))], 0
    per_day: dict[date, int] = {}
    for day in days:
        per_day[day] = per_day.get(day, 0) + 1
    for offset in range(span + 1):
        day = first + timedelta(days=offset)
        total += per_day.get(day, 0)
        points.append((_x(day, first, span), _y(total, top)))
    markers = [
        {
            "x": _x(row["day"], first, span),
            "kind": row["kind"],
            "count": row["n"],
            "day": row["day"],
        }
        for row in sends
    ]
    ticks = [{"y": _y(value, top), "label": value} for value in sorted({0, top // 2, top})]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "markers": markers,
        "ticks": ticks,
        "first": first,
        "last": last,
        "total": len(days),
        "axis_y": HEIGHT - BOTTOM,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "label_y": HEIGHT - BOTTOM + 18,
        "legend_y": HEIGHT - 6,
    }
