"""The charts read right: gridlines behind the bars, titles and labels wrapped rather than
cut, axis titles, N and the source in a caption, the legend in the bars' order."""

import pytest

from responses.results import charts
from responses.results.charts.base import COLOURS, GRID, LABELS

LONG = "A statement title long enough that the old chart had to cut it off with an ellipsis"


def _tables():
    row = {"statement": 1, "title": LONG, "n": 10, "m": 8, "mean": 0.5, "se": 0.2}
    for key, count in zip(charts.PAPER_ORDER, [3, 2, 1, 1, 1, 2], strict=True):
        row[key] = count
        row[f"pct_{key}"] = 10.0 * count
    return {"statements": [row], "groups": [], "respondents": 12, "fingerprint": "f" * 64}


def _texts(chart):
    return [shape[3] for shape in chart.shapes if shape[0] == "text"]


def _is_mark(shape) -> bool:
    """A bar (taller than a legend swatch) or a dot."""
    return shape[0] == "circle" or (shape[0] == "rect" and shape[4] > 10)


@pytest.mark.parametrize("build", [charts.stacked, charts.diverging, charts.means])
def test_chart_gridlines_are_drawn_before_the_bars(build):
    shapes = build(_tables()).shapes
    lines = [i for i, shape in enumerate(shapes) if shape[0] == "line" and shape[5] == GRID]
    marks = [i for i, shape in enumerate(shapes) if _is_mark(shape)]
    assert lines and marks and max(lines) < min(marks)


@pytest.mark.parametrize("build", [charts.stacked, charts.diverging])
def test_chart_legend_follows_the_bars_order(build):
    chart = build(_tables())
    rects = [shape for shape in chart.shapes if shape[0] == "rect"]
    legend = [shape[5] for shape in rects if shape[3] == 10 and shape[4] == 10]
    bars = [shape[5] for shape in rects if shape[4] > 10 and shape[3] > 0]
    assert legend == bars


def test_chart_long_labels_wrap_without_losing_words():
    texts = " ".join(_texts(charts.stacked(_tables())))
    assert "…" not in texts
    for word in LONG.split():
        assert word in texts


def test_chart_long_title_wraps_to_the_width():
    view = {
        "name": "x",
        "label": "a grouping whose label is long " * 4,
        "groups": [],
        "pair": None,
        "statements": [],
    }
    chart = charts.group_means(view, _tables())
    bold = [shape for shape in chart.shapes if shape[0] == "text" and shape[7]]
    assert len([s for s in bold if s[5] == 14]) > 1
    assert all(len(s[3]) * 8 <= chart.width for s in bold)


def test_chart_has_axis_titles_and_a_caption_with_n_and_source():
    texts = _texts(charts.stacked(_tables()))
    assert "Share of answers (% of n)" in texts and "Statement" in texts
    assert any(
        "N = 12 respondents." in t and "Source: results snapshot ffffffffffff" in t for t in texts
    )


def test_chart_svg_marks_the_title_bold_and_escapes_text():
    tables = _tables()
    tables["statements"][0]["title"] = "<b>&"
    svg = charts.svg(charts.stacked(tables))
    assert 'font-weight="bold"' in svg and "&lt;b&gt;&amp;" in svg
    assert COLOURS["strongly_agree"] in svg and LABELS["dont_know"].replace("'", "&#x27;") in svg
