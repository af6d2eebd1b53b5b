"""Charts of the per-statement figures: stacked and diverging bars, mean dot plots, and the
statements with the most "I don't know" or "neither"."""

from .base import (
    COLOURS,
    INK,
    LABEL_WIDTH,
    LABELS,
    PAPER_ORDER,
    PLOT_WIDTH,
    SORTS,
    Chart,
    caption,
    grid,
    heading,
    label,
    legend,
    num,
    pct,
    row_label,
    row_layout,
    sorted_statements,
)

PCT_TICKS = [(p, f"{p}%") for p in range(0, 101, 25)]


def _bottom(layout, top: float) -> float:
    return layout[-1][0] + layout[-1][1] if layout else top


def stacked(tables: dict, sort: str = "number") -> Chart:
    rows = sorted_statements(tables["statements"], sort)
    chart = Chart(
        "stacked",
        "Answers per statement",
        "100% stacked bars: the share of each answer, including I don't know, per statement "
        f"(sorted by {SORTS.get(sort, SORTS['number']).lower()}); n beside each bar.",
        LABEL_WIDTH + PLOT_WIDTH + 60,
    )
    top = legend(chart, heading(chart) + 10, PAPER_ORDER) + 14
    layout = row_layout([label(row) for row in rows], top)
    bottom = _bottom(layout, top)
    to_x = lambda p: LABEL_WIDTH + PLOT_WIDTH * p / 100  # noqa: E731
    grid(chart, top, bottom, PCT_TICKS, to_x, "Share of answers (% of n)")
    for row, (y, height, lines) in zip(rows, layout, strict=True):
        row_label(chart, y, height, lines)
        x = LABEL_WIDTH
        for key in PAPER_ORDER:
            width = PLOT_WIDTH * (row[f"pct_{key}"] or 0) / 100
            chart.rect(x, y + 2, width, height - 4, COLOURS[key])
            x += width
        chart.text(LABEL_WIDTH + PLOT_WIDTH + 6, y + height / 2 + 4, f"n={row['n']}")
    caption(chart, tables, bottom + 50)
    chart.columns = ["Statement", "n"] + [f"% {LABELS[k]}" for k in PAPER_ORDER] + ["Mean"]
    chart.rows = [
        [label(row), row["n"]] + [pct(row[f"pct_{k}"]) for k in PAPER_ORDER] + [num(row["mean"])]
        for row in rows
    ]
    return chart


def _shares_without_dont_know(row: dict) -> dict:
    m = row["m"] or 0
    return {k: (100 * row[k] / m if m else 0.0) for k in PAPER_ORDER[:5]}


def diverging(tables: dict, sort: str = "number") -> Chart:
    rows = sorted_statements(tables["statements"], sort)
    chart = Chart(
        "diverging",
        "Agreement and disagreement, centred on neutral",
        "Diverging stacked bars of the answers other than I don't know: disagreement to the "
        "left, agreement to the right, 'neither' split across the centre line.",
        LABEL_WIDTH + PLOT_WIDTH + 20,
    )
    order = list(reversed(PAPER_ORDER[:5]))  # left to right, as the bars are drawn
    top = legend(chart, heading(chart) + 10, order) + 14
    layout = row_layout([label(row) for row in rows], top)
    bottom = _bottom(layout, top)
    centre = LABEL_WIDTH + PLOT_WIDTH / 2
    scale = PLOT_WIDTH / 200
    ticks = [(p, f"{abs(p)}%") for p in range(-100, 101, 50)]
    grid(chart, top, bottom, ticks, lambda p: centre + scale * p, "Share of answers (% of m)")
    table = []
    for row, (y, height, lines) in zip(rows, layout, strict=True):
        shares = _shares_without_dont_know(row)
        row_label(chart, y, height, lines)
        x = centre - scale * (shares["strongly_disagree"] + shares["somewhat_disagree"])
        x -= scale * shares["neither"] / 2
        for key in order:
            width = scale * shares[key]
            chart.rect(x, y + 2, width, height - 4, COLOURS[key])
            x += width
        table.append([label(row)] + [pct(shares[k]) for k in PAPER_ORDER[:5]])
    caption(chart, tables, bottom + 50, "m = answers other than I don't know.")
    chart.columns = ["Statement"] + [
        f"% {LABELS[k]} (of answers without DK)" for k in PAPER_ORDER[:5]
    ]
    chart.rows = table
    return chart


def _mean_dots(chart: Chart, tables: dict, rows: list[dict], top: float) -> None:
    def to_x(value):
        return LABEL_WIDTH + PLOT_WIDTH * (value + 2) / 4

    layout = row_layout([label(row) for row in rows], top)
    bottom = _bottom(layout, top)
    ticks = [(v, str(v)) for v in range(-2, 3)]
    grid(chart, top, bottom, ticks, to_x, "Mean (−2 strongly disagree … 2 strongly agree)")
    for row, (y, height, lines) in zip(rows, layout, strict=True):
        row_label(chart, y, height, lines)
        if row["mean"] is None:
            continue
        middle, se = y + height / 2, row["se"] or 0
        low, high = max(row["mean"] - se, -2), min(row["mean"] + se, 2)
        chart.line(to_x(low), middle, to_x(high), middle, INK)
        chart.circle(to_x(row["mean"]), middle, 4)
    caption(chart, tables, bottom + 50, "Means without I don't know; lines ±1 SE.")


