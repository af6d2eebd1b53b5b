"""The chart of a group view: each group's mean per statement, the significant tests
marked."""

from .base import (
    GROUP_COLOURS,
    LABEL_WIDTH,
    PLOT_WIDTH,
    Chart,
    caption,
    grid,
    heading,
    label,
    num,
    row_label,
    row_layout,
)


def distribution_test(row: dict) -> dict:
    """The permutation test where the snapshot has one (analysis-2), else the chi-square."""
    permutation = row.get("permutation") or {}
    return permutation if permutation.get("p") is not None else row["chi_square"]


def _group_legend(chart: Chart, groups: list[dict], y: int) -> int:
    x = 10
    for index, group in enumerate(groups):
        text = f"{group['label']} (n={group['respondents']})"
        if x + 24 + 7 * len(text) > chart.width:
            x, y = 10, y + 16
        chart.circle(x + 5, y - 4, 4, GROUP_COLOURS[index % len(GROUP_COLOURS)])
        chart.text(x + 14, y, text, size=10)
        x += 24 + 7 * len(text)
    return y + 16


def group_means(view: dict, tables: dict | None = None) -> Chart:
    groups, rows = view["groups"], view["statements"]
    chart = Chart(
        f"groups-{view['name']}",
        f"Means by group: {view['label']}",
        "Mean agreement per group and statement; * marks a permutation test of the answers "
        "(DK apart) significant at 5% after Holm's correction. Small groups are withheld.",
        LABEL_WIDTH + PLOT_WIDTH + 30,
    )
    top = _group_legend(chart, groups, heading(chart) + 10) + 14

    def to_x(value):
        return LABEL_WIDTH + PLOT_WIDTH * (value + 2) / 4

    layout = row_layout([label(row) for row in rows], top)
    bottom = layout[-1][0] + layout[-1][1] if layout else top
    ticks = [(v, str(v)) for v in range(-2, 3)]
    grid(chart, top, bottom, ticks, to_x, "Mean (−2 strongly disagree … 2 strongly agree)")
    for row, (y, height, lines) in zip(rows, layout, strict=True):
        star = " *" if distribution_test(row).get("significant") else ""
        row_label(chart, y, height, lines, star)
        for index, group in enumerate(groups):
            mean = row["groups"][group["key"]]["mean"]
            if mean is not None:
                colour = GROUP_COLOURS[index % len(GROUP_COLOURS)]
                chart.circle(to_x(mean), y + height / 2, 4, colour)
    caption(chart, tables or {}, bottom + 50, "Means without I don't know.")
    chart.columns = ["Statement"] + [f"Mean {g['label']}" for g in groups]
    chart.columns += ["Distribution p (Holm)", "Cramér's V"]
    if view["pair"]:
        chart.columns += ["Mann–Whitney p (Holm)", "Rank-biserial r"]
    chart.rows = [_group_table_row(view, row) for row in rows]
    return chart


def _group_table_row(view: dict, row: dict) -> list:
    cells = [label(row)]
    cells += [num(row["groups"][g["key"]]["mean"]) for g in view["groups"]]
    test = distribution_test(row)
    star = " *" if test.get("significant") else ""
    cells += [num(test["p_holm"], 3) + star, num(row["chi_square"]["cramers_v"])]
    if view["pair"]:
        test = row["mann_whitney"]
        star = " *" if test.get("significant") else ""
        cells += [num(test["p_holm"], 3) + star, num(test["effect"])]
    return cells
