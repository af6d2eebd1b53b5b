"""Charts of a results snapshot, drawn once as shapes and rendered as SVG or PNG.

Each builder turns snapshot tables into a `Chart`: a title, a description, a list of shapes
(rectangles, lines, circles, text) and the table that is its text alternative. base.py holds
what they share (gridlines behind the bars, wrapped titles, axis titles, the caption with N
and the source, the legend in the bars' order); statements.py the per-statement charts,
groups.py the group views', render.py the SVG and PNG writers."""

from ..pages import distribution_bars
from .base import COLOURS, LABELS, PAPER_ORDER, SORTS, Chart, sorted_statements
from .groups import group_means
from .render import png, svg
from .statements import distribution, diverging, extremes, means, most, stacked

__all__ = [
    "COLOURS", "LABELS", "PAPER_ORDER", "SORTS", "Chart", "all_charts", "chart_by_name",
    "distribution", "diverging", "extremes", "group_means", "means", "most", "png",
    "sorted_statements", "stacked", "statement_chart", "svg",
]  # fmt: skip


def all_charts(tables: dict, sort: str = "number") -> list[Chart]:
    charts = [
        stacked(tables, sort),
        diverging(tables, sort),
        means(tables),
        extremes(tables),
        most(tables, "dont_know"),
        most(tables, "neither"),
    ]
    charts += [group_means(view, tables) for view in tables["groups"] if len(view["groups"]) >= 2]
    return charts


def statement_chart(tables: dict, number: int) -> Chart | None:
    bars = distribution_bars(tables, number)
    return distribution(tables, number, bars) if bars else None


def chart_by_name(tables: dict, name: str, sort: str = "number") -> Chart | None:
    prefix = "statement-"
    if name.startswith(prefix) and name[len(prefix) :].isdigit():
        return statement_chart(tables, int(name[len(prefix) :]))
    for chart in all_charts(tables, sort):
        if chart.name == name:
            return chart
    return None
