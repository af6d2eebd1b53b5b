"""Row generators of the per-statement results, from a snapshot's tables: plain rows (lists,
the header first) that a writer (writers.py) turns into CSV, XLSX or LaTeX. The raw
responses' rows are in respondents.py, the group tables' in group_rows.py."""

# ---------------------------------------------------------------- per-statement results


def _cell(row: dict, column: str):
    value = row.get(column)
    if isinstance(value, bool):  # the consensus verdict
        return int(value)
    return "" if value is None else value


def statement_rows(tables: dict):
    """One row per statement; `consensus` is the pre-registered rule's verdict (1 or 0),
    empty without a rule."""
    from ..analysis import INTERVAL_COLUMNS, RESULT_COLUMNS  # pandas and scipy: not at start-up

    columns = RESULT_COLUMNS + INTERVAL_COLUMNS + ["consensus"]
    yield list(columns)
    for row in tables["statements"]:
        yield [_cell(row, column) for column in columns]


LATEX_HEAD = (
    ["No.", "Statement", "$n$"]
    + [
        f"{name} (\\%)"
        for name in (
            "Strongly agree",
            "Somewhat agree",
            "Neither",
            "Somewhat disagree",
            "Strongly disagree",
            "I don't know",
        )
    ]
    + ["Mean", "SE"]
)
_LATEX_ORDER = ["strongly_agree", "somewhat_agree", "neither"]
_LATEX_ORDER += ["somewhat_disagree", "strongly_disagree", "dont_know"]


def _fixed(value, digits: int) -> str:
    return "--" if value is None else f"{value:.{digits}f}"


def statement_latex_rows(tables: dict):
    """A table like the paper's appendix: percentages of each option, n, mean and SE. The
    header is LaTeX already; the cells are plain text for the writer to escape."""
    yield list(LATEX_HEAD)
    for row in tables["statements"]:
        cells = [str(row["statement"]), row["title"], str(row["n"])]
        cells += [_fixed(row[f"pct_{name}"], 1) for name in _LATEX_ORDER]
        cells += [_fixed(row["mean"], 2), _fixed(row["se"], 2)]
        yield cells
