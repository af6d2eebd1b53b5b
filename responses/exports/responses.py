"""Exports and the wide-format import: row generators first, formats last.

Generators yield plain rows (lists); writers turn rows into CSV, XLSX or LaTeX. Every text
cell written to a spreadsheet goes through `neutralise`, so that a respondent's open answer
such as `=HYPERLINK(...)` is shown as text, never run as a formula. Numbers (the answer codes
-2..2 and -88) stay numbers.
"""

import csv
import io
import re
import secrets
from dataclasses import dataclass, field

from openpyxl import load_workbook

from ..analysis import RESULT_COLUMNS
from ..grouping import STATED_COLLAPSE, stated_sector
from ..models import DONT_KNOW, GENDERS, SCALE_VALUES, STATED_SECTORS, Answer, Response
from .writers import neutralise, unneutralise

WIDE_FIXED = ["respondent", "sector", "gender"]
WIDE_TAIL = ["open_answer", "order_shown"]
LONG_COLUMNS = ["respondent", "sector", "gender", "statement", "value"]

ERROR_HEADER_MISSING = "Line 1: the columns {columns} are missing."
ERROR_HEADER_UNKNOWN = "Line 1: unknown column '{column}'."
ERROR_HEADER_DUPLICATE = "Line 1: the column '{column}' appears twice."
ERROR_RESPONDENT = "Line {line}: the respondent id is empty."
ERROR_RESPONDENT_TWICE = "Line {line}: respondent '{respondent}' appears twice in the file."
ERROR_SECTOR = "Line {line}: unknown sector '{value}'."
ERROR_GENDER = "Line {line}: unknown gender '{value}'."
ERROR_CODE = "Line {line}, column {column}: '{value}' is not an answer (use -2 to 2, -88 or DK)."
ERROR_ORDER = "Line {line}: the order shown must list statement numbers of this survey."
ERROR_EMPTY = "The file has no respondents."
ERROR_FORMAT = "The file could not be read: {error}"

SECTOR_CODES = {group for group, _ in STATED_COLLAPSE} | {code for code, _ in STATED_SECTORS}
GENDER_CODES = {code for code, _ in GENDERS}


# ---------------------------------------------------------------- per-statement results


def statement_rows(tables: dict):
    yield list(RESULT_COLUMNS)
    for row in tables["statements"]:
        yield ["" if row[column] is None else row[column] for column in RESULT_COLUMNS]


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


def _fixed(value, digits: int) -> str:
    return "--" if value is None else f"{value:.{digits}f}"


def statements_latex(tables: dict) -> str:
    """A longtable like the paper's appendix: percentages of each option, n, mean and SE."""
    head = ["No.", "Statement", "$n$", "SA", "sA", "N", "sD", "SD", "DK", "Mean", "SE"]
    order = ["strongly_agree", "somewhat_agree", "neither"]
    order += ["somewhat_disagree", "strongly_disagree", "dont_know"]
    lines = [
        r"\begin{longtable}{rp{5cm}rrrrrrrrr}",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
        r"\endhead",
    ]
    for row in tables["statements"]:
        cells = [str(row["statement"]), latex_escape(row["title"]), str(row["n"])]
        cells += [_fixed(row[f"pct_{name}"], 1) for name in order]
        cells += [_fixed(row["mean"], 2), _fixed(row["se"], 2)]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{longtable}", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- raw responses


def _respondents(survey, anonymous: bool) -> list[dict]:
    responses = (
        Response.objects.filter(invitation__survey=survey, submitted_at__isnull=False)
        .select_related("invitation__expert")
        .order_by("pk")
    )
    used: set[str] = set()
    people = []
    for response in responses:
        label = f"R{response.pk}"
        if anonymous:
            label = _random_id(used)
        expert = response.invitation.expert
        people.append(
            {
                "pk": response.pk,
                "respondent": label,
                "sector": stated_sector(response.sectors),
                "gender": response.gender,
                "open_answer": response.open_answer,
                "order": response.statement_order,
                "name": expert.name,
                "email": expert.email,
            }
        )
    # Sorted by the random id, so the row order tells nothing about who answered when.
    return sorted(people, key=lambda person: person["respondent"]) if anonymous else people


def _random_id(used: set[str]) -> str:
    while True:
        label = "R" + secrets.token_hex(4)
        if label not in used:
            used.add(label)
            return label


def _answer_values(survey) -> dict[int, dict[int, int]]:
    values: dict[int, dict[int, int]] = {}
    rows = Answer.objects.filter(
        response__invitation__survey=survey,
        response__submitted_at__isnull=False,
        value__isnull=False,
    ).values_list("response_id", "statement__number", "value")
    for response_id, number, value in rows.iterator(chunk_size=10000):
        values.setdefault(response_id, {})[number] = value
    return values


