"""Row generators of the per-statement results, from a snapshot's tables: plain rows (lists,
the header first) that a writer (writers.py) turns into CSV, XLSX or LaTeX. The raw
responses' rows are in respondents.py."""

# ---------------------------------------------------------------- per-statement results


def statement_rows(tables: dict):
    from ..analysis import RESULT_COLUMNS  # pandas and scipy: not at start-up

    yield list(RESULT_COLUMNS)
    for row in tables["statements"]:
        yield ["" if row[column] is None else row[column] for column in RESULT_COLUMNS]


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
