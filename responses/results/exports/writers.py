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


_BREAKS = re.compile(r"[;\t\r\n]")
_QUIET_START = tuple(FORMULA_STARTS) + ("'",)


def csv_cell(value):
    """`neutralise(_text(value))`, quicker for what most cells are: a number, or a text with
    nothing to neutralise or drop (an export writes millions of cells)."""
    if type(value) is int:
        return value
    if type(value) is str and (
        value == ""
        or not (
            value.startswith(_QUIET_START)
            or _BREAKS.search(value)
            or CONTROL_CHARACTERS.search(value)
        )
    ):
        return value
    return neutralise(_text(value))


class _Line:
    """A file-like that hands back what the csv writer wrote, line by line."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(rows, *, excel_bom: bool = False, lines: int = 500):
    """CSV as UTF-8 chunks of `lines` rows: a web download streams them, a command writes
    them, and neither holds the whole file."""
    writer = csv.writer(_Line(), quoting=csv.QUOTE_NONNUMERIC)
    chunk = ["\ufeff"] if excel_bom else []
    for row in rows:
        # Most cells are answer codes: kept as they are without a call.
        cells = [value if type(value) is int else csv_cell(value) for value in row]
        chunk.append(writer.writerow(cells))
        if len(chunk) >= lines:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def write_csv(rows, stream) -> None:
    """CSV to an open text stream (opened with newline="")."""
    for chunk in csv_chunks(rows):
        stream.write(chunk.decode("utf-8"))


def csv_bytes(rows, *, excel_bom: bool = False) -> bytes:
    """UTF-8; with `excel_bom`, a byte-order mark so that Excel reads accented names right."""
    return b"".join(csv_chunks(rows, excel_bom=excel_bom))


def _xlsx_cell(sheet, value, number_format: str | None = None):
    from openpyxl.cell import WriteOnlyCell

    value = _text(value)
    cell = WriteOnlyCell(sheet, value=None if value == "" else value)
    if isinstance(value, str) and value:
        cell.data_type = "s"  # a string cell, never parsed as a formula
    elif number_format and value != "":
        cell.number_format = number_format
    return cell


def _header_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, value=_text(value))
    cell.data_type = "s"
    cell.font = Font(bold=True)
    return cell


def _number_format(value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return "0" if isinstance(value, int) else "0.00"


def _sheet(workbook, title: str, rows, widths: dict[int, float] | None = None) -> None:
    """A sheet with a bold, frozen header row and column widths fitted to the header (or
    `widths` by column index): written as the rows come, never held."""
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    rows = iter(rows)
    head = next(rows, [])
    for index, name in enumerate(head, start=1):
        width = (widths or {}).get(index, min(max(len(str(name)) + 2, 8), 60))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_header_cell(sheet, value) for value in head])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, _number_format(value)) for value in row])


def xlsx_bytes(rows, title: str = "Sheet", variables=None) -> bytes:
    """An XLSX workbook of the rows; with `variables` (exports/variables.py), a second
    sheet "Variables" describing every column: label, codes and the wording shown."""
    from openpyxl import Workbook  # loaded by the export, not at start-up

    workbook = Workbook(write_only=True)
    _sheet(workbook, title, rows)
    if variables is not None:
        _sheet(workbook, "Variables", variable_rows(variables), {2: 50, 4: 50, 5: 80})
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def variable_rows(variables):
    yield ["variable", "label", "kind", "codes", "question"]
    for variable in variables:
        codes = "; ".join(f"{value} = {label}" for value, label in variable.codes)
        question = " | ".join(f"[{code}] {text}" for code, text in variable.question.items())
        yield [variable.name, variable.label, variable.kind, codes, question]


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
