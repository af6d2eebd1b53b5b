"""A Delphi study's rows across its rounds: the wide file with a row per expert and a column
S{n}_r{k} per statement n asked in round k, and what each expert was shown before answering
(`FeedbackShown` joined to the answer saved after it). Plain rows, the header first, for the
writers. Outside a study both hold the one round: S{n}_r1, and no feedback rows.

The wide rows are gathered in memory (a Delphi panel is small; a row per expert, a few
numbers per answer); the feedback rows come from one query, the answers from another."""

import json

from ...choices import DONT_KNOW, SCALE
from ...models import Answer, FeedbackShown, SharedReason
from .respondents import iso_utc, respondent_records
from .study import rounds_of, study_ids
from .variables import background_variables, study_variables

FEEDBACK_COUNTS = [f"count_{'dk' if code == DONT_KNOW else code}" for code, _ in SCALE]
FEEDBACK_COLUMNS = (
    ["respondent", "round", "response_id", "statement", "shown_at", "previous_value"]
    + ["shown", "n", *FEEDBACK_COUNTS, "median", "q1", "q3", "realtime", "by_sector"]
    + ["reason_ids", "reason_texts", "answer", "answered_at", "answer_after", "changed"]
)


def responses_wide_rounds_rows(survey, *, anonymous: bool = True, include_test: bool = False):
    rounds = rounds_of(survey)
    variables = study_variables(rounds, anonymous=anonymous)
    yield [variable.name for variable in variables]
    ids = study_ids(rounds)
    head = [v.name for v in background_variables()][1:]
    experts: dict[str, dict] = {}
    for survey_round in rounds:
        k = survey_round.round_number
        numbers = dict(survey_round.statements.values_list("pk", "number"))
        for person, answers in respondent_records(
            survey_round, include_test=include_test, comments=False
        ):
            row = experts.get(ids[person["response"]])
            if row is None:
                row = experts[ids[person["response"]]] = _background(person, k, numbers, head)
            for pk, value in answers.items():
                if pk in numbers and value is not None:
                    row[f"S{numbers[pk]}_r{k}"] = value
    for study_id, row in experts.items():
        yield [study_id if v.name == "respondent" else row.get(v.name, "") for v in variables]


def _background(person: dict, round_number: int, numbers: dict, names: list) -> dict:
    """The expert's columns from their first response in the study."""
    row = {name: person[name] for name in names}
    row["round"] = round_number
    row["open_answer"] = person["open_answer"]
    row["order_shown"] = " ".join(str(numbers[pk]) for pk in person["order"] if pk in numbers)
    row.update(name=person["name"], email=person["email"])
    return row


def _shown(survey, people: dict) -> list:
    # By the round, not by a list of ids: a large panel's ids would pass SQLite's limit.
    rows = (
        FeedbackShown.objects.filter(response__invitation__survey=survey)
        .order_by("response_id", "statement__number", "shown_at", "pk")
        .values_list(
            "response_id", "statement_id", "statement__number", "shown_at", "previous_value",
            "distribution", "reason_ids",
        )
    )  # fmt: skip
    return [row for row in rows if row[0] in people]


def feedback_rows(survey, *, anonymous: bool = True, include_test: bool = False):
    """A row per showing of the feedback: who (study-wide id, round, the round's pseudonym),
    which statement, when, the expert's previous answer, the distribution as shown, the
    reasons shown (ids and approved texts), and the answer saved in that round with its
    time, whether it was saved after this showing, and whether it differs from the previous
    answer."""
    yield list(FEEDBACK_COLUMNS)
    rounds = rounds_of(survey)
    ids = study_ids(rounds)
    for survey_round in rounds[1:]:
        people = {
            person["response"]: person["respondent"]
            for person, _ in respondent_records(
                survey_round, include_test=include_test, comments=False
            )
        }
        rows = _shown(survey_round, people)
        answers = _answers(survey_round)
        texts = _reason_texts(rows)
        for response, statement, number, shown_at, previous, shown, reasons in rows:
            value, answered = answers.get((response, statement), (None, None))
            yield (
                [ids[response], survey_round.round_number, people[response], number]
                + [iso_utc(shown_at), _blank(previous), *_distribution(_decoded(shown))]
                + [" ".join(map(str, reasons)), json.dumps([texts.get(r, "") for r in reasons])]
                + [_blank(value), iso_utc(answered), _after(answered, shown_at)]
                + [_changed(previous, value)]
            )


def _answers(survey) -> dict:
    return {
        (response, statement): (value, at)
        for response, statement, value, at in Answer.objects.filter(survey=survey).values_list(
            "response_id", "statement_id", "value", "updated_at"
        )
    }


def _reason_texts(rows: list) -> dict:
    wanted = {reason for row in rows for reason in row[-1]}
    return dict(SharedReason.objects.filter(pk__in=wanted).values_list("pk", "text"))


def _decoded(value):
    return json.loads(value) if isinstance(value, str) else value or {}


def _distribution(shown: dict) -> list:
    """shown, n, counts per option, median, q1, q3, realtime, by_sector: blank when hidden."""
    if not shown:
        return [0] + [""] * (len(FEEDBACK_COUNTS) + 6)
    counts = shown.get("counts") or {}
    by_sector = shown.get("by_sector")
    return (
        [1, shown.get("n", "")]
        + [counts.get(str(code), counts.get(code, 0)) for code, _ in SCALE]
        + [_blank(shown.get(key)) for key in ("median", "q1", "q3")]
        + [int(bool(shown.get("realtime"))), json.dumps(by_sector) if by_sector else ""]
    )


def _blank(value):
    return "" if value is None else value


def _after(answered, shown_at):
    return "" if answered is None else int(answered >= shown_at)


def _changed(previous, value):
    return "" if previous is None or value is None else int(previous != value)