def responses_wide_rows(survey, *, anonymous: bool = True):
    numbers = list(survey.statements.order_by("number").values_list("number", flat=True))
    number_of = dict(survey.statements.values_list("pk", "number"))
    values = _answer_values(survey)
    identity = [] if anonymous else ["name", "email"]
    yield WIDE_FIXED + [f"S{number}" for number in numbers] + WIDE_TAIL + identity
    for person in _respondents(survey, anonymous):
        answers = values.get(person["pk"], {})
        order = " ".join(str(number_of[pk]) for pk in person["order"] if pk in number_of)
        row = [person["respondent"], person["sector"], person["gender"]]
        row += [answers.get(number, "") for number in numbers]
        row += [neutralise(person["open_answer"]), order]
        row += [neutralise(person[key]) for key in identity]
        yield row


def responses_long_rows(survey, *, anonymous: bool = True):
    values = _answer_values(survey)
    yield list(LONG_COLUMNS)
    for person in _respondents(survey, anonymous):
        for number, value in sorted(values.get(person["pk"], {}).items()):
            yield [person["respondent"], person["sector"], person["gender"], number, value]


# ---------------------------------------------------------------- import (wide format)


@dataclass
class ImportedRespondent:
    line: int
    respondent: str
    sector: str
    gender: str
    answers: dict[int, int] = field(default_factory=dict)
    open_answer: str = ""
    order: list[int] = field(default_factory=list)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The file's rows as text cells. XLSX by extension, otherwise CSV (UTF-8, BOM allowed)."""
    try:
        if filename.lower().endswith(".xlsx"):
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = [[_cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
            workbook.close()
            return rows
        text = data.decode("utf-8-sig")
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    except Exception as error:  # openpyxl and csv raise many kinds; all mean "unreadable"
        raise ValueError(ERROR_FORMAT.format(error=error)) from None


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


def _header(header: list[str], numbers: dict[int, int]) -> tuple[dict, list[str]]:
    errors, columns = [], {}
    known = set(WIDE_FIXED) | set(WIDE_TAIL) | {f"S{number}" for number in numbers}
    for index, name in enumerate(header):
        if name == "":
            continue
        if name not in known:
            errors.append(ERROR_HEADER_UNKNOWN.format(column=name))
        elif name in columns:
            errors.append(ERROR_HEADER_DUPLICATE.format(column=name))
        columns[name] = index
    missing = [name for name in WIDE_FIXED if name not in columns]
    if missing:
        errors.append(ERROR_HEADER_MISSING.format(columns=", ".join(missing)))
    return columns, errors


def _parse_row(line: int, cells: list[str], columns: dict, numbers: dict[int, int], errors):
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    person = ImportedRespondent(line, cell("respondent"), cell("sector"), cell("gender"))
    if not person.respondent:
        errors.append(ERROR_RESPONDENT.format(line=line))
    if person.sector and person.sector not in SECTOR_CODES:
        errors.append(ERROR_SECTOR.format(line=line, value=person.sector))
    if person.gender and person.gender not in GENDER_CODES:
        errors.append(ERROR_GENDER.format(line=line, value=person.gender))
    for number, statement_id in numbers.items():
        code = _answer_code(cell(f"S{number}"))
        if code == "bad":
            errors.append(
                ERROR_CODE.format(line=line, column=f"S{number}", value=cell(f"S{number}"))
            )
        elif code is not None:
            person.answers[statement_id] = code
    person.open_answer = unneutralise(cell("open_answer"))
    order = cell("order_shown").replace(";", " ").replace(",", " ").split()
    if not all(item.isdigit() and int(item) in numbers for item in order):
        errors.append(ERROR_ORDER.format(line=line))
    else:
        person.order = [numbers[int(item)] for item in order]
    return person


def parse_wide(rows: list[list[str]], numbers: dict[int, int]):
    """(respondents, errors) from the rows of a wide file; `numbers` maps paper number to
    statement id for the survey. Every row is checked; errors name their line."""
    if not rows:
        return [], [ERROR_EMPTY]
    columns, errors = _header(rows[0], numbers)
    if errors:
        return [], errors
    people, seen = [], set()
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        person = _parse_row(line, cells, columns, numbers, errors)
        if person.respondent in seen:
            errors.append(ERROR_RESPONDENT_TWICE.format(line=line, respondent=person.respondent))
        seen.add(person.respondent)
        people.append(person)
    if not people and not errors:
        errors.append(ERROR_EMPTY)
    return people, errors