def means(tables: dict, sort: str = "mean") -> Chart:
    rows = sorted_statements(tables["statements"], sort)
    chart = Chart(
        "means",
        "Mean agreement ± 1 SE",
        "Dot plot of each statement's mean (-2 strongly disagree to 2 strongly agree, without "
        "I don't know) with a line from mean − SE to mean + SE.",
        LABEL_WIDTH + PLOT_WIDTH + 20,
    )
    _mean_dots(chart, tables, rows, heading(chart) + 24)
    chart.columns = ["Statement", "m (without DK)", "Mean", "SE"]
    chart.rows = [[label(r), r["m"], num(r["mean"]), num(r["se"])] for r in rows]
    return chart


def extremes(tables: dict) -> Chart:
    ranked = [
        row for row in sorted_statements(tables["statements"], "mean") if row["mean"] is not None
    ]
    top, bottom = ranked[:5], ranked[-5:] if len(ranked) > 5 else []
    rows = top + [row for row in bottom if row not in top]
    chart = Chart(
        "extremes",
        "Top and bottom five statements by mean",
        "The five statements with the highest and the five with the lowest mean agreement, "
        "with ±1 SE.",
        LABEL_WIDTH + PLOT_WIDTH + 20,
    )
    _mean_dots(chart, tables, rows, heading(chart) + 24)
    chart.columns = ["Rank", "Statement", "Mean", "SE"]
    chart.rows = [
        ["top" if row in top else "bottom", label(row), num(row["mean"]), num(row["se"])]
        for row in rows
    ]
    return chart


def most(tables: dict, key: str) -> Chart:
    rows = sorted(tables["statements"], key=lambda r: (-(r[f"pct_{key}"] or 0), r["statement"]))[:5]
    chart = Chart(
        "dont_know" if key == "dont_know" else "neither",
        f"Most '{LABELS[key]}' answers",
        f"The five statements with the highest share of '{LABELS[key]}' answers (% of n).",
        LABEL_WIDTH + PLOT_WIDTH + 60,
    )
    top = heading(chart) + 24
    layout = row_layout([label(row) for row in rows], top)
    bottom = _bottom(layout, top)
    peak = max([row[f"pct_{key}"] or 0 for row in rows] + [1])
    ticks = [(p, f"{p * peak / 100:.0f}%") for p in range(0, 101, 25)]
    to_x = lambda p: LABEL_WIDTH + PLOT_WIDTH * p / 100  # noqa: E731
    grid(chart, top, bottom, ticks, to_x, f"Share of '{LABELS[key]}' answers (% of n)")
    for row, (y, height, lines) in zip(rows, layout, strict=True):
        share = row[f"pct_{key}"] or 0
        row_label(chart, y, height, lines)
        chart.rect(LABEL_WIDTH, y + 2, PLOT_WIDTH * share / peak, height - 4, COLOURS[key])
        chart.text(LABEL_WIDTH + PLOT_WIDTH * share / peak + 4, y + height / 2 + 4, f"{share:.1f}%")
    caption(chart, tables, bottom + 50)
    chart.columns = ["Statement", "n", f"% {LABELS[key]}"]
    chart.rows = [[label(r), r["n"], pct(r[f"pct_{key}"])] for r in rows]
    return chart


def distribution(tables: dict, number: int, bars: list[dict]) -> Chart:
    """One statement's answers, overall and by each shown group: 100% stacked bars."""
    row = next(r for r in tables["statements"] if r["statement"] == number)
    chart = Chart(
        f"statement-{number}",
        f"Statement {label(row)}",
        "100% stacked bars of the answers to this statement, including I don't know: all "
        "respondents, then each group large enough to show; n beside each bar.",
        LABEL_WIDTH + PLOT_WIDTH + 60,
    )
    top = legend(chart, heading(chart) + 10, PAPER_ORDER) + 14
    layout = row_layout([bar["label"] for bar in bars], top)
    bottom = _bottom(layout, top)
    to_x = lambda p: LABEL_WIDTH + PLOT_WIDTH * p / 100  # noqa: E731
    grid(chart, top, bottom, PCT_TICKS, to_x, "Share of answers (% of n)")
    for bar, (y, height, lines) in zip(bars, layout, strict=True):
        row_label(chart, y, height, lines)
        x = LABEL_WIDTH
        for key in PAPER_ORDER:
            width = PLOT_WIDTH * bar["counts"][key] / bar["n"] if bar["n"] else 0
            chart.rect(x, y + 2, width, height - 4, COLOURS[key])
            x += width
        chart.text(LABEL_WIDTH + PLOT_WIDTH + 6, y + height / 2 + 4, f"n={bar['n']}")
    caption(chart, tables, bottom + 50, "Groups under the minimum size are withheld.")
    chart.columns = ["Respondents", "n"] + [f"% {LABELS[k]}" for k in PAPER_ORDER]
    chart.rows = [
        [bar["label"], bar["n"]]
        + [pct(100 * bar["counts"][k] / bar["n"] if bar["n"] else None) for k in PAPER_ORDER]
        for bar in bars
    ]
    return chart
