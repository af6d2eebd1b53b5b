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
