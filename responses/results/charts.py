"""Charts of a results snapshot, drawn once as shapes and rendered as SVG or PNG.

Each builder turns snapshot tables into a `Chart`: a title, a description, a list of shapes
(rectangles, lines, circles, text) and the table that is its text alternative. `svg()`
writes the shapes as SVG (escaped; no scripts, no style attributes, so strict CSP holds);
`png()` paints the same shapes with Pillow, so both downloads show the same picture.
"""

import io
from dataclasses import dataclass, field

from django.utils.html import escape

from .analysis.groups import distribution_test

COLOURS = {
    "strongly_agree": "#2166ac",
    "somewhat_agree": "#67a9cf",
    "neither": "#d1d1d1",
    "somewhat_disagree": "#ef8a62",
    "strongly_disagree": "#b2182b",
    "dont_know": "#7f7f7f",
}
LABELS = {
    "strongly_agree": "Strongly agree",
    "somewhat_agree": "Somewhat agree",
    "neither": "Neither",
    "somewhat_disagree": "Somewhat disagree",
    "strongly_disagree": "Strongly disagree",
    "dont_know": "I don't know",
}
PAPER_ORDER = list(LABELS)
INK, GRID = "#222222", "#bbbbbb"
GROUP_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
SORTS = {"number": "Paper number", "strongly_agree": "% strongly agree", "mean": "Mean"}

LABEL_WIDTH, PLOT_WIDTH, ROW, TOP = 330, 420, 18, 60


