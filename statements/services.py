import csv
from pathlib import Path

from django.db import transaction

from .models import Statement
from .selectors import statement_has_answers

CATALOGUE_CSV = Path(__file__).resolve().parent / "data" / "statements.csv"

ERROR_WORDING_FROZEN = (
    "This statement already has answers: its wording is frozen so that every answer keeps "
    "the exact text the expert saw."
)


class StatementFrozen(Exception):
    pass


def catalogue_rows(path: Path = CATALOGUE_CSV) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {
                "number": int(row["number"]),
                "questionnaire_position": int(row["questionnaire_position"]),
                "title": row["title"].strip(),
                "text": row["text"].strip(),
                "wording": row["wording"].strip(),
            }
            for row in csv.DictReader(handle)
        ]


@transaction.atomic
def statements_load(*, model=Statement) -> int:
    """Create the catalogue's statements that are missing; never touch existing wordings."""
    existing = set(model.objects.values_list("number", flat=True))
    new = [model(**row) for row in catalogue_rows() if row["number"] not in existing]
    model.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def statement_update(*, statement: Statement, title: str, text: str, wording: str) -> Statement:
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement_has_answers(statement=locked):
        raise StatementFrozen(ERROR_WORDING_FROZEN)
    locked.title, locked.text, locked.wording = title, text, wording
    locked.full_clean()
    locked.save()
    return locked


ERROR_TITLE = "A statement needs a title (at most 200 characters)."
ERROR_TEXT = "A statement needs a text."


class StatementInvalid(Exception):
    pass


def wording_clean(*, title: str, text: str) -> tuple[str, str]:
    title, text = title.strip(), text.strip()
    if not title or len(title) > 200:
        raise StatementInvalid(ERROR_TITLE)
    if not text:
        raise StatementInvalid(ERROR_TEXT)
    return title, text


@transaction.atomic
def statement_create(*, title: str, text: str, wording: str = Statement.Wording.VERBATIM):
    """A new statement of the catalogue, numbered after the paper's."""
    title, text = wording_clean(title=title, text=text)
    last = Statement.objects.select_for_update().order_by("-number").first()
    last_position = Statement.objects.order_by("-questionnaire_position").first()
    return Statement.objects.create(
        number=(last.number if last else 0) + 1,
        questionnaire_position=(last_position.questionnaire_position if last_position else 0) + 1,
        title=title,
        text=text,
        wording=wording,
    )
