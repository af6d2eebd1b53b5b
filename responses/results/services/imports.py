"""Answers collected elsewhere, imported from the wide format (the one the wide export
writes, CSV or XLSX), all or nothing: every row is checked first, and any problem imports
nothing. A CSV's text cells are read back from the export's neutralised form; an XLSX holds
the text itself."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from ...audit import audit_log
from ...choices import DONT_KNOW, GENDERS, SCALE_VALUES, SECTOR_GROUPS, STATED_SECTORS
from ...fieldwork.services.experts import invitations_build
from ...models import Answer, Expert, Invitation, Response, Survey
from ...uploads import ImportRefused, table_rows
from ..exports.respondents import WIDE_FIXED, WIDE_TAIL
from ..exports.variables import STATED_COLUMNS, TIME_COLUMNS, background_variables
from ..exports.writers import unneutralise
from ..group_keys import STATED_COLLAPSE
from .counts import answers_group, counts_add

ERROR_HEADER_MISSING = "The columns {columns} are missing."
ERROR_HEADER_UNKNOWN = "Unknown column '{column}'."
ERROR_HEADER_DUPLICATE = "The column '{column}' appears twice."
ERROR_RESPONDENT = "The respondent id is empty."
ERROR_RESPONDENT_TWICE = "Respondent '{respondent}' appears twice in the file."
ERROR_RESPONDENT_TOO_LONG = "The respondent id is longer than {limit} characters."
ERROR_SECTOR = "Unknown sector '{value}'."
ERROR_GENDER = "Unknown gender '{value}'."
ERROR_CODE = "Column {column}: '{value}' is not an answer (use -2 to 2, -88 or DK)."
ERROR_ORDER = "The order shown must list statement numbers of this survey."
ERROR_FLAG = "Column {column}: '{value}' is neither 0 nor 1."
ERROR_ASSIGNED = "Unknown assigned sector '{value}'."
ERROR_TIME = "Column {column}: '{value}' is not a time (ISO 8601, e.g. 2026-03-01T09:30:00Z)."
ERROR_LANGUAGE = "The language code '{value}' is longer than 8 characters."
ERROR_EMPTY = "The file has no respondents."
ERROR_HAS_PROBLEMS = "The file has problems; nothing was imported."

SECTOR_CODES = {group for group, _ in STATED_COLLAPSE} | {code for code, _ in STATED_SECTORS}
GENDER_CODES = {code for code, _ in GENDERS}
# A collapsed sector is stored as one stated code that collapses back to it.
STATED_FOR_GROUP = {
    "agi_lab": "agi_lab",
    "academia": "academia",
    "civil_society": "nonprofit",
    "other": "other",
    "prefer_not_to_say": "prefer_not_to_say",
}
ASSIGNED_CODES = {code for code, _ in SECTOR_GROUPS}
# An imported respondent's placeholder expert is named after the id (Expert.name: 200).
RESPONDENT_LIMIT = 100
STATEMENT_NUMBER = re.compile(r"[0-9]{1,6}")


@dataclass
class ImportedRespondent:
    line: int
    respondent: str
    sector: str
    gender: str
    answers: dict[int, int] = field(default_factory=dict)
    open_answer: str = ""
    order: list[int] = field(default_factory=list)
    # From the columns the wide export adds, when the file has them (None: not in the file).
    stated: list[str] | None = None
    assigned: str | None = None
    language: str = ""
    test: bool = False
    times: dict[str, datetime] = field(default_factory=dict)


def _problem(line: int, message: str) -> dict:
    return {"line": line, "message": message}


def _answer_code(text: str):
    if text == "":
        return None
    if text.upper() == "DK":
        return DONT_KNOW
    try:
        number = float(text)
    except ValueError:
        return "bad"
    if not number.is_integer() or int(number) not in SCALE_VALUES:
        return "bad"
    return int(number)


def _header(header: list[str], numbers: dict[int, int]) -> tuple[dict, list[dict]]:
    problems, columns = [], {}
    known = set(WIDE_FIXED) | set(WIDE_TAIL) | {f"S{number}" for number in numbers}
    known |= {variable.name for variable in background_variables()}
    for index, name in enumerate(header):
        if name == "":
            continue
        if name not in known:
            problems.append(_problem(1, ERROR_HEADER_UNKNOWN.format(column=name)))
        elif name in columns:
            problems.append(_problem(1, ERROR_HEADER_DUPLICATE.format(column=name)))
        columns[name] = index
    missing = [name for name in WIDE_FIXED if name not in columns]
    if missing:
        problems.append(_problem(1, ERROR_HEADER_MISSING.format(columns=", ".join(missing))))
    return columns, problems


def _parse_row(line: int, cells: list[str], columns: dict, numbers: dict[int, int], problems):
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    person = ImportedRespondent(line, cell("respondent"), cell("sector"), cell("gender"))
    if not person.respondent:
        problems.append(_problem(line, ERROR_RESPONDENT))
    elif len(person.respondent) > RESPONDENT_LIMIT:
        problems.append(_problem(line, ERROR_RESPONDENT_TOO_LONG.format(limit=RESPONDENT_LIMIT)))
    if person.sector and person.sector not in SECTOR_CODES:
        problems.append(_problem(line, ERROR_SECTOR.format(value=person.sector)))
    if person.gender and person.gender not in GENDER_CODES:
        problems.append(_problem(line, ERROR_GENDER.format(value=person.gender)))
    for number, statement_id in numbers.items():
        column = f"S{number}"
        code = _answer_code(cell(column))
        if code == "bad":
            problems.append(_problem(line, ERROR_CODE.format(column=column, value=cell(column))))
        elif code is not None:
            person.answers[statement_id] = code
    _parse_background(person, cell, columns, problems)
    person.open_answer = cell("open_answer")
    order = cell("order_shown").replace(";", " ").replace(",", " ").split()
    if not all(STATEMENT_NUMBER.fullmatch(item) and int(item) in numbers for item in order):
        problems.append(_problem(line, ERROR_ORDER))
    else:
        person.order = [numbers[int(item)] for item in order]
    return person


def _flag(text: str):
    if text in ("", "0", "0.0"):
        return 0
    return 1 if text in ("1", "1.0") else None


def _time(text: str):
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_background(person, cell, columns: dict, problems: list) -> None:
    """The columns the wide export adds: the stated sectors (0/1 each), the assigned sector,
    the language, the times and the test flag. Each is optional."""
    line = person.line
    for column in [name for name in STATED_COLUMNS + ["test"] if name in columns]:
        if _flag(cell(column)) is None:
            problems.append(_problem(line, ERROR_FLAG.format(column=column, value=cell(column))))
    if any(name in columns for name in STATED_COLUMNS):
        chosen = [name for name in STATED_COLUMNS if name in columns and _flag(cell(name))]
        person.stated = [name.removeprefix("sector_") for name in chosen]
    if "assigned_sector" in columns:
        person.assigned = cell("assigned_sector")
        if person.assigned and person.assigned not in ASSIGNED_CODES:
            problems.append(_problem(line, ERROR_ASSIGNED.format(value=person.assigned)))
    person.language = cell("language")
    if len(person.language) > 8:
        problems.append(_problem(line, ERROR_LANGUAGE.format(value=person.language[:20])))
    person.test = bool(_flag(cell("test")))
    for column in [name for name in TIME_COLUMNS if cell(name)]:
        moment = _time(cell(column))
        if moment is None:
            problems.append(_problem(line, ERROR_TIME.format(column=column, value=cell(column))))
        else:
            person.times[column] = moment


def responses_parse(*, data: bytes, filename: str, numbers: dict[int, int]):
    """(respondents, problems) of a wide file; `numbers` maps paper number to statement id
    for the survey. Every row is checked; problems carry their line."""
    rows = iter(table_rows(data=data, filename=filename))
    first = next(rows, None)
    if first is None:
        return [], [_problem(1, ERROR_EMPTY)]
    columns, problems = _header(first[1], numbers)
    if problems:
        return [], problems
    people, seen = [], set()
    for line, cells in rows:
        if not any(cells):
            continue
        person = _parse_row(line, cells, columns, numbers, problems)
        if not filename.lower().endswith(".xlsx"):
            person.open_answer = unneutralise(person.open_answer)
        if person.respondent in seen:
            message = ERROR_RESPONDENT_TWICE.format(respondent=person.respondent)
            problems.append(_problem(line, message))
        seen.add(person.respondent)
        people.append(person)
    if not people and not problems:
        problems.append(_problem(1, ERROR_EMPTY))
    return people, problems


def responses_import(*, survey: Survey, data: bytes, filename: str, actor=None) -> int:
    """Import every row as a submitted response, or nothing; returns the number imported.

    Imported respondents get a placeholder expert (no name, an unroutable address) and a
    revoked link: they exist only to carry the answers. A file from our wide export carries
    the stated sectors (`sector_<option>`, 0/1) and the assigned sector, so export → import
    gives the same fingerprint; in a file with only the `sector` column, it sets both.
    Times, language and the test flag are kept when present (else: now, blank, not a test)."""
    numbers = dict(survey.statements.values_list("number", "pk"))
    people, problems = responses_parse(data=data, filename=filename, numbers=numbers)
    if problems:
        raise ImportRefused(ERROR_HAS_PROBLEMS, problems)
    with transaction.atomic():
        _create(survey, people)
        Survey.objects.filter(pk=survey.pk, results_stale_since__isnull=True).update(
            results_stale_since=timezone.now()
        )
        audit_log(
            action="responses.imported",
            survey=survey,
            actor=actor,
            data={"respondents": len(people), "file": filename},
        )
    return len(people)


def _stated(person: ImportedRespondent) -> list[str]:
    if person.stated is not None:
        return person.stated
    return [STATED_FOR_GROUP.get(person.sector, person.sector)] if person.sector else []


def _assigned(person: ImportedRespondent) -> str:
    if person.assigned is not None:
        return person.assigned
    return person.sector if person.sector in ASSIGNED_CODES else ""


def _invitation(survey, expert, person: ImportedRespondent, now) -> Invitation:
    times = person.times
    return invitations_build(
        survey=survey,
        experts=[expert],
        submitted_at=times.get("submitted_at", now),
        started_at=times.get("first_answer_at"),
        revoked_at=now,
        is_test=person.test,
    )[0]


def _create(survey: Survey, people) -> None:
    now = timezone.now()
    batch = uuid.uuid4().hex[:12]
    experts = Expert.objects.bulk_create(
        [
            Expert(
                survey=survey,
                name=f"Imported respondent {person.respondent}",
                email=f"{batch}-{index}@import.invalid",
                sector=_assigned(person),
            )
            for index, person in enumerate(people)
        ]
    )
    invitations = Invitation.objects.bulk_create(
        [
            _invitation(survey, expert, person, now)
            for expert, person in zip(experts, people, strict=True)
        ]
    )
    default_order = list(survey.statements.order_by("number").values_list("pk", flat=True))
    responses = Response.objects.bulk_create(
        [
            Response(
                invitation=invitation,
                consented_at=person.times.get("consented_at", now),
                submitted_at=person.times.get("submitted_at", now),
                statement_order=person.order or default_order,
                sectors=_stated(person),
                gender=person.gender,
                open_answer=person.open_answer,
                language=person.language,
            )
            for invitation, person in zip(invitations, people, strict=True)
        ]
    )
    Answer.objects.bulk_create(
        [
            Answer(
                response=response,
                survey=survey,
                statement_id=statement_id,
                value=value,
                updated_at=now,
            )
            for response, person in zip(responses, people, strict=True)
            for statement_id, value in person.answers.items()
        ],
        batch_size=5000,
    )
    answers_group(response_ids=[response.pk for response in responses])
    counts_add(response_ids=[response.pk for response in responses], sign=1)