@dataclass
class Chart:
    name: str
    title: str
    description: str
    width: int
    height: int
    shapes: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    def rect(self, x, y, w, h, fill):
        self.shapes.append(("rect", x, y, max(w, 0), h, fill))

    def line(self, x1, y1, x2, y2, stroke=GRID):
        self.shapes.append(("line", x1, y1, x2, y2, stroke))

    def circle(self, cx, cy, r, fill=INK):
        self.shapes.append(("circle", cx, cy, r, fill))

    def text(self, x, y, text, anchor="start", size=11, fill=INK):
        self.shapes.append(("text", x, y, str(text), anchor, size, fill))


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pct(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _num(value, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _label(row: dict) -> str:
    return _short(f"{row['statement']}. {row['title']}")


def sorted_statements(rows: list[dict], sort: str) -> list[dict]:
    if sort == "strongly_agree":
        return sorted(rows, key=lambda r: (-(r["pct_strongly_agree"] or 0), r["statement"]))
    if sort == "mean":
        return sorted(rows, key=lambda r: (r["mean"] is None, -(r["mean"] or 0), r["statement"]))
    return sorted(rows, key=lambda r: r["statement"])


def _legend(chart: Chart, y: int, keys: list[str]) -> None:
    x = 10
    for key in keys:
        chart.rect(x, y - 9, 10, 10, COLOURS[key])
        chart.text(x + 14, y, LABELS[key], size=10)
        x += 16 + 7 * len(LABELS[key])


def _axis(chart: Chart, y0: int, y1: int, ticks: list[tuple[float, str]], to_x) -> None:
    for value, label in ticks:
        x = to_x(value)
        chart.line(x, y0, x, y1)
        chart.text(x, y1 + 14, label, anchor="middle", size=10)


def stacked(tables: dict, sort: str = "number") -> Chart:
    rows = sorted_statements(tables["statements"], sort)
    chart = Chart(
        "stacked",
        "Answers per statement",
        "100% stacked bars: the share of each answer, including I don't know, per statement "
        f"(sorted by {SORTS.get(sort, SORTS['number']).lower()}); n beside each bar.",
        LABEL_WIDTH + PLOT_WIDTH + 60,
        TOP + ROW * len(rows) + 30,
    )
    _legend(chart, 40, PAPER_ORDER)
    for i, row in enumerate(rows):
        y = TOP + i * ROW
        chart.text(LABEL_WIDTH - 6, y + 12, _label(row), anchor="end")
        x = LABEL_WIDTH
        for key in PAPER_ORDER:
            width = PLOT_WIDTH * (row[f"pct_{key}"] or 0) / 100
            chart.rect(x, y + 2, width, ROW - 4, COLOURS[key])
            x += width
        chart.text(LABEL_WIDTH + PLOT_WIDTH + 6, y + 12, f"n={row['n']}")
    _axis(
        chart,
        TOP,
        TOP + ROW * len(rows),
        [(p, f"{p}%") for p in range(0, 101, 25)],
        lambda p: LABEL_WIDTH + PLOT_WIDTH * p / 100,
    )
    chart.columns = ["Statement", "n"] + [f"% {LABELS[k]}" for k in PAPER_ORDER] + ["Mean"]
    chart.rows = [
        [_label(row), row["n"]] + [_pct(row[f"pct_{k}"]) for k in PAPER_ORDER] + [_num(row["mean"])]
        for row in rows
    ]
    return chart


def diverging(tables: dict, sort: str = "number") -> Chart:
    rows = sorted_statements(tables["statements"], sort)
    chart = Chart(
        "diverging",
        "Agreement and disagreement, centred on neutral",
        "Diverging stacked bars of the answers other than I don't know: disagreement to the "
        "left, agreement to the right, 'neither' split across the centre line.",
        LABEL_WIDTH + PLOT_WIDTH + 20,
        TOP + ROW * len(rows) + 30,
    )
    _legend(chart, 40, PAPER_ORDER[:5])
    centre = LABEL_WIDTH + PLOT_WIDTH / 2
    scale = PLOT_WIDTH / 200
    table = []
    for i, row in enumerate(rows):
        y = TOP + i * ROW
        shares = _shares_without_dont_know(row)
        chart.text(LABEL_WIDTH - 6, y + 12, _label(row), anchor="end")
        x = centre - scale * (shares["strongly_disagree"] + shares["somewhat_disagree"])
        x -= scale * shares["neither"] / 2
        for key in reversed(PAPER_ORDER[:5]):
            width = scale * shares[key]
            chart.rect(x, y + 2, width, ROW - 4, COLOURS[key])
            x += width
        table.append([_label(row)] + [_pct(shares[k]) for k in PAPER_ORDER[:5]])
    _axis(
        chart,
        TOP,
        TOP + ROW * len(rows),
        [(p, f"{abs(p)}%") for p in range(-100, 101, 50)],
        lambda p: centre + scale * p,
    )
    chart.columns = ["Statement"] + [
        f"% {LABELS[k]} (of answers without DK)" for k in PAPER_ORDER[:5]
    ]
    chart.rows = table
    return chart


def _shares_without_dont_know(row: dict) -> dict:
    m = row["m"] or 0
    return {k: (100 * row[k] / m if m else 0.0) for k in PAPER_ORDER[:5]}


def _mean_axis(chart: Chart, top: int, bottom: int):
    def to_x(value):
        return LABEL_WIDTH + PLOT_WIDTH * (value + 2) / 4

    _axis(chart, top, bottom, [(v, str(v)) for v in range(-2, 3)], to_x)
    return to_x


def _mean_dots(chart: Chart, rows: list[dict], top: int) -> None:
    to_x = _mean_axis(chart, top, top + ROW * len(rows))
    for i, row in enumerate(rows):
        y = top + i * ROW + ROW / 2
        chart.text(LABEL_WIDTH - 6, y + 4, _label(row), anchor="end")
        if row["mean"] is None:
            continue
        se = row["se"] or 0
        chart.line(to_x(max(row["mean"] - se, -2)), y, to_x(min(row["mean"] + se, 2)), y, INK)
        chart.circle(to_x(row["mean"]), y, 4)


def means(tables: dict, sort: str = "mean") -> Chart:
    rows = sorted_statements(tables["statements"], sort)
    chart = Chart(
        "means",
        "Mean agreement ± 1 SE",
        "Dot plot of each statement's mean (-2 strongly disagree to 2 strongly agree, without "
        "I don't know) with a line from mean − SE to mean + SE.",
        LABEL_WIDTH + PLOT_WIDTH + 20,
        TOP + ROW * len(rows) + 30,
    )
    _mean_dots(chart, rows, TOP)
    chart.columns = ["Statement", "m (without DK)", "Mean", "SE"]
    chart.rows = [[_label(r), r["m"], _num(r["mean"]), _num(r["se"])] for r in rows]
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
        TOP + ROW * len(rows) + 30,
    )
    _mean_dots(chart, rows, TOP)
    chart.columns = ["Rank", "Statement", "Mean", "SE"]
    chart.rows = [
        ["top" if row in top else "bottom", _label(row), _num(row["mean"]), _num(row["se"])]
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
        TOP + ROW * len(rows) + 30,
    )
    peak = max([row[f"pct_{key}"] or 0 for row in rows] + [1])
    for i, row in enumerate(rows):
        y = TOP + i * ROW
        share = row[f"pct_{key}"] or 0
        chart.text(LABEL_WIDTH - 6, y + 12, _label(row), anchor="end")
        chart.rect(LABEL_WIDTH, y + 2, PLOT_WIDTH * share / peak, ROW - 4, COLOURS[key])
        chart.text(LABEL_WIDTH + PLOT_WIDTH * share / peak + 4, y + 12, f"{share:.1f}%")
    chart.columns = ["Statement", "n", f"% {LABELS[key]}"]
    chart.rows = [[_label(r), r["n"], _pct(r[f"pct_{key}"])] for r in rows]
    return chart


def group_means(view: dict) -> Chart:
    groups, rows = view["groups"], view["statements"]
    chart = Chart(
        f"groups-{view['name']}",
        f"Means by group: {view['label']}",
        "Mean agreement per group and statement; * marks a permutation test of the answers "
        "(DK apart) significant at 5% after Holm's correction. Small groups are withheld.",
        LABEL_WIDTH + PLOT_WIDTH + 30,
        TOP + ROW * len(rows) + 30,
    )
    x = 10
    for index, group in enumerate(groups):
        chart.circle(x + 5, 36, 4, GROUP_COLOURS[index % len(GROUP_COLOURS)])
        chart.text(x + 14, 40, f"{group['label']} (n={group['respondents']})", size=10)
        x += 40 + 7 * len(group["label"])
    to_x = _mean_axis(chart, TOP, TOP + ROW * len(rows))
    for i, row in enumerate(rows):
        y = TOP + i * ROW + ROW / 2
        star = " *" if distribution_test(row).get("significant") else ""
        chart.text(
            LABEL_WIDTH - 6,
            y + 4,
            _short(f"{row['statement']}. {row['title']}", 45) + star,
            anchor="end",
        )
        for index, group in enumerate(groups):
            mean = row["groups"][group["key"]]["mean"]
            if mean is not None:
                chart.circle(to_x(mean), y, 4, GROUP_COLOURS[index % len(GROUP_COLOURS)])
    chart.columns = ["Statement"] + [f"Mean {g['label']}" for g in groups]
    chart.columns += ["Distribution p (Holm)", "Cramér's V"]
    if view["pair"]:
        chart.columns += ["Mann–Whitney p (Holm)", "Rank-biserial r"]
    chart.rows = [_group_table_row(view, row) for row in rows]
    return chart


def _group_table_row(view: dict, row: dict) -> list:
    cells = [f"{row['statement']}. {row['title']}"]
    cells += [_num(row["groups"][g["key"]]["mean"]) for g in view["groups"]]
    test, star = distribution_test(row), " *" if distribution_test(row).get("significant") else ""
    cells += [_num(test["p_holm"], 3) + star, _num(row["chi_square"]["cramers_v"])]
    if view["pair"]:
        test = row["mann_whitney"]
        star = " *" if test.get("significant") else ""
        cells += [_num(test["p_holm"], 3) + star, _num(test["effect"])]
    return cells


def all_charts(tables: dict, sort: str = "number") -> list[Chart]:
    charts = [
        stacked(tables, sort),
        diverging(tables, sort),
        means(tables),
        extremes(tables),
        most(tables, "dont_know"),
        most(tables, "neither"),
    ]
    charts += [group_means(view) for view in tables["groups"] if len(view["groups"]) >= 2]
    return charts


def chart_by_name(tables: dict, name: str, sort: str = "number") -> Chart | None:
    for chart in all_charts(tables, sort):
        if chart.name == name:
            return chart
    return None


# ---------------------------------------------------------------- renderers


def svg(chart: Chart) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{chart.width}" height="{chart.height}" '
        f'viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{chart.name}-title {chart.name}-desc" font-family="sans-serif">',
        f'<title id="{chart.name}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.name}-desc">{escape(chart.description)}</desc>',
        f'<rect x="0" y="0" width="{chart.width}" height="{chart.height}" fill="#ffffff"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold" fill="{INK}">'
        f"{escape(chart.title)}</text>",
    ]
    for shape in chart.shapes:
        parts.append(_svg_shape(shape))
    parts.append("</svg>")
    return "\n".join(parts)


