"""Expert lists: parse and validate an uploaded CSV or XLSX, then import it all or nothing.

Parsing never writes. The parsed rows wait in a Job row between the preview and the
confirmation, so the confirmation never trusts rows posted back by the browser.
"""

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from ..models import SECTOR_GROUPS, Expert, Invitation, Job, Survey
from . import links
from .audit import audit_log
from .surveys import ERROR_EMAIL, ERROR_SECTOR, SECTOR_CODES

REQUIRED_COLUMNS = ["name", "email", "sector", "affiliation"]
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
JOB_KIND = "experts_import"

ERROR_FORMAT = "Upload a .csv or .xlsx file."
ERROR_TOO_LARGE = "The file is larger than 10 MB."
ERROR_TOO_MANY = f"The file has more than {MAX_ROWS:,} rows."
ERROR_EMPTY = "The file is empty: the first line must name the columns."
ERROR_ENCODING_UTF16 = "The file is UTF-16 encoded. Save it as CSV UTF-8 and upload it again."
ERROR_ENCODING = (
    "The file is not valid UTF-8 (first bad byte on line {line}). "
    "Save it as CSV UTF-8 (with or without BOM) and upload it again."
)
ERROR_XLSX = "The file could not be read as an Excel workbook (.xlsx)."
ERROR_MISSING_COLUMNS = "Missing column(s): {columns}. The first line must name the columns."
ERROR_DUPLICATE_COLUMN = "The column '{column}' appears more than once."
ERROR_NAME = "The name is empty."
ERROR_DUPLICATE_FILE = "{email} appears already on line {line}."
ERROR_DUPLICATE_SURVEY = "{email} is already invited to this survey."
ERROR_NO_ROWS = "The file has column names but no experts."
ERROR_HAS_PROBLEMS = "The file has problems; nothing was imported."
ERROR_ALREADY_USED = "This upload was already imported or has expired. Upload the file again."

_SECTOR_LOOKUP = {code: code for code in SECTOR_CODES} | {
    label.lower(): code for code, label in SECTOR_GROUPS
}


class ImportRefused(Exception):
    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class ParsedList:
    rows: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)

    def problem(self, line: int, message: str) -> None:
        self.problems.append({"line": line, "message": message})


def _cell(value) -> str:
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


def _csv_records(data: bytes):
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for record in reader:
        yield start, [_cell(value) for value in record]
        start = reader.line_num + 1


def _xlsx_records(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportRefused(ERROR_XLSX) from None
    try:
        sheet = workbook.worksheets[0]
        for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(value) for value in record]
    finally:
        workbook.close()


def _records(*, data: bytes, filename: str):
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportRefused(ERROR_TOO_LARGE)
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_records(data)
    if name.endswith((".csv", ".txt")):
        return _csv_records(data)
    raise ImportRefused(ERROR_FORMAT)


def _header(parsed: ParsedList, header: list[str]) -> list[str]:
    columns = [value.strip().lower() for value in header]
    seen = set()
    for column in columns:
        if column and column in seen:
            parsed.problem(1, ERROR_DUPLICATE_COLUMN.format(column=column))
        seen.add(column)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        parsed.problem(1, ERROR_MISSING_COLUMNS.format(columns=", ".join(missing)))
    parsed.extra_columns = [c for c in dict.fromkeys(columns) if c and c not in REQUIRED_COLUMNS]
    return columns


def _row(parsed: ParsedList, line: int, columns: list[str], values: list[str]) -> dict:
    record = dict(zip(columns, values + [""] * (len(columns) - len(values)), strict=False))
    row = {"line": line, **{column: record.get(column, "") for column in REQUIRED_COLUMNS}}
    row["attributes"] = {c: record[c] for c in parsed.extra_columns if record.get(c)}
    if not row["name"]:
        parsed.problem(line, ERROR_NAME)
    try:
        validate_email(row["email"])
    except ValidationError:
        parsed.problem(line, ERROR_EMAIL.format(email=row["email"]))
    sector = row["sector"]
    if sector:
        row["sector"] = _SECTOR_LOOKUP.get(sector.lower(), "")
        if not row["sector"]:
            choices = ", ".join(SECTOR_CODES)
            parsed.problem(line, ERROR_SECTOR.format(sector=sector, choices=choices))
    return row


