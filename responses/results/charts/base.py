"""The pieces every chart shares: a `Chart` of shapes, the palette, wrapping, the heading
(the title wrapped, never cut), the legend in the bars' order, gridlines drawn first so that
they sit behind the bars, the axis titles and the caption with N and the source."""

import textwrap
from dataclasses import dataclass, field

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

LABEL_WIDTH, PLOT_WIDTH, ROW, LINE = 330, 420, 18, 12
LABEL_CHARS, TITLE_SIZE = 50, 14


@dataclass
class Chart:
    name: str
    title: str
    description: str
    width: int
    height: int = 0
    shapes: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    def rect(self, x, y, w, h, fill):
        self.shapes.append(("rect", x, y, max(w, 0), h, fill))

    def line(self, x1, y1, x2, y2, stroke=GRID):
        self.shapes.append(("line", x1, y1, x2, y2, stroke))

    def circle(self, cx, cy, r, fill=INK):
        self.shapes.append(("circle", cx, cy, r, fill))

    def text(self, x, y, text, anchor="start", size=11, fill=INK, bold=False):
        self.shapes.append(("text", x, y, str(text), anchor, size, fill, bold))


def wrap(text: str, width: int = LABEL_CHARS) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def pct(value) -> str:
    return "" if value is None else f"{value:.1f}"


def num(value, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def label(row: dict) -> str:
    return f"{row['statement']}. {row['title']}"


def sorted_statements(rows: list[dict], sort: str) -> list[dict]:
    if sort == "strongly_agree":
        return sorted(rows, key=lambda r: (-(r["pct_strongly_agree"] or 0), r["statement"]))
    if sort == "mean":
        return sorted(rows, key=lambda r: (r["mean"] is None, -(r["mean"] or 0), r["statement"]))
    return sorted(rows, key=lambda r: r["statement"])


def heading(chart: Chart) -> int:
    """The title, wrapped to the chart's width; returns the y below it."""
    y = 20
    for line in wrap(chart.title, chart.width // 8):
        chart.text(10, y, line, size=TITLE_SIZE, bold=True)
        y += TITLE_SIZE + 4
    return y + 4


def legend(chart: Chart, y: int, keys: list[str]) -> int:
    """Swatches in `keys` order, which callers give as the bars' order, left to right;
    returns the y below the legend."""
    x = 10
    for key in keys:
        if x + 20 + 7 * len(LABELS[key]) > chart.width:
            x, y = 10, y + 16
        chart.rect(x, y - 9, 10, 10, COLOURS[key])
        chart.text(x + 14, y, LABELS[key], size=10)
        x += 20 + 7 * len(LABELS[key])
    return y + 16


def row_layout(labels: list[str], top: int) -> list[tuple[float, float, list[str]]]:
    """(y, height, wrapped label lines) of each row: a long statement title takes several
    lines rather than being cut off."""
    layout, y = [], top
    for text in labels:
        lines = wrap(text)
        height = ROW + LINE * (len(lines) - 1)
        layout.append((y, height, lines))
        y += height
    return layout


def row_label(chart: Chart, y: float, height: float, lines: list[str], suffix: str = "") -> None:
    first = y + height / 2 - LINE * (len(lines) - 1) / 2 + 4
    for i, line in enumerate(lines):
        text = line + (suffix if i == len(lines) - 1 else "")
        chart.text(LABEL_WIDTH - 6, first + i * LINE, text, anchor="end")


def grid(chart: Chart, top: float, bottom: float, ticks, to_x, title: str) -> None:
    """Gridlines and tick labels, drawn before the bars so that they sit behind them, and
    the axis titles: the scale's below, "Statement" above the labels."""
    chart.text(LABEL_WIDTH - 6, top - 6, "Statement", anchor="end", size=10, bold=True)
    for value, text in ticks:
        x = to_x(value)
        chart.line(x, top, x, bottom)
        chart.text(x, bottom + 14, text, anchor="middle", size=10)
    chart.text(LABEL_WIDTH + PLOT_WIDTH / 2, bottom + 30, title, anchor="middle", size=10)


def caption(chart: Chart, tables: dict, y: float, note: str = "") -> None:
    """N and the source under the chart; sets the chart's height."""
    source = f"N = {tables.get('respondents', 0)} respondents. "
    if note:
        source += note + " "
    source += f"Source: results snapshot {tables.get('fingerprint', '')[:12]}."
    for line in wrap(source, chart.width // 6):
        chart.text(10, y, line, size=10)
        y += 14
    chart.height = int(y + 6)