def _svg_shape(shape) -> str:
    kind, *a = shape
    if kind == "rect":
        x, y, w, h, fill = a
        return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>'
    if kind == "line":
        x1, y1, x2, y2, stroke = a
        return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>'
    if kind == "circle":
        cx, cy, r, fill = a
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{fill}"/>'
    x, y, text, anchor, size, fill = a
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def png(chart: Chart, scale: int = 2) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (chart.width * scale, chart.height * scale), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict = {}

    def font(size):
        if size not in fonts:
            fonts[size] = ImageFont.load_default(size=size * scale)
        return fonts[size]

    s = scale
    draw.text((10 * s, 20 * s), chart.title, fill=INK, font=font(14), anchor="ls")
    for kind, *a in chart.shapes:
        if kind == "rect":
            x, y, w, h, fill = a
            if w > 0:
                draw.rectangle([x * s, y * s, (x + w) * s - 1, (y + h) * s - 1], fill=fill)
        elif kind == "line":
            x1, y1, x2, y2, stroke = a
            draw.line([x1 * s, y1 * s, x2 * s, y2 * s], fill=stroke, width=s)
        elif kind == "circle":
            cx, cy, r, fill = a
            draw.ellipse([(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], fill=fill)
        else:
            x, y, text, anchor, size, fill = a
            pil_anchor = {"start": "ls", "middle": "ms", "end": "rs"}[anchor]
            draw.text((x * s, y * s), text, fill=fill, font=font(size), anchor=pil_anchor)
    stream = io.BytesIO()
    image.save(stream, format="PNG")
    return stream.getvalue()
