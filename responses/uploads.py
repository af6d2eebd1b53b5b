"""Uploaded tables, CSV or XLSX, read as numbered rows of text cells; and the one error every
import raises. Both imports (expert lists, responses collected elsewhere) read through here.

No upload may take more than a few seconds or much memory, so a file is bounded before and
while it is read: its size; for XLSX, the unpacked size of each part as the zip directory
declares it (zipfile never inflates past that) and the sheet's declared dimension; then, row
by row, the rows (blank ones count), columns, cells, the length of one cell and of all the
text (an XLSX shared string can be repeated in every cell), and a time budget, which also
runs inside openpyxl's own reading. A cell holding a control character is refused, not
stripped: no field we store wants one, PostgreSQL cannot store NUL, and a stripped email or
name would silently be another."""

import codecs
import csv
import io
import lzma
import re
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000  # below the header, blank rows included
MAX_COLUMNS = 200
MAX_CELLS = 200_000  # rows × columns as read: about 2.5 s of openpyxl on one core
MAX_FIELD_CHARS = 10_000  # the longest text we store, an open answer
MAX_TEXT_CHARS = 10_000_000
MAX_SECONDS = 5.0
# XLSX parts, unpacked. openpyxl streams the sheets and the shared strings, under the time
# budget; every other part it parses whole, with no budget, so those stay small.
MAX_STREAMED_PART_BYTES = 16 * 1024 * 1024
MAX_PART_BYTES = 1024 * 1024
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_PARTS = 1_000
_STREAMED_PART = re.compile(r"xl/worksheets/sheet\d+\.xml|xl/sharedStrings\.xml")

# C0 and C1 controls but tab and line breaks, and DEL: what XLSX cannot hold, what PostgreSQL
# cannot store (NUL), what no person types. The exports drop the same (exports/writers.py).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

ERROR_FORMAT = "Upload a .csv or .xlsx file."
ERROR_TOO_LARGE = "The file is larger than 10 MB."
ERROR_ENCODING_UTF16 = "The file is UTF-16 encoded. Save it as CSV UTF-8 and upload it again."
ERROR_ENCODING = (
    "The file is not valid UTF-8 (first bad byte on line {line}). "
    "Save it as CSV UTF-8 (with or without BOM) and upload it again."
)
ERROR_XLSX = "The file could not be read as an Excel workbook (.xlsx)."
ERROR_CSV = "The file could not be read as CSV (line {line}): {error}"
ERROR_TOO_MANY_ROWS = (
    f"The file has more than {MAX_ROWS:,} rows below its header (blank rows count too). "
    "Delete the empty rows at its end, or split it."
)
ERROR_TOO_MANY_COLUMNS = f"Line {{line}} has more than {MAX_COLUMNS} columns."
ERROR_TOO_MANY_CELLS = (
    f"The file has more than {MAX_CELLS:,} cells (rows × columns). Split it into smaller files."
)
ERROR_FIELD_TOO_LONG = f"Line {{line}}: a cell is longer than {MAX_FIELD_CHARS:,} characters."
ERROR_TOO_MUCH_TEXT = (
    f"The file holds more than {MAX_TEXT_CHARS:,} characters of text. Split it into smaller files."
)
ERROR_CONTROL = (
    "Line {line}, column {column}: the cell holds a control character (U+{code:04X}), which "
    "cannot be saved. Remove it and upload the file again."
)
ERROR_TOO_SLOW = (
    f"The file took more than {MAX_SECONDS:g} seconds to read. Save it as CSV, or split it, "
    "and upload it again."
)
ERROR_XLSX_PART = (
    "The workbook's part {part} unpacks to {size:,} bytes, more than the {limit:,} this import "
    "reads. Save the sheet alone in a new workbook, or as CSV."
)
ERROR_XLSX_UNPACKED = (
    f"The workbook unpacks to more than {MAX_UNPACKED_BYTES:,} bytes, or has more than "
    f"{MAX_PARTS:,} parts. Save the sheet alone in a new workbook, or as CSV."
)
ERROR_XLSX_DIMENSION = (
    f"The sheet declares its size as {{ref}}: more than an import reads ({MAX_ROWS:,} rows, "
    f"{MAX_COLUMNS} columns, {MAX_CELLS:,} cells). Delete the empty rows and columns around "
    "the data, or save it as CSV."
)


