"""The variables of the raw-response files, described once: the wide file's columns in their
order, each with its label, its kind, its codes and, for a statement, the exact wording each
language showed. The rows (rows.py), the XLSX "Variables" sheet, the SPSS and Stata files
(labelled.py) and the codebook (codebook.py) all read this one list."""

from dataclasses import dataclass, field, replace
from datetime import UTC

from statements.models import StatementTranslation

from ...choices import DONT_KNOW, GENDERS, SCALE, SECTOR_GROUPS, STATED_SECTORS
from ..group_keys import STATED_COLLAPSE

# Kinds: how a column's values are written and read.
ID, CODE, FLAG, CATEGORY, TIME, NUMBER, TEXT, ROUND = (
    "id", "code", "flag", "category", "time", "number", "text", "round"
)  # fmt: skip
NOT_ANSWERED = "Not answered (blank)"
FLAG_CODES = ((0, "No"), (1, "Yes"))
STATED_COLUMNS = [f"sector_{code}" for code, _ in STATED_SECTORS]
TIME_COLUMNS = ["consented_at", "first_answer_at", "submitted_at"]


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    kind: str
    # (value, label) of every code the column may hold; blank is "not answered" everywhere.
    codes: tuple = ()
    # The wording shown, by language code (statements and the open question).
    question: dict = field(default_factory=dict)
    # The missing-value codes among `codes` (-88 "I don't know").
    missing: tuple = ()


def iso_utc(moment) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def background_variables() -> list[Variable]:
    """The respondent's columns before the answers, in wide and long files alike."""
    labels = dict(SECTOR_GROUPS) | dict(STATED_SECTORS)
    collapsed = tuple((group, labels.get(group, group)) for group, _ in STATED_COLLAPSE)
    stated = [
        Variable(f"sector_{code}", f"Stated sector: {label} (chosen = 1)", FLAG, FLAG_CODES)
        for code, label in STATED_SECTORS
    ]
    return [
        Variable("respondent", "Respondent pseudonym (the same in every export)", ID),
        Variable("test", "Test response by the researchers (1 = test)", FLAG, FLAG_CODES),
        Variable("language", "Language the expert answered in", CATEGORY),
        Variable("sector", "Stated sector, collapsed as in the paper", CATEGORY, collapsed),
        Variable("assigned_sector", "Sector assigned by the researchers", CATEGORY,
                 tuple(SECTOR_GROUPS)),
        *stated,
        Variable("gender", "Gender", CATEGORY, tuple(GENDERS)),
        Variable("consented_at", "Consent time (UTC, ISO 8601)", TIME),
        Variable("first_answer_at", "First answer time (UTC, ISO 8601)", TIME),
        Variable("submitted_at", "Submission time (UTC, ISO 8601)", TIME),
        Variable("duration_seconds", "Seconds from consent to submission", NUMBER),
    ]  # fmt: skip


def _wordings(survey, statements) -> dict[int, dict[str, str]]:
    """Each statement's wording in each further language the survey offers."""
    found: dict[int, dict[str, str]] = {}
    rows = StatementTranslation.objects.filter(
        statement__in=[statement.pk for statement in statements],
        language__in=[code for code in survey.languages or [] if code != survey.language],
    ).values_list("statement_id", "language", "text")
    for statement_id, language, text in rows:
        found.setdefault(statement_id, {})[language] = text
    return found


def survey_statements(survey) -> list:
    return list(survey.statements.order_by("number"))


def wide_variables(survey, *, anonymous: bool = True, statements=None) -> list[Variable]:
    """Every column of the wide file, in order."""
    statements = statements if statements is not None else survey_statements(survey)
    wordings = _wordings(survey, statements)
    scale = tuple(SCALE)
    answers = [
        Variable(
            f"S{statement.number}",
            f"S{statement.number}. {statement.title}",
            CODE,
            scale,
            {survey.language: statement.text, **wordings.get(statement.pk, {})},
            (DONT_KNOW,),
        )
        for statement in statements
    ]
    open_question = {survey.language: survey.open_question}
    for code, texts in (survey.translations or {}).items():
        if texts.get("open_question"):
            open_question[code] = texts["open_question"]
    tail = [
        Variable("open_answer", "Answer to the open question", TEXT, (), open_question),
        Variable("order_shown", "Statement numbers in the order shown", TEXT),
    ]
    identity = []
    if not anonymous:
        identity = [Variable("name", "Name", TEXT), Variable("email", "Email", TEXT)]
    return background_variables() + answers + tail + identity


def round_variable(rounds: int, label: str = "Round of the Delphi study (1 outside a study)"):
    """The `round` column: numbered rounds, each code labelled; never blank."""
    codes = tuple((number, f"Round {number}") for number in range(1, rounds + 1))
    return Variable("round", label, ROUND, codes)


def study_variables(rounds: list, *, anonymous: bool = True) -> list[Variable]:
    """Every column of the wide file across rounds: the first round's wide columns but its
    answers, the round the background comes from, then S{n}_r{k} for each statement asked in
    round k, labelled with the round."""
    first = wide_variables(rounds[0], anonymous=anonymous)
    background = [v for v in first if v.kind != CODE]
    split = len(background_variables())
    head, tail = background[:split], background[split:]
    label = "Round of the expert's first response in the study (the background columns' round)"
    answers = []
    for survey in rounds:
        for variable in wide_variables(survey):
            if variable.kind == CODE:
                number, title = variable.label.split(". ", 1)
                answers.append(
                    replace(
                        variable,
                        name=f"{variable.name}_r{survey.round_number}",
                        label=f"{number}, round {survey.round_number}: {title}",
                    )
                )
    return head + [round_variable(len(rounds), label)] + answers + tail
