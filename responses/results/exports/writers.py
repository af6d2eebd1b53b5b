"""Writers: they format rows (the first row is the header) as CSV, XLSX or LaTeX.

No spreadsheet may run a name or an open answer as a formula. In XLSX every text cell is typed
as a string, which spreadsheets never evaluate, and holds the text itself. CSV has no types:
every text field is quoted (numbers stay numbers), and a text that a spreadsheet could take
for a formula gets an apostrophe, which spreadsheets hide: at its start, and after a `;`, a
tab or a line break inside it (past spaces and quotes). Quoting alone keeps such a text in one
cell for a reader that honours quotes anywhere in a line; one that honours a quote only at the
start of a field (Python's csv module does) cuts the line at that `;` where `;` separates
fields, as it does in Excel in many locales, and the piece after it must not be a formula
either. `unneutralise` removes exactly these apostrophes, so that the import reads back what
we exported. Control characters, which XLSX cannot hold and the import refuses, are dropped
from both. Every LaTeX cell is escaped."""

import csv
import io
import re
from datetime import datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ...uploads import CONTROL_CHARACTERS

# OWASP's list of formula starts, plus the separators some spreadsheets also evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
# Inside a text: after a break, past spaces and quotes, and past apostrophes, so that
# `unneutralise` knows which one is ours.
_INNER = re.compile(r"""([;\t\r\n][ "]*)('*[=+\-@|%])""")
_INNER_UNDO = re.compile(r"""([;\t\r\n][ "]*)'('*[=+\-@|%])""")


def neutralise(value):
    """A CSV text cell that a spreadsheet could read as a formula, anywhere it may start
    reading one, gets an apostrophe there. Numbers (the answer codes -2 and -88 among them)
    stay numbers."""
    if not isinstance(value, str):
        return value
    value = _INNER.sub(r"\1'\2", value)
    if value.lstrip("'").startswith(FORMULA_STARTS):
        value = "'" + value
    return value


def unneutralise(value: str) -> str:
    """The reverse, for CSV files we exported and now read back: exact for every text."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        value = value[1:]
    return _INNER_UNDO.sub(r"\1\2", value)


def _text(value):
    """A cell's value as both formats write it: text without control characters, times in
    the local time zone, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    return value


def write_csv(rows, stream) -> None:
    writer = csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC)
    for row in rows:
        writer.writerow([neutralise(_text(value)) for value in row])


def csv_bytes(rows, *, excel_bom: bool = False) -> bytes:
    """UTF-8; with `excel_bom`, a byte-order mark so that Excel reads accented names right."""
    stream = io.StringIO()
    write_csv(rows, stream)
    return (("\ufeff" if excel_bom else "") + stream.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value) -> WriteOnlyCell:
    value = _text(value)
    cell = WriteOnlyCell(sheet, value=None if value == "" else value)
    if isinstance(value, str) and value:
        cell.data_type = "s"  # a string cell, never parsed as a formula
    return cell


def xlsx_bytes(rows, title: str = "Sheet") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
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


LATEX_CAPTION = (
    "Answers per statement: the percentage of each answer over $n$ (every answer, "
    "I don't know included), and the mean and standard error over the answers on the scale "
    "from $-2$ (strongly disagree) to $2$ (strongly agree)."
)
_NUMBER_COLUMN = r">{\raggedleft\arraybackslash}p{1.45cm}"


def latex_bytes(rows, *, caption: str = LATEX_CAPTION, label: str = "tab:statements") -> bytes:
    """A longtable (booktabs, longtable and array) with a caption and a label: the header
    row is LaTeX already, full column names that wrap; every other cell is escaped text.
    The second column (a statement's title) wraps."""
    rows = iter(rows)
    head = next(rows)
    spec = "r" + "p{5cm}" + _NUMBER_COLUMN * (len(head) - 2)
    lines = [
        "% Needs \\usepackage{booktabs,longtable,array}",
        rf"\begin{{longtable}}{{{spec}}}",
        rf"\caption{{{caption}}}\label{{{label}}} \\",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
        r"\endfirsthead",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
        r"\endhead",
    ]
    for row in rows:
        lines.append(" & ".join(latex_escape(str(cell)) for cell in row) + r" \\")
    lines += [r"\bottomrule", r"\end{longtable}", ""]
    return "\n".join(lines).encode("utf-8")
