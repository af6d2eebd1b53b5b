"""The raw responses' rows, streamed from the database: wide (a row per respondent), long (a
row per answer or comment) and the comments alone. Data first, format last: each generator
yields plain rows, the header first, for a writer (writers.py, labelled.py).

Two cursors are read side by side, both in response order: the respondents, and the
survey's answers (one query each, never a model instance). On PostgreSQL both are
server-side cursors inside one read transaction, so rows are fetched as they are written
and memory stays flat however large the panel (outside a transaction a cursor would be
WITH HOLD, which the server computes whole before the first row). SQLite reads without a
transaction: ours takes the write lock at its start, and autosaves would wait on it.

Rows come in response order (the order of consent); the pseudonym, drawn once at random and
stored, is the respondent's id in every file and format, so wide and long files join on it.

Only submitted responses that were not withdrawn appear; test responses only with
`include_test`. Anonymous by default: no name, no email."""

import contextlib
import itertools
from datetime import UTC

from django.db import connection, transaction

from ...models import Answer, Expert, Invitation, Response
from ..group_keys import stated_sector
from .study import rounds_of, study_ids
from .variables import (
    STATED_COLUMNS,
    background_variables,
    iso_utc,
    survey_statements,
    wide_variables,
)

WIDE_FIXED = ["respondent", "sector", "gender"]
WIDE_TAIL = ["open_answer", "order_shown"]
LONG_ROUND = ["round", "response_id"]
LONG_STATEMENT = ["statement", "value", "comment"]
COMMENT_COLUMNS = ["respondent", "statement", "comment"]
_STATED_CODES = [column.removeprefix("sector_") for column in STATED_COLUMNS]
_CHUNK = 1000  # rows per fetch: a few MB of Python objects at a time


def _respondents_sql(survey_id: int, include_test: bool) -> tuple[str, list]:
    test = "" if include_test else " AND NOT i.is_test"
    sql = (
        "SELECT r.id, r.pseudonym, i.is_test, r.language, r.sectors, e.sector, r.gender, "  # noqa: S608
        "r.consented_at, i.started_at, r.submitted_at, r.open_answer, r.statement_order, "
        f"e.name, e.email FROM {Response._meta.db_table} r "
        f"JOIN {Invitation._meta.db_table} i ON i.id = r.invitation_id "
        f"JOIN {Expert._meta.db_table} e ON e.id = i.expert_id "
        f"WHERE i.survey_id = %s AND r.submitted_at IS NOT NULL AND r.withdrawn_at IS NULL{test} "
        "ORDER BY r.id"
    )
    return sql, [survey_id]


def _stream(sql: str, params: list):
    """Rows of one query through a server-side cursor (PostgreSQL), in chunks."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(_CHUNK):
            yield from chunk


def _answers(survey_id: int, comments: bool):
    """(response id, {statement id: value}) per response, in response order, or with
    `comments` {statement id: (value, comment)}. PostgreSQL gathers each response's answers
    into arrays itself (a row per respondent reaches Python, not one per answer); elsewhere
    the answers are grouped here."""
    table = Answer._meta.db_table
    if connection.vendor == "postgresql":
        comment = ", array_agg(comment)" if comments else ""
        sql = (
            f"SELECT response_id, array_agg(statement_id), array_agg(value){comment} "  # noqa: S608
            f"FROM {table} WHERE survey_id = %s GROUP BY response_id ORDER BY response_id"
        )
        for pk, ids, *columns in _stream(sql, [survey_id]):
            values = zip(*columns, strict=True) if comments else columns[0]
            yield pk, dict(zip(ids, values, strict=True))
        return
    sql = (
        f"SELECT response_id, statement_id, value, comment FROM {table} "  # noqa: S608
        "WHERE survey_id = %s ORDER BY response_id, statement_id"
    )
    for pk, rows in itertools.groupby(_stream(sql, [survey_id]), key=lambda row: row[0]):
        if comments:
            yield pk, {row[1]: (row[2], row[3]) for row in rows}
        else:
            yield pk, {row[1]: row[2] for row in rows}


def _json(value):
    # Raw cursors return a JSON column as text on SQLite and decoded on PostgreSQL.
    if isinstance(value, str):
        import json

        return json.loads(value)
    return value


def _time(value):
    # SQLite returns text; the ORM's converter is skipped by a raw cursor.
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # stored in UTC (USE_TZ)
    return value


def _read_transaction():
    if connection.vendor == "postgresql":
        return transaction.atomic()
    return contextlib.nullcontext()


def respondent_records(survey, *, include_test: bool = False, comments: bool = True):
    """(respondent, answers) per respondent: a dict of the respondent's fields and their
    answers as {statement id: (value, comment)} (without `comments`: {statement id: value}),
    merged from the two streams."""
    with _read_transaction():
        answers = _answers(survey.pk, comments)
        pending = next(answers, None)
        for row in _stream(*_respondents_sql(survey.pk, include_test)):
            while pending is not None and pending[0] < row[0]:
                pending = next(answers, None)
            mine = pending[1] if pending is not None and pending[0] == row[0] else {}
            yield _person(row), mine
        answers.close()


def _person(row) -> dict:
    consented, started, submitted = (_time(value) for value in row[7:10])
    sectors = _json(row[4]) or []
    person = {
        "response": row[0],
        "respondent": row[1],
        "test": int(bool(row[2])),
        "language": row[3],
        "sector": stated_sector(sectors),
        "assigned_sector": row[5],
        "gender": row[6],
        "consented_at": iso_utc(consented),
        "first_answer_at": iso_utc(started),
        "submitted_at": iso_utc(submitted),
        "duration_seconds": round((submitted - consented).total_seconds()),
        "open_answer": row[10],
        "order": _json(row[11]) or [],
        "name": row[12],
        "email": row[13],
    }
    person.update({f"sector_{code}": int(code in sectors) for code in _STATED_CODES})
    return person


def _numbered(survey) -> list[tuple[int, int]]:
    """(statement id, paper number) of the survey's statements, in paper order."""
    return list(survey.statements.order_by("number").values_list("pk", "number"))


