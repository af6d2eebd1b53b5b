"""Writers: they format rows (the first row is the header) as CSV, XLSX or LaTeX. Every text
cell of a spreadsheet is neutralised, so that it never runs a name or an open answer as a
formula; every LaTeX cell is escaped."""

import csv
import io
import re
from datetime import datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# OWASP's list of formula starts, plus the separators some spreadsheets also evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def neutralise(value):
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe.
    Numbers (the answer codes -2 and -88 among them) stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """The reverse, for files we exported and now read back."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return neutralise(value)


def write_csv(rows, stream) -> None:
    writer = csv.writer(stream)
    for row in rows:
        writer.writerow([_cell(value) for value in row])


def csv_bytes(rows, *, excel_bom: bool = False) -> bytes:
    """UTF-8; with `excel_bom`, a byte-order mark so that Excel reads accented names right."""
    stream = io.StringIO()
    write_csv(rows, stream)
    return (("\ufeff" if excel_bom else "") + stream.getvalue()).encode("utf-8")


def xlsx_bytes(rows, title: str = "Sheet") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for row in rows:
        cells = []
        for value in row:
            value = _cell(value)
            cell = WriteOnlyCell(sheet, value=None if value == "" else value)
            if isinstance(value, str) and value:
                cell.data_type = "s"  # a string cell, never parsed as a formula
            cells.append(cell)
        sheet.append(cells)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    return re.sub(r"[\\&%$#_{}~^]", lambda match: _LATEX_SPECIAL[match.group()], text)


def latex_bytes(rows) -> bytes:
    """A longtable: the header row is LaTeX already; every other cell is escaped text. The
    second column (a statement's title) wraps."""
    rows = iter(rows)
    head = next(rows)
    spec = "r" + "p{5cm}" + "r" * (len(head) - 2)
    lines = [
        rf"\begin{{longtable}}{{{spec}}}",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
        r"\endhead",
    ]
    for row in rows:
        lines.append(" & ".join(latex_escape(str(cell)) for cell in row) + r" \\")
    lines += [r"\bottomrule", r"\end{longtable}", ""]
    return "\n".join(lines).encode("utf-8")
