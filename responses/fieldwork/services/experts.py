"""Experts and their invitations: one at a time, or a whole list parsed and validated from an
uploaded CSV or XLSX, then imported all or nothing.

Parsing never writes, and checks every field against what the database stores, so that an
import the preview passed cannot fail. The parsed rows wait in a Job row between the preview
and the confirmation (staging.py), so the confirmation never trusts rows posted back by the
browser.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from ... import links
from ...audit import audit_log
from ...choices import SECTOR_CODES, SECTOR_GROUPS
from ...models import Expert, Invitation, Survey
from ...results.services.counts import answers_regroup
from ...uploads import ImportRefused, table_rows

REQUIRED_COLUMNS = ["name", "email", "sector", "affiliation"]
# The longest each field may be, as the database stores it.
FIELD_LIMITS = {
    column: Expert._meta.get_field(column).max_length for column in ("name", "email", "affiliation")
}
ATTRIBUTE_NAME_LIMIT = 100
ATTRIBUTE_VALUE_LIMIT = 1_000
SHOWN_LIMIT = 60  # of a value quoted in a problem

ERROR_EMAIL = "'{email}' is not a valid email address."
ERROR_EXPERT_NAME = "An expert needs a name."
ERROR_SECTOR = "Unknown sector '{sector}'. Use one of: {choices}."
ERROR_EMPTY = "The file is empty: the first line must name the columns."
ERROR_MISSING_COLUMNS = "Missing column(s): {columns}. The first line must name the columns."
ERROR_DUPLICATE_COLUMN = "The column '{column}' appears more than once."
ERROR_NAME = "The name is empty."
ERROR_DUPLICATE_FILE = "{email} appears already on line {line}."
ERROR_DUPLICATE_SURVEY = "{email} is already invited to this survey."
ERROR_NO_ROWS = "The file has column names but no experts."
ERROR_HAS_PROBLEMS = "The file has problems; nothing was imported."
ERROR_TOO_LONG = "The {column} is longer than {limit:,} characters."
ERROR_NAME_BREAK = "The name holds a line break or a tab."
ERROR_ATTRIBUTE_NAME = "The column name '{column}' is longer than {limit:,} characters."
ERROR_ATTRIBUTE_TOO_LONG = "The value in the column '{column}' is longer than {limit:,} characters."

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
    for column in parsed.extra_columns:
        if len(column) > ATTRIBUTE_NAME_LIMIT:
            shown = _shown(column)
            parsed.problem(1, ERROR_ATTRIBUTE_NAME.format(column=shown, limit=ATTRIBUTE_NAME_LIMIT))
    return columns


def _shown(value: str) -> str:
    """A value quoted in a problem, cut short: the preview stays readable and its job small."""
    return value if len(value) <= SHOWN_LIMIT else value[: SHOWN_LIMIT - 1] + "…"


def _row(parsed: ParsedList, line: int, columns: list[str], values: list[str]) -> dict:
    record = dict(zip(columns, values + [""] * (len(columns) - len(values)), strict=False))
    row = {"line": line, **{column: record.get(column, "") for column in REQUIRED_COLUMNS}}
    row["attributes"] = {c: record[c] for c in parsed.extra_columns if record.get(c)}
    if not row["name"]:
        parsed.problem(line, ERROR_NAME)
    elif any(space in row["name"] for space in "\r\n\t"):
        parsed.problem(line, ERROR_NAME_BREAK)  # it goes into the To: header of every email
    _check_lengths(parsed, line, row)
    if len(row["email"]) <= FIELD_LIMITS["email"]:
        try:
            validate_email(row["email"])
        except ValidationError:
            parsed.problem(line, ERROR_EMAIL.format(email=_shown(row["email"])))
    sector = row["sector"]
    if sector:
        row["sector"] = _SECTOR_LOOKUP.get(sector.lower(), "")
        if not row["sector"]:
            choices = ", ".join(SECTOR_CODES)
            parsed.problem(line, ERROR_SECTOR.format(sector=_shown(sector), choices=choices))
    return row


def _check_lengths(parsed: ParsedList, line: int, row: dict) -> None:
    for column, limit in FIELD_LIMITS.items():
        if len(row[column]) > limit:
            parsed.problem(line, ERROR_TOO_LONG.format(column=column, limit=limit))
    for column, value in row["attributes"].items():
        if len(value) > ATTRIBUTE_VALUE_LIMIT:
            message = ERROR_ATTRIBUTE_TOO_LONG.format(
                column=_shown(column), limit=ATTRIBUTE_VALUE_LIMIT
            )
            parsed.problem(line, message)


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
        shown = _shown(row["email"])
        if email in first_line:
            message = ERROR_DUPLICATE_FILE.format(email=shown, line=first_line[email])
            parsed.problem(row["line"], message)
        else:
            first_line[email] = row["line"]
        if email in invited:
            parsed.problem(row["line"], ERROR_DUPLICATE_SURVEY.format(email=shown))


def experts_parse(*, survey: Survey, data: bytes, filename: str) -> ParsedList:
    """Every row checked; problems carry their line number. Raises ImportRefused when the
    file as a whole cannot be read, or is too large (uploads.py)."""
    parsed = ParsedList()
    records = iter(table_rows(data=data, filename=filename))
    first = next(records, None)
    if first is None or not any(first[1]):
        raise ImportRefused(ERROR_EMPTY)
    columns = _header(parsed, first[1])
    for line, values in records:
        if any(values):
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