def responses_wide_rows(survey, *, anonymous: bool = True, include_test: bool = False):
    statements = survey_statements(survey)
    yield [v.name for v in wide_variables(survey, anonymous=anonymous, statements=statements)]
    background = [variable.name for variable in background_variables()]
    number_of = {statement.pk: statement.number for statement in statements}
    identity = [] if anonymous else ["name", "email"]
    records = respondent_records(survey, include_test=include_test, comments=False)
    for person, answers in records:
        row = [person[name] for name in background]
        get = answers.get
        row += ["" if (value := get(pk)) is None else value for pk in number_of]
        order = " ".join(str(number_of[pk]) for pk in person["order"] if pk in number_of)
        row += [person["open_answer"], order]
        row += [person[key] for key in identity]
        yield row


def long_header() -> list[str]:
    return [variable.name for variable in background_variables()] + LONG_ROUND + LONG_STATEMENT


def responses_long_rows(survey, *, anonymous: bool = True, include_test: bool = False):
    """A row per answer or comment (an answer cleared but commented has a blank value). In
    a Delphi study, every round's rows, round by round: `respondent` is the study-wide id,
    `response_id` the round's own pseudonym (outside a study, both the pseudonym)."""
    header = long_header()
    yield header
    names = header[1 : -len(LONG_ROUND + LONG_STATEMENT)]
    rounds = rounds_of(survey)
    ids = study_ids(rounds) if len(rounds) > 1 else {}
    for round_survey in rounds:
        numbered = _numbered(round_survey)
        records = respondent_records(round_survey, include_test=include_test)
        for person, answers in records:
            own = person["respondent"]
            fixed = [ids.get(person["response"], own), *(person[name] for name in names)]
            fixed += [round_survey.round_number, own]
            for pk, number in numbered:
                value, comment = answers.get(pk, (None, ""))
                if value is not None or comment:
                    yield fixed + [number, "" if value is None else value, comment]


def long_row_count(survey, *, include_test: bool = False) -> int:
    """The long file's rows: answers with a value or a comment, of the exported responses
    of every round of the study."""
    answers = Answer.objects.filter(
        survey__in=rounds_of(survey),
        response__submitted_at__isnull=False,
        response__withdrawn_at__isnull=True,
    ).exclude(value__isnull=True, comment="")
    if not include_test:
        answers = answers.filter(response__invitation__is_test=False)
    return answers.count()


def comments_rows(survey, *, anonymous: bool = True, include_test: bool = False):
    """The per-statement comments on their own: respondent, statement number, comment."""
    yield list(COMMENT_COLUMNS)
    numbered = _numbered(survey)
    for person, answers in respondent_records(survey, include_test=include_test):
        for pk, number in numbered:
            comment = answers.get(pk, (None, ""))[1]
            if comment:
                yield [person["respondent"], number, comment]
