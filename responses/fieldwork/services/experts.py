"""Experts and their invitations: one at a time, or a whole list parsed and validated from an
uploaded CSV or XLSX, then imported all or nothing.

Parsing never writes, and checks every field against what the database stores, so that an
import the preview passed cannot fail. The parsed rows wait in a Job row between the preview
and the confirmation (staging.py), so the confirmation never trusts rows posted back by the
browser.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from ... import links
from ...audit import audit_log
from ...choices import SECTOR_CODES, SECTOR_GROUPS
from ...models import Expert, Invitation, Survey
from ...results.services.counts import answers_regroup
from ...uploads import ImportRefused, table_rows

# The fields a researcher sets: the import's columns and the edit page's fields. Their
# changes are logged by name, never by value. The language (to invite them in) is optional.
EXPERT_FIELDS = ("name", "email", "sector", "affiliation", "language")
REQUIRED_COLUMNS = ["name", "email", "sector", "affiliation"]
LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]
JOB_KIND = "experts_import"
ATTRIBUTE_NAME_LIMIT = 100
ATTRIBUTE_VALUE_LIMIT = 1_000
SHOWN_LIMIT = 60  # of a value quoted in a problem

ERROR_EMAIL = "'{email}' is not a valid email address."
ERROR_SECTOR = "Unknown sector '{sector}'. Use one of: {choices}."
ERROR_LANGUAGE = "Unknown language '{language}'. Use one of: {choices}, or leave it empty."
ERROR_EMPTY = "The file is empty: the first line must name the columns."
ERROR_MISSING_COLUMNS = "Missing column(s): {columns}. The first line must name the columns."
ERROR_DUPLICATE_COLUMN = "The column '{column}' appears more than once."
ERROR_NAME = "The name is empty."
ERROR_DUPLICATE_FILE = "{email} appears already on line {line}."
ERROR_DUPLICATE_SURVEY = "{email} is already invited to this survey."
ERROR_NO_ROWS = "The file has column names but no experts."
ERROR_HAS_PROBLEMS = "The file has problems; nothing was imported."
ERROR_TOO_LONG = "The {field} is longer than {limit:,} characters."
ERROR_NAME_BREAK = "The name holds a line break or a tab."
ERROR_ATTRIBUTE_NAME = "The column name '{column}' is longer than {limit:,} characters."
ERROR_ATTRIBUTE_TOO_LONG = "The value in the column '{column}' is longer than {limit:,} characters."

_SECTOR_LOOKUP = {code: code for code in SECTOR_CODES} | {
    label.lower(): code for code, label in SECTOR_GROUPS
}
LIMITS = {
    name: Expert._meta.get_field(name).max_length for name in ("name", "email", "affiliation")
}


class ExpertError(Exception):
    """A refused expert. `problems` lists (field, message) pairs; the message joins them."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(" ".join(message for _, message in problems))
        self.problems = problems


def expert_clean(
    *, name: str, email: str, sector: str = "", affiliation: str = "", language: str = ""
) -> tuple[dict, list[tuple[str, str]]]:
    """The expert's fields as stored (trimmed, a sector label turned into its code) and what
    is wrong with them, as (field, message) pairs: the one set of checks of the import,
    `invite` and the edit page."""
    fields = {"name": name.strip(), "email": email.strip(), "sector": ""}
    fields["affiliation"] = affiliation.strip()
    problems = []
    if not fields["name"]:
        problems.append(("name", ERROR_NAME))
    elif any(space in fields["name"] for space in "\r\n\t"):
        problems.append(("name", ERROR_NAME_BREAK))  # it goes into the To: header of emails
    for name_, limit in LIMITS.items():
        if len(fields[name_]) > limit:
            problems.append((name_, ERROR_TOO_LONG.format(field=name_, limit=limit)))
    if len(fields["email"]) <= LIMITS["email"]:
        try:
            validate_email(fields["email"])
        except ValidationError:
            problems.append(("email", ERROR_EMAIL.format(email=_shown(fields["email"]))))
    if sector.strip():
        fields["sector"] = _SECTOR_LOOKUP.get(sector.strip().lower(), "")
        if not fields["sector"]:
            choices = ", ".join(SECTOR_CODES)
            shown = _shown(sector.strip())
            problems.append(("sector", ERROR_SECTOR.format(sector=shown, choices=choices)))
    fields["language"] = language.strip().lower()
    if fields["language"] and fields["language"] not in LANGUAGE_CODES:
        choices = ", ".join(LANGUAGE_CODES)
        shown = _shown(language.strip())
        problems.append(("language", ERROR_LANGUAGE.format(language=shown, choices=choices)))
    return fields, problems


def _by_email(*, survey_id: int, email: str):
    # Lower() on both sides, as the unique constraint compares (SQLite folds ASCII only).
    return Expert.objects.annotate(lowered=Lower("email")).filter(
        survey_id=survey_id, lowered=Lower(Value(email))
    )


def invitations_build(*, survey: Survey, experts, **fields) -> list[Invitation]:
    """Unsaved invitations of the survey's own experts, each with a fresh personal link.
    Every invitation is made here (a check constraint refuses one without a link)."""
    invitations = []
    for expert in experts:
        if expert.survey_id != survey.pk:
            raise ValueError("An invitation's expert must belong to its survey.")
        fields_new = fields | links.link_fields_new()
        invitations.append(Invitation(survey=survey, expert=expert, **fields_new))
    return invitations


