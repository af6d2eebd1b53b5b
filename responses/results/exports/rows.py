"""Row generators of the exports: data first, format last. Each yields plain rows (lists, the
header first) that a writer (writers.py) turns into CSV, XLSX or LaTeX; the writer keeps an
open answer such as `=HYPERLINK(...)` from running as a formula. Numbers (the answer codes
-2..2 and -88) stay numbers.
"""

import secrets

from ...models import Answer, Response
from ..analysis import INTERVAL_COLUMNS, RESULT_COLUMNS
from ..group_keys import stated_sector

WIDE_FIXED = ["respondent", "sector", "gender"]
WIDE_TAIL = ["open_answer", "order_shown"]
LONG_COLUMNS = ["respondent", "sector", "gender", "statement", "value"]

# ---------------------------------------------------------------- per-statement results


STATEMENT_COLUMNS = RESULT_COLUMNS + INTERVAL_COLUMNS + ["consensus"]


def _cell(row: dict, column: str):
    value = row.get(column)
    if isinstance(value, bool):  # the consensus verdict
        return int(value)
    return "" if value is None else value


def statement_rows(tables: dict):
    """One row per statement; `consensus` is the pre-registered rule's verdict (1 or 0),
    empty without a rule."""
    yield list(STATEMENT_COLUMNS)
    for row in tables["statements"]:
        yield [_cell(row, column) for column in STATEMENT_COLUMNS]


LATEX_HEAD = ["No.", "Statement", "$n$", "SA", "sA", "N", "sD", "SD", "DK", "Mean", "SE"]
_LATEX_ORDER = ["strongly_agree", "somewhat_agree", "neither"]
_LATEX_ORDER += ["somewhat_disagree", "strongly_disagree", "dont_know"]


def _fixed(value, digits: int) -> str:
    return "--" if value is None else f"{value:.{digits}f}"


def statement_latex_rows(tables: dict):
    """A table like the paper's appendix: percentages of each option, n, mean and SE. The
    header is LaTeX already; the cells are plain text for the writer to escape."""
    yield list(LATEX_HEAD)
    for row in tables["statements"]:
        cells = [str(row["statement"]), row["title"], str(row["n"])]
        cells += [_fixed(row[f"pct_{name}"], 1) for name in _LATEX_ORDER]
        cells += [_fixed(row["mean"], 2), _fixed(row["se"], 2)]
        yield cells


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
        row += [person["open_answer"], order]
        row += [person[key] for key in identity]
        yield row


def responses_long_rows(survey, *, anonymous: bool = True):
    values = _answer_values(survey)
    yield list(LONG_COLUMNS)
    for person in _respondents(survey, anonymous):
        for number, value in sorted(values.get(person["pk"], {}).items()):
            yield [person["respondent"], person["sector"], person["gender"], number, value]