def _check_duplicates(parsed: ParsedList, survey: Survey) -> None:
    invited = set(
        Invitation.objects.filter(survey=survey)
        .annotate(email_lower=Lower("expert__email"))
        .values_list("email_lower", flat=True)
    )
    first_line: dict[str, int] = {}
    for row in parsed.rows:
        email = row["email"].lower()
        if not email:
            continue
        if email in first_line:
            message = ERROR_DUPLICATE_FILE.format(email=row["email"], line=first_line[email])
            parsed.problem(row["line"], message)
        else:
            first_line[email] = row["line"]
        if email in invited:
            parsed.problem(row["line"], ERROR_DUPLICATE_SURVEY.format(email=row["email"]))


def experts_parse(*, survey: Survey, data: bytes, filename: str) -> ParsedList:
    """Every row checked; problems carry their line number. Raises ImportRefused when the
    file as a whole cannot be read."""
    parsed = ParsedList()
    records = iter(_records(data=data, filename=filename))
    first = next(records, None)
    if first is None or not any(first[1]):
        raise ImportRefused(ERROR_EMPTY)
    columns = _header(parsed, first[1])
    for line, values in records:
        if not any(values):
            continue
        if len(parsed.rows) >= MAX_ROWS:
            raise ImportRefused(ERROR_TOO_MANY)
        parsed.rows.append(_row(parsed, line, columns, values))
    if not parsed.rows:
        parsed.problem(1, ERROR_NO_ROWS)
    if not any(problem["line"] == 1 for problem in parsed.problems):
        _check_duplicates(parsed, survey)
    parsed.problems.sort(key=lambda problem: problem["line"])
    return parsed


@transaction.atomic
def experts_import(*, survey: Survey, rows: list[dict], actor=None) -> int:
    """All or nothing: each row becomes an invitation, reusing an expert already known by
    email (from another survey) as they are. Returns the number of invitations created."""
    check = ParsedList(rows=rows)
    _check_duplicates(check, survey)
    if check.problems:
        raise ImportRefused(ERROR_HAS_PROBLEMS, check.problems)
    emails = [row["email"].lower() for row in rows]
    known = {
        expert.email.lower(): expert
        for expert in Expert.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=emails
        )
    }
    new = [
        Expert(
            name=row["name"],
            email=row["email"],
            sector=row["sector"],
            affiliation=row["affiliation"],
            attributes=row["attributes"],
        )
        for row in rows
        if row["email"].lower() not in known
    ]
    try:
        with transaction.atomic():
            for expert in Expert.objects.bulk_create(new, batch_size=1000):
                known[expert.email.lower()] = expert
            invitations = [
                Invitation(survey=survey, expert=known[email], **links.link_fields_new())
                for email in emails
            ]
            Invitation.objects.bulk_create(invitations, batch_size=1000)
    except IntegrityError:
        raise ImportRefused(ERROR_HAS_PROBLEMS) from None
    audit_log(
        action="experts.imported",
        survey=survey,
        actor=actor,
        data={"invitations": len(invitations), "new_experts": len(new)},
    )
    return len(invitations)


def import_stage(*, survey: Survey, parsed: ParsedList, filename: str, actor) -> Job:
    """Keep the parsed upload server-side until the researcher confirms it."""
    return Job.objects.create(
        survey=survey,
        kind=JOB_KIND,
        created_by=actor,
        result={
            "filename": filename[:200],
            "rows": parsed.rows,
            "problems": parsed.problems,
            "extra_columns": parsed.extra_columns,
        },
    )


def import_confirm(*, survey: Survey, job_id: int, actor) -> int:
    """Claim the staged upload (once), then import it. A second click imports nothing."""
    with transaction.atomic():
        claimed = Job.objects.filter(
            pk=job_id, survey=survey, kind=JOB_KIND, created_by=actor, status=Job.Status.PENDING
        ).update(status=Job.Status.RUNNING)
        if not claimed:
            raise ImportRefused(ERROR_ALREADY_USED)
        job = Job.objects.get(pk=job_id)
        if job.result["problems"]:
            raise ImportRefused(ERROR_HAS_PROBLEMS, job.result["problems"])
        count = experts_import(survey=survey, rows=job.result["rows"], actor=actor)
        job.status, job.progress, job.finished_at = Job.Status.DONE, 100, timezone.now()
        job.result = {"filename": job.result["filename"], "imported": count}
        job.save(update_fields=["status", "progress", "finished_at", "result"])
    return count
