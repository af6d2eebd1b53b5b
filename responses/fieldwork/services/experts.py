"""Experts and their invitations: one at a time, or a whole list parsed and validated from an
uploaded CSV or XLSX, then imported all or nothing.

Parsing never writes. The parsed rows wait in a Job row between the preview and the
confirmation, so the confirmation never trusts rows posted back by the browser.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from ... import links
from ...audit import audit_log
from ...choices import SECTOR_CODES, SECTOR_GROUPS
from ...models import Expert, Invitation, Job, Survey
from ...results.services.counts import answers_regroup
from ...uploads import ImportRefused, table_rows

REQUIRED_COLUMNS = ["name", "email", "sector", "affiliation"]
MAX_ROWS = 50_000
JOB_KIND = "experts_import"

ERROR_EMAIL = "'{email}' is not a valid email address."
ERROR_EXPERT_NAME = "An expert needs a name."
ERROR_SECTOR = "Unknown sector '{sector}'. Use one of: {choices}."
ERROR_TOO_MANY = f"The file has more than {MAX_ROWS:,} rows."
ERROR_EMPTY = "The file is empty: the first line must name the columns."
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


class ExpertError(Exception):
    """A refused expert. Its message says why."""


def expert_validate(*, email: str, name: str, sector: str = "") -> None:
    try:
        validate_email(email)
    except ValidationError:
        raise ExpertError(ERROR_EMAIL.format(email=email)) from None
    if not name.strip():
        raise ExpertError(ERROR_EXPERT_NAME)
    if sector and sector not in SECTOR_CODES:
        raise ExpertError(ERROR_SECTOR.format(sector=sector, choices=", ".join(SECTOR_CODES)))


@transaction.atomic
def invitation_create(
    *, survey: Survey, email: str, name: str, sector: str = "", affiliation: str = "", actor=None
) -> tuple[Invitation, bool]:
    """Find or create the expert (by email) and their invitation to this survey."""
    email = email.strip()
    expert_validate(email=email, name=name, sector=sector)
    expert, _ = Expert.objects.get_or_create(
        email__iexact=email,
        defaults={
            "email": email,
            "name": name.strip(),
            "sector": sector,
            "affiliation": affiliation,
        },
    )
    invitation = Invitation.objects.filter(survey=survey, expert=expert).first()
    if invitation is not None:
        return invitation, False
    invitation = Invitation.objects.create(survey=survey, expert=expert, **links.link_fields_new())
    audit_log(action="invitation.created", invitation=invitation, actor=actor)
    return invitation, True


@transaction.atomic
def expert_save(*, expert: Expert, actor=None) -> Expert:
    """Save an edited expert. A new sector moves their submitted answers into the new group
    of the kept counts, in the same transaction (results/services/counts.py)."""
    # The sector as saved, read under a lock (not the form's initial value): two researchers
    # changing it at once each move the counts from the group the other left them in.
    previous = (
        Expert.objects.select_for_update().filter(pk=expert.pk).values_list("sector", flat=True)
    ).first()
    expert.save()
    if previous is not None and previous != expert.sector:
        answers_regroup(expert=expert, previous_sector=previous, actor=actor)
    return expert


@dataclass
class ParsedList:
    rows: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)

    def problem(self, line: int, message: str) -> None:
        self.problems.append({"line": line, "message": message})


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
    records = iter(table_rows(data=data, filename=filename))
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
