"""Charts across a Delphi study's rounds: each statement's answers round by round as 100%
stacked bars side by side, and a slope chart of the means from round to round."""

from .base import (
    COLOURS,
    GROUP_COLOURS,
    LABEL_WIDTH,
    LINE,
    PAPER_ORDER,
    PLOT_WIDTH,
    ROW,
    Chart,
    grid,
    heading,
    legend,
    num,
    pct,
    row_label,
    wrap,
)

PCT_TICKS = [(p, f"{p}%") for p in range(0, 101, 25)]
MEAN_TICKS = [(v, f"{v:+d}" if v else "0") for v in range(-2, 3)]
# The six shares of a round's row, in OPTIONS order (-2 … 2, DK): the bars' order is the paper's.
SHARE_INDEX = {"strongly_disagree": 0, "somewhat_disagree": 1, "neither": 2,
               "somewhat_agree": 3, "strongly_agree": 4, "dont_know": 5}  # fmt: skip


def label(statement: dict) -> str:
    return f"{statement['number']}. {statement['title']}"


def _caption(chart: Chart, report: dict, y: float) -> None:
    counts = "; ".join(f"round {r['number']}: {r['respondents']}" for r in report["rounds"])
    text = f"N = {counts} respondents. Source: the kept counts of each round."
    for line in wrap(text, chart.width // 6):
        chart.text(10, y, line, size=10)
        y += 14
    chart.height = int(y + 6)


def round_bars(report: dict) -> Chart:
    chart = Chart(
        "rounds-stacked",
        "Answers per statement, round by round",
        "100% stacked bars of each answer's share, including I don't know, one bar per round "
        "for each statement; n beside each bar.",
        LABEL_WIDTH + PLOT_WIDTH + 60,
    )
    top = legend(chart, heading(chart) + 10, PAPER_ORDER) + 14
    to_x = lambda p: LABEL_WIDTH + PLOT_WIDTH * p / 100  # noqa: E731
    layout, y = [], top
    for statement in report["statements"]:
        lines = wrap(label(statement))
        height = max(ROW * len(statement["rounds"]), ROW + LINE * (len(lines) - 1)) + 6
        layout.append((statement, y, height, lines))
        y += height
    bottom = y
    grid(chart, top, bottom, PCT_TICKS, to_x, "Share of answers (% of n)")
    for statement, y, height, lines in layout:
        row_label(chart, y, height, lines)
        for k, entry in enumerate(statement["rounds"]):
            x, bar_y = LABEL_WIDTH, y + 3 + k * ROW
            for key in PAPER_ORDER:
                width = PLOT_WIDTH * entry["shares"][SHARE_INDEX[key]]
                chart.rect(x, bar_y + 2, width, ROW - 4, COLOURS[key])
                x += width
            chart.text(to_x(100) + 6, bar_y + ROW / 2 + 4, f"R{entry['round']} n={entry['n']}")
    _caption(chart, report, bottom + 50)
    chart.columns = ["Statement", "Round", "n"] + [f"% {key}" for key in PAPER_ORDER]
    chart.rows = [
        [label(s), e["round"], e["n"]]
        + [pct(100 * e["shares"][SHARE_INDEX[k]]) for k in PAPER_ORDER]
        for s in report["statements"]
        for e in s["rounds"]
    ]
    return chart


def slope(report: dict) -> Chart:
    """The means per round, one line per statement; a statement's label at its last round."""
    rounds = [r["number"] for r in report["rounds"]]
    chart = Chart(
        "rounds-means",
        "Mean agreement, round by round",
        "Slope chart: each statement's mean (-2 strongly disagree to +2 strongly agree, "
        "I don't know excluded) in each round, joined by a line.",
        LABEL_WIDTH + PLOT_WIDTH + 20,
    )
    top, plot_height = heading(chart) + 20, 260
    bottom = top + plot_height
    to_y = lambda v: bottom - plot_height * (v + 2) / 4  # noqa: E731
    step = PLOT_WIDTH / max(len(rounds) - 1, 1)
    to_x = lambda n: LABEL_WIDTH / 3 + (n - 1) * step  # noqa: E731
    for value, text in MEAN_TICKS:
        chart.line(to_x(1), to_y(value), to_x(rounds[-1]), to_y(value))
        chart.text(to_x(1) - 8, to_y(value) + 4, text, anchor="end", size=10)
    for n in rounds:
        chart.text(to_x(n), bottom + 16, f"Round {n}", anchor="middle", size=10)
    chart.text(to_x(1) - 40, top - 8, "Mean", size=10, bold=True)
    for i, statement in enumerate(report["statements"]):
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        points = [
            (to_x(e["round"]), to_y(e["mean"]))
            for e in statement["rounds"]
            if e["mean"] is not None
        ]
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            chart.line(x1, y1, x2, y2, colour)
        for x, y in points:
            chart.circle(x, y, 3, colour)
        if points:
            chart.text(points[-1][0] + 8, points[-1][1] + 4, str(statement["number"]), size=10)
    _caption(chart, report, bottom + 44)
    chart.columns = ["Statement"] + [f"Round {n} mean" for n in rounds]
    chart.rows = [
        [label(s)]
        + [num(next((e["mean"] for e in s["rounds"] if e["round"] == n), None)) for n in rounds]
        for s in report["statements"]
    ]
    return chart


def round_charts(report: dict) -> list[Chart]:
    return [round_bars(report), slope(report)]
