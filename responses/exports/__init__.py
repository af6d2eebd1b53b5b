"""Exports, data first and format last: row generators (results, raw responses), LaTeX tables,
the wide-format reader, and the writers that format rows with formulas neutralised."""

from ..analysis import RESULT_COLUMNS
from .responses import (
    parse_wide,
    read_table,
    responses_long_rows,
    responses_wide_rows,
    statement_rows,
    statements_latex,
)
from .writers import csv_bytes, neutralise, unneutralise, write_csv, xlsx_bytes

__all__ = [
    "RESULT_COLUMNS",
    "csv_bytes",
    "neutralise",
    "parse_wide",
    "read_table",
    "responses_long_rows",
    "responses_wide_rows",
    "statement_rows",
    "statements_latex",
    "unneutralise",
    "write_csv",
    "xlsx_bytes",
]
