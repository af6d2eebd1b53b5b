"""Every export of the results, registered by key. An exporter turns its source (the survey's
latest snapshot's tables, or the survey itself) into the file's bytes, as chunks: the CSV
files stream row by row, the others are built whole. The results page, its downloads and
the commands choose an export by its key; nothing matches file names."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from ..groupings import GROUPINGS
from . import codebook, group_rows, labelled, respondents, rows, study_rows, writers

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LATEX = "application/x-tex; charset=utf-8"
SAV = "application/x-spss-sav"
DTA = "application/x-stata-dta"
XML = "application/xml; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Exporter:
    key: str
    label: str
    filename: str  # after "<survey slug>-"
    content_type: str
    # From the survey's latest snapshot's tables, or else from the survey's responses.
    from_snapshot: bool
    chunks: Callable[..., Iterable[bytes]]
    # Written as it is read (rows streamed from the database): no size limit.
    streams: bool = False


def _tables(row_source, write):
    return lambda tables, **options: [write(row_source(tables))]


def _csv(row_source):
    def chunks(survey, *, include_test: bool = False):
        return writers.csv_chunks(row_source(survey, include_test=include_test))

    return chunks


def _xlsx(row_source):
    def chunks(survey, *, include_test: bool = False):
        from .variables import wide_variables

        data = row_source(survey, include_test=include_test)
        return [writers.xlsx_bytes(data, "Responses", variables=wide_variables(survey))]

    return chunks


def _whole(build):
    return lambda survey, *, include_test=False: [build(survey, include_test=include_test)]


def _across_rounds(survey, *, include_test: bool = False) -> bytes:
    from ..rounds_report import across_rows, rounds_report  # pandas loads with the export

    return writers.csv_bytes(across_rows(rounds_report(survey=survey)))


EXPORTERS = {
    exporter.key: exporter
    for exporter in [
        Exporter(
            "statements-csv", "Per-statement results, CSV", "statements.csv", CSV, True,
            _tables(rows.statement_rows, writers.csv_bytes),
        ),
        Exporter(
            "statements-xlsx", "Per-statement results, XLSX", "statements.xlsx", XLSX, True,
            _tables(rows.statement_rows, lambda data: writers.xlsx_bytes(data, "Statements")),
        ),
        Exporter(
            "latex", "Per-statement results, LaTeX table", "statements.tex", LATEX, True,
            _tables(rows.statement_latex_rows, writers.latex_bytes),
        ),
        Exporter(
            "csv", "Responses, wide, CSV", "responses-wide.csv", CSV, False,
            _csv(respondents.responses_wide_rows), streams=True,
        ),
        Exporter(
            "xlsx", "Responses, wide, XLSX", "responses-wide.xlsx", XLSX, False,
            _xlsx(respondents.responses_wide_rows),
        ),
        Exporter(
            "long", "Responses, long, CSV", "responses-long.csv", CSV, False,
            _csv(respondents.responses_long_rows), streams=True,
        ),
        Exporter(
            "long-xlsx", "Responses, long, XLSX", "responses-long.xlsx", XLSX, False,
            _xlsx(respondents.responses_long_rows),
        ),
        Exporter(
            "comments", "Comments per statement, CSV", "comments.csv", CSV, False,
            _csv(respondents.comments_rows), streams=True,
        ),
        Exporter(
            "sav", "Responses, wide, SPSS (labelled)", "responses.sav", SAV, False,
            partial(labelled.labelled_chunks, fmt=labelled.SAV),
        ),
        Exporter(
            "dta", "Responses, wide, Stata (labelled)", "responses.dta", DTA, False,
            partial(labelled.labelled_chunks, fmt=labelled.DTA),
        ),
        # A Delphi study across its rounds (outside a study, the one round).
        Exporter(
            "wide_rounds", "Responses across rounds, wide (S{n}_r{k}), CSV",
            "responses-wide-rounds.csv", CSV, False, _csv(study_rows.responses_wide_rounds_rows),
        ),
        Exporter(
            "wide_rounds-sav", "Responses across rounds, wide, SPSS (labelled)",
            "responses-wide-rounds.sav", SAV, False,
            partial(labelled.labelled_chunks, fmt=labelled.SAV, study=True),
        ),
        Exporter(
            "wide_rounds-dta", "Responses across rounds, wide, Stata (labelled)",
            "responses-wide-rounds.dta", DTA, False,
            partial(labelled.labelled_chunks, fmt=labelled.DTA, study=True),
        ),
        Exporter(
            "feedback", "Feedback each expert saw, and the answer after it, CSV",
            "feedback.csv", CSV, False, _csv(study_rows.feedback_rows),
        ),
        Exporter(
            "codebook", "Codebook, DDI-Codebook 2.5 XML", "codebook.xml", XML, False,
            _whole(codebook.ddi_bytes),
        ),
        Exporter(
            "codebook-html", "Codebook, HTML", "codebook.html", HTML, False,
            _whole(codebook.html_bytes),
        ),
        Exporter(
            "rounds-csv", "Across Delphi rounds, CSV", "rounds.csv", CSV, False,
            _whole(_across_rounds),
        ),
    ]
    + [
        exporter
        for name, spec in GROUPINGS.items()
        for exporter in (
            Exporter(
                f"groups-{name}-csv", f"{spec['label']}, CSV", f"groups-{name}.csv", CSV, True,
                _tables(partial(group_rows.group_rows, name=name), writers.csv_bytes),
            ),
            Exporter(
                f"groups-{name}-xlsx", f"{spec['label']}, XLSX", f"groups-{name}.xlsx", XLSX,
                True,
                _tables(
                    partial(group_rows.group_rows, name=name),
                    partial(writers.xlsx_bytes, title=name),
                ),
            ),
            Exporter(
                f"groups-{name}-latex", f"{spec['label']}, LaTeX table", f"groups-{name}.tex",
                LATEX, True,
                _tables(partial(group_rows.group_latex_rows, name=name), writers.latex_bytes),
            ),
        )
    ]
}  # fmt: skip
CODEBOOK_FORMATS = {"ddi": "codebook", "html": "codebook-html"}
RESPONSE_FORMATS = [
    key
    for key, exporter in EXPORTERS.items()
    if not exporter.from_snapshot and key not in CODEBOOK_FORMATS.values()
]


XLSX_MAX_ROWS = 1_048_576  # a worksheet's rows, the header's among them
ERROR_XLSX_ROWS = (
    "The long file has {rows:,} rows, more than an XLSX sheet holds ({limit:,}): download the "
    "long CSV instead."
)


def export_refusal(*, key: str, survey=None, include_test: bool = False) -> str | None:
    """Why the export `key` of the survey cannot be made (None when it can): the long XLSX
    of a large panel has more rows than a worksheet holds."""
    if key != "long-xlsx":
        return None
    rows = respondents.long_row_count(survey, include_test=include_test)
    if rows + 1 > XLSX_MAX_ROWS:
        return ERROR_XLSX_ROWS.format(rows=rows, limit=XLSX_MAX_ROWS - 1)
    return None


def export_chunks(*, key: str, survey=None, tables: dict | None = None, include_test=False):
    """The export `key` of the survey (its responses) or of a snapshot's tables, as chunks
    of bytes."""
    exporter = EXPORTERS[key]
    if exporter.from_snapshot:
        return exporter.chunks(tables)
    return exporter.chunks(survey, include_test=include_test)


def export_bytes(*, key: str, survey=None, tables: dict | None = None, include_test=False):
    return b"".join(export_chunks(key=key, survey=survey, tables=tables, include_test=include_test))


def export_filename(*, key: str, slug: str) -> str:
    return f"{slug}-{EXPORTERS[key].filename}"