@transaction.atomic
def invitation_create(
    *, survey: Survey, email: str, name: str, sector: str = "", affiliation: str = "", actor=None
) -> tuple[Invitation, bool]:
    """Find or create the survey's expert (by email, ignoring case) and their invitation."""
    fields, problems = expert_clean(email=email, name=name, sector=sector, affiliation=affiliation)
    if problems:
        raise ExpertError(problems)
    expert = _by_email(survey_id=survey.pk, email=fields["email"]).first()
    expert = expert or Expert.objects.create(survey=survey, **fields)
    invitation = Invitation.objects.filter(survey=survey, expert=expert).first()
    if invitation is not None:
        return invitation, False
    (invitation,) = invitations_build(survey=survey, experts=[expert])
    invitation.save()
    audit_log(action="invitation.created", invitation=invitation, actor=actor)
    return invitation, True


@transaction.atomic
def expert_save(*, expert: Expert, actor=None) -> list[str]:
    """Save an edited expert and log the names of the fields changed (not their values) in
    their survey's log. A new sector moves their submitted answers into the new group of the
    kept counts, in the same transaction (results/services/counts.py). Returns the names."""
    # The fields as saved, read under a lock (not the form's initial values): two researchers
    # changing the sector at once each move the counts from the group the other left them in.
    previous = (
        Expert.objects.select_for_update().filter(pk=expert.pk).values(*EXPERT_FIELDS).first()
    )
    try:
        with transaction.atomic():
            expert.save()
    except IntegrityError:
        problem = ("email", ERROR_DUPLICATE_SURVEY.format(email=expert.email))
        raise ExpertError([problem]) from None
    changed = [
        name for name in EXPERT_FIELDS if previous and previous[name] != getattr(expert, name)
    ]
    if changed:
        audit_log(
            action="expert.changed",
            survey=expert.survey,
            invitation=expert.invitations.first(),
            actor=actor,
            data={"expert": expert.pk, "fields": changed},
        )
    if "sector" in changed:
        answers_regroup(expert=expert, previous_sector=previous["sector"], actor=actor)
    return changed


def expert_update(
    *,
    expert: Expert,
    name: str,
    email: str,
    sector: str,
    affiliation: str,
    language: str = "",
    actor=None,
) -> list[str]:
    """A researcher's edit of an expert, checked as the import checks a row; the email stays
    unique within the survey. Returns the names of the fields changed."""
    fields, problems = expert_clean(
        name=name, email=email, sector=sector, affiliation=affiliation, language=language
    )
    others = _by_email(survey_id=expert.survey_id, email=fields["email"]).exclude(pk=expert.pk)
    if not problems and others.exists():
        problems.append(("email", ERROR_DUPLICATE_SURVEY.format(email=fields["email"])))
    if problems:
        raise ExpertError(problems)
    for name_, value in fields.items():
        setattr(expert, name_, value)
    return expert_save(expert=expert, actor=actor)


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
    parsed.extra_columns = [c for c in dict.fromkeys(columns) if c and c not in EXPERT_FIELDS]
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
    fields, problems = expert_clean(**{column: record.get(column, "") for column in EXPERT_FIELDS})
    for _, message in problems:
        parsed.problem(line, message)
    attributes = {c: record[c] for c in parsed.extra_columns if record.get(c)}
    for column, value in attributes.items():
        if len(value) > ATTRIBUTE_VALUE_LIMIT:
            message = ERROR_ATTRIBUTE_TOO_LONG.format(
                column=_shown(column), limit=ATTRIBUTE_VALUE_LIMIT
            )
            parsed.problem(line, message)
    return {"line": line, **fields, "attributes": attributes}


def _check_duplicates(parsed: ParsedList, survey: Survey) -> None:
    # Only this survey's own list: another team's experts are neither found nor revealed.
    invited = set(
        Expert.objects.filter(survey=survey)
        .annotate(email_lower=Lower("email"))
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
    """All or nothing: each row becomes an expert of this survey and their invitation (the
    same address on another survey's list is another row, there). Returns the number of
    invitations created."""
    check = ParsedList(rows=rows)
    _check_duplicates(check, survey)
    if check.problems:
        raise ImportRefused(ERROR_HAS_PROBLEMS, check.problems)
    new = [
        Expert(
            survey=survey,
            attributes=row["attributes"],
            # .get: a list staged before the language column existed has none
            **{name: row.get(name, "") for name in EXPERT_FIELDS},
        )
        for row in rows
    ]
    try:
        with transaction.atomic():
            experts = Expert.objects.bulk_create(new, batch_size=1000)
            invitations = invitations_build(survey=survey, experts=experts)
            Invitation.objects.bulk_create(invitations, batch_size=1000)
    except IntegrityError:
        raise ImportRefused(ERROR_HAS_PROBLEMS) from None
    audit_log(
        action="experts.imported",
        survey=survey,
        actor=actor,
        data={"invitations": len(invitations)},
    )
    return len(invitations)
