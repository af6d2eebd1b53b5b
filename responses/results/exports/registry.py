"""Every export of the results, registered by key: a row generator (rows.py) and a writer
(writers.py). The results page, its downloads and the commands choose an export by its key;
nothing matches file names."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from ..analysis import GROUPINGS
from . import group_rows, rows, writers

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LATEX = "application/x-tex; charset=utf-8"


@dataclass(frozen=True)
class Exporter:
    key: str
    label: str
    filename: str  # after "<survey slug>-"
    content_type: str
    # Rows from the survey's latest snapshot's tables, or else from the survey itself.
    from_snapshot: bool
    rows: Callable[..., Iterable[list]]
    write: Callable[[Iterable[list]], bytes]


EXPORTERS = {
    exporter.key: exporter
    for exporter in [
        Exporter(
            "statements-csv", "Per-statement results, CSV", "statements.csv", CSV, True,
            rows.statement_rows, writers.csv_bytes,
        ),
        Exporter(
            "statements-xlsx", "Per-statement results, XLSX", "statements.xlsx", XLSX, True,
            rows.statement_rows, partial(writers.xlsx_bytes, title="Statements"),
        ),
        Exporter(
            "latex", "Per-statement results, LaTeX table", "statements.tex", LATEX, True,
            rows.statement_latex_rows, writers.latex_bytes,
        ),
        Exporter(
            "csv", "Responses, wide, CSV", "responses-wide.csv", CSV, False,
            rows.responses_wide_rows, writers.csv_bytes,
        ),
        Exporter(
            "xlsx", "Responses, wide, XLSX", "responses-wide.xlsx", XLSX, False,
            rows.responses_wide_rows, partial(writers.xlsx_bytes, title="Responses"),
        ),
        Exporter(
            "long", "Responses, long, CSV", "responses-long.csv", CSV, False,
            rows.responses_long_rows, writers.csv_bytes,
        ),
        Exporter(
            "long-xlsx", "Responses, long, XLSX", "responses-long.xlsx", XLSX, False,
            rows.responses_long_rows, partial(writers.xlsx_bytes, title="Responses"),
        ),
    ]
    + [
        exporter
        for name, spec in GROUPINGS.items()
        for exporter in (
            Exporter(
                f"groups-{name}-csv", f"{spec['label']}, CSV", f"groups-{name}.csv", CSV, True,
                partial(group_rows.group_rows, name=name), writers.csv_bytes,
            ),
            Exporter(
                f"groups-{name}-xlsx", f"{spec['label']}, XLSX", f"groups-{name}.xlsx", XLSX,
                True, partial(group_rows.group_rows, name=name),
                partial(writers.xlsx_bytes, title=name),
            ),
            Exporter(
                f"groups-{name}-latex", f"{spec['label']}, LaTeX table", f"groups-{name}.tex",
                LATEX, True, partial(group_rows.group_latex_rows, name=name),
                writers.latex_bytes,
            ),
        )
    ]
}  # fmt: skip
RESPONSE_FORMATS = [key for key, exporter in EXPORTERS.items() if not exporter.from_snapshot]


def export_bytes(*, key: str, survey=None, tables: dict | None = None) -> bytes:
    """The export `key` of the survey (raw responses) or of a snapshot's tables."""
    exporter = EXPORTERS[key]
    source = tables if exporter.from_snapshot else survey
    return exporter.write(exporter.rows(source))


def export_filename(*, key: str, slug: str) -> str:
    return f"{slug}-{EXPORTERS[key].filename}"
