"""Uploaded tables, CSV or XLSX, read as numbered rows of text cells; and the one error every
import raises. Both imports (expert lists, responses collected elsewhere) read through here."""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

ERROR_FORMAT = "Upload a .csv or .xlsx file."
ERROR_TOO_LARGE = "The file is larger than 10 MB."
ERROR_ENCODING_UTF16 = "The file is UTF-16 encoded. Save it as CSV UTF-8 and upload it again."
ERROR_ENCODING = (
    "The file is not valid UTF-8 (first bad byte on line {line}). "
    "Save it as CSV UTF-8 (with or without BOM) and upload it again."
)
ERROR_XLSX = "The file could not be read as an Excel workbook (.xlsx)."
ERROR_CSV = "The file could not be read as CSV: {error}"


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


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(ERROR_ENCODING_UTF16)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(ERROR_ENCODING.format(line=line)) from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    start = 1
    try:
        for record in reader:
            yield start, [cell_text(value) for value in record]
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportRefused(ERROR_CSV.format(error=error)) from None


# What openpyxl raises on a damaged workbook: a bad zip, missing parts, broken XML (a
# SyntaxError), a shared string that is not there, a cell of a type it does not know.
_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, SyntaxError)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _XLSX_ERRORS:
        raise ImportRefused(ERROR_XLSX) from None
    try:
        sheet = workbook.worksheets[0]
        for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(value) for value in record]
    except _XLSX_ERRORS:
        raise ImportRefused(ERROR_XLSX) from None
    finally:
        workbook.close()


def table_rows(*, data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row: XLSX by the file's extension, else CSV (UTF-8, with
    or without BOM). Raises ImportRefused when the file as a whole cannot be read."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportRefused(ERROR_TOO_LARGE)
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(data)
    if name.endswith((".csv", ".txt")):
        return _csv_rows(data)
    raise ImportRefused(ERROR_FORMAT)