class ImportRefused(Exception):
    """Nothing was imported. The message says why; `problems` lists each problem found, as
    {"line": number, "message": text}, for the preview and the commands to show."""

    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message)
        self.problems = problems or []


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _bounded(records: Iterable, deadline: float) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each record, refused at the first that passes a limit."""
    cells = text = 0
    for index, (line, record) in enumerate(records):
        if index > MAX_ROWS:
            raise ImportRefused(ERROR_TOO_MANY_ROWS)
        if len(record) > MAX_COLUMNS:
            raise ImportRefused(ERROR_TOO_MANY_COLUMNS.format(line=line))
        cells += len(record)
        if cells > MAX_CELLS:
            raise ImportRefused(ERROR_TOO_MANY_CELLS)
        values = [cell_text(value) for value in record]
        for column, value in enumerate(values, start=1):
            _check_cell(line, column, value)
            text += len(value)
        if text > MAX_TEXT_CHARS:
            raise ImportRefused(ERROR_TOO_MUCH_TEXT)
        if time.monotonic() > deadline:
            raise ImportRefused(ERROR_TOO_SLOW)
        yield line, values


def _check_cell(line: int, column: int, value: str) -> None:
    if len(value) > MAX_FIELD_CHARS:
        raise ImportRefused(ERROR_FIELD_TOO_LONG.format(line=line))
    control = CONTROL_CHARACTERS.search(value)
    if control:
        code = ord(control.group())
        raise ImportRefused(ERROR_CONTROL.format(line=line, column=column, code=code))


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(ERROR_ENCODING_UTF16)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(ERROR_ENCODING.format(line=line)) from None


def _csv_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as error:
        # csv's own limit on one field (128 KiB) is far above ours: the same refusal.
        if "field limit" in str(error):
            raise ImportRefused(ERROR_FIELD_TOO_LONG.format(line=start)) from None
        raise ImportRefused(ERROR_CSV.format(line=reader.line_num, error=error)) from None


# What openpyxl raises on a damaged workbook: a bad zip or an unsupported one (encrypted,
# another compression), a corrupt compressed part (zlib, bz2's OSError, lzma), missing parts,
# broken XML (a SyntaxError) or forbidden XML (defusedxml, a ValueError), a shared string that
# is not there, a cell or a date it cannot convert, elements nested too deep (RecursionError).
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    LookupError,
    ValueError,
    TypeError,
    AttributeError,
    ArithmeticError,
    EOFError,
    OSError,
    RuntimeError,
    SyntaxError,
)


class _OutOfTime(Exception):
    pass


class _TimedFile(io.BytesIO):
    """The workbook as openpyxl reads it, a chunk at a time: past the deadline, a read fails,
    which stops openpyxl even in the middle of a sheet or of the shared strings."""

    def __init__(self, data: bytes, deadline: float):
        super().__init__(data)
        self.deadline = deadline

    def read(self, size=-1):
        if time.monotonic() > self.deadline:
            raise _OutOfTime
        return super().read(size)


def _check_parts(data: bytes) -> None:
    """The zip directory's declared sizes, before openpyxl inflates anything."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except _XLSX_ERRORS:
        raise ImportRefused(ERROR_XLSX) from None
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise ImportRefused(ERROR_XLSX_UNPACKED)
    for part in parts:
        streamed = _STREAMED_PART.fullmatch(part.filename)
        limit = MAX_STREAMED_PART_BYTES if streamed else MAX_PART_BYTES
        if part.file_size > limit:
            size = part.file_size
            raise ImportRefused(ERROR_XLSX_PART.format(part=part.filename, size=size, limit=limit))


def _check_dimension(sheet) -> None:
    """The size the sheet declares, before reading its rows; then forget it, so that openpyxl
    neither pads every row to it nor stops at a row count that understates the data."""
    if sheet.max_row is not None and sheet.max_column is not None:
        rows = sheet.max_row - sheet.min_row
        columns = sheet.max_column - sheet.min_column + 1
        if rows > MAX_ROWS or columns > MAX_COLUMNS or (rows + 1) * columns > MAX_CELLS:
            raise ImportRefused(ERROR_XLSX_DIMENSION.format(ref=sheet.calculate_dimension()))
    sheet.reset_dimensions()


def _xlsx_records(data: bytes, deadline: float) -> Iterator[tuple[int, tuple]]:
    from openpyxl import load_workbook

    _check_parts(data)
    workbook = None
    try:
        workbook = load_workbook(
            _TimedFile(data, deadline), read_only=True, data_only=True, keep_links=False
        )
        sheet = workbook.worksheets[0]
        _check_dimension(sheet)
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    except _OutOfTime:
        raise ImportRefused(ERROR_TOO_SLOW) from None
    except _XLSX_ERRORS:
        raise ImportRefused(ERROR_XLSX) from None
    finally:
        if workbook is not None:
            workbook.close()


def table_rows(
    *, data: bytes, filename: str, seconds: float = MAX_SECONDS
) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row: XLSX by the file's extension, else CSV (UTF-8, with
    or without BOM). Raises ImportRefused when the file as a whole cannot be read, or passes
    a limit (see above), at most `seconds` after the call."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportRefused(ERROR_TOO_LARGE)
    deadline = time.monotonic() + seconds
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _bounded(_xlsx_records(data, deadline), deadline)
    if name.endswith((".csv", ".txt")):
        return _bounded(_csv_records(data), deadline)
    raise ImportRefused(ERROR_FORMAT)
