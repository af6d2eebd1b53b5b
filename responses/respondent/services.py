"""What an expert does: consent, answer, describe themselves, submit or decline."""

import random
import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ..audit import audit_log
from ..choices import COMMENT_MAX_LENGTH, SCALE_VALUES
from ..models import Answer, Invitation, Response, Survey
from ..results.services.counts import answers_group, counts_add
from .languages import survey_languages_offered
from .selectors import (
    ERROR_CLOSED,
    ERROR_STATEMENT,
    ERROR_SUBMITTED,
    answer_write_refusal,
    answer_write_sql,
    survey_is_open,
)

# Plain English, marked for translation: the expert's pages translate them when shown.
ERROR_VALUE = gettext_noop("Please choose one of the six answers offered.")
ERROR_COMMENT = gettext_noop("Comments can be at most 5,000 characters long.")
ERROR_COMMENT_CHARACTER = gettext_noop(
    "Your comment holds a character that cannot be saved (NUL). Please remove it."
)
ERROR_NOT_STARTED = gettext_noop("Please give your consent before answering.")
ERROR_DECLINE_REASON = gettext_noop("Please keep the reason under 5,000 characters.")


class RespondentError(Exception):
    """A refused input. Its message is shown to the expert as it is."""


@dataclass(frozen=True)
class AnswerInput:
    statement_id: int
    value: int | None
    comment: str | None  # None: keep the stored comment


# A statement id as the write rule compares it (an SQL integer): anything else is no statement.
STATEMENT_ID = re.compile(r"[0-9]{1,9}")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_answer(*, statement: str, value: str, comment: str | None) -> AnswerInput:
    """Turn posted strings into an AnswerInput, or raise RespondentError."""
    if not isinstance(statement, str) or not STATEMENT_ID.fullmatch(statement.strip()):
        raise RespondentError(ERROR_STATEMENT)
    statement_id = int(statement)
    if value in ("", None):
        parsed = None
    else:
        try:
            parsed = int(value)
        except (TypeError, ValueError):
            raise RespondentError(ERROR_VALUE) from None
        if parsed not in SCALE_VALUES:
            raise RespondentError(ERROR_VALUE)
    if comment is None:
        return AnswerInput(statement_id, parsed, None)
    comment = comment.replace("\r\n", "\n")
    if len(comment) > COMMENT_MAX_LENGTH:
        raise RespondentError(ERROR_COMMENT)
    # PostgreSQL's text cannot hold NUL, and no database takes a lone surrogate (not
    # UTF-8); no keyboard types either. Requests decode to neither, other callers may.
    if "\x00" in comment or not comment.isascii() and _has_surrogate(comment):
        raise RespondentError(ERROR_COMMENT_CHARACTER)
    return AnswerInput(statement_id, parsed, comment.strip())


def statement_order_draw(*, survey: Survey) -> list[int]:
    """The order shown to one respondent, drawn once at the first start."""
    if survey.order == Survey.Order.PAPER:
        return list(survey.statements.order_by("number").values_list("pk", flat=True))
    # The survey's own order: the positions its researchers gave the statements.
    ids = list(survey.items.order_by("position", "pk").values_list("statement_id", flat=True))
    if survey.order == Survey.Order.RANDOMIZED:
        random.Random(secrets.randbits(128)).shuffle(ids)
    return ids


def _ensure_open(invitation: Invitation) -> None:
    if not survey_is_open(survey=invitation.survey, test=invitation.is_test):
        raise RespondentError(ERROR_CLOSED)


def response_start(*, invitation: Invitation, language: str = "") -> Response:
    """Record consent, the expert's language (one the survey offers, else the survey's own)
    and draw the order; a second call returns the same response, its language unchanged."""
    _ensure_open(invitation)
    existing = Response.objects.filter(invitation=invitation).first()
    if existing is not None:
        _undo_decline(invitation)
        return existing
    try:
        with transaction.atomic():
            response = Response.objects.create(
                invitation=invitation,
                language=_offered_or_default(invitation.survey, language),
                consented_at=timezone.now(),
                statement_order=statement_order_draw(survey=invitation.survey),
            )
            audit_log(action="expert.consented", invitation=invitation, actor_label="expert")
    except IntegrityError:
        # A second tab consented at the same moment: keep its order, not ours.
        response = Response.objects.get(invitation=invitation)
    _undo_decline(invitation)
    return response


def _offered_or_default(survey: Survey, language: str) -> str:
    if language != survey.language and language in survey_languages_offered(survey=survey):
        return language
    return survey.language


def _undo_decline(invitation: Invitation) -> None:
    if invitation.declined_at is not None:
        Invitation.objects.filter(pk=invitation.pk).update(declined_at=None, decline_reason="")
        invitation.declined_at, invitation.decline_reason = None, ""
        audit_log(action="expert.undeclined", invitation=invitation, actor_label="expert")


def _check_writable(response: Response, statement_ids, link_hash: str) -> None:
    refusal = answer_write_refusal(
        response=response, link_hash=link_hash, statement_ids=statement_ids
    )
    if refusal is not None:
        raise RespondentError(refusal)


def answers_save(*, response: Response, answers: list[AnswerInput], link_hash: str) -> None:
    """Upsert answers in one statement (ON CONFLICT DO UPDATE): two tabs never duplicate a
    row, and within a statement the last write wins. Returns once the write is committed.
    `link_hash` is the hash of the link that opened the expert's session (see WRITE_RULE)."""
    if not answers:
        return
    _check_writable(response, [answer.statement_id for answer in answers], link_hash)
    now = timezone.now()
    invitation = response.invitation
    first_answer = invitation.started_at is None and any(a.value is not None for a in answers)
    if not first_answer:
        # Each upsert commits on its own under autocommit: no transaction to open.
        _upsert(response, answers, now)
        return
    with transaction.atomic():
        _upsert(response, answers, now)
        if _mark_started(invitation, now):
            audit_log(action="expert.started", invitation=invitation, actor_label="expert")


def _upsert(response: Response, answers: list[AnswerInput], now) -> None:
    """One INSERT ... ON CONFLICT DO UPDATE per kind of write: with and without a comment."""
    for keep_comment in (False, True):
        rows = [
            Answer(
                response=response,
                survey_id=response.invitation.survey_id,
                statement_id=answer.statement_id,
                value=answer.value,
                comment=answer.comment or "",
                updated_at=now,
            )
            for answer in answers
            if (answer.comment is None) == keep_comment
        ]
        if rows:
            fields = ["value", "updated_at"] if keep_comment else ["value", "comment", "updated_at"]
            Answer.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["response", "statement"],
                update_fields=fields,
            )


def _mark_started(invitation: Invitation, now) -> bool:
    claimed = Invitation.objects.filter(pk=invitation.pk, started_at__isnull=True).update(
        started_at=now
    )
    invitation.started_at = invitation.started_at or now
    return bool(claimed)


# The autosave's usual case in one statement: the upsert carries the write rule
# (respondent/selectors.py), so a save costs one round trip and no ORM work. It also asks for
# an invitation already started: the first answer takes the full path, which marks the start.
# Anything it does not accept falls back to the full path, which decides and explains.
_DIRECT_UPSERT = """
INSERT INTO {answer} (survey_id, response_id, statement_id, value, comment, updated_at)
SELECT s.id, r.id, %s, %s, %s, %s
FROM {invitation} i
JOIN {survey} s ON s.id = i.survey_id
JOIN {response} r ON r.invitation_id = i.id
WHERE i.id = %s AND i.started_at IS NOT NULL AND {rule}
ON CONFLICT (response_id, statement_id) DO UPDATE
SET value = excluded.value, {comment}updated_at = excluded.updated_at
"""


def answer_save_direct(*, invitation_id: int, link_hash: str, answer: AnswerInput) -> bool:
    """Save one answer if the invitation is started and the rule allows the session opened
    with the link of `link_hash`; False to fall back."""
    rule = answer_write_sql(connection.vendor)
    if rule is None:
        return False
    condition, names = rule
    sql = _DIRECT_UPSERT.format(
        answer=Answer._meta.db_table,
        invitation=Invitation._meta.db_table,
        survey=Survey._meta.db_table,
        response=Response._meta.db_table,
        rule=condition,
        comment="" if answer.comment is None else "comment = excluded.comment, ",
    )
    now = timezone.now()
    values = {"now": now, "statement": answer.statement_id, "link": link_hash, "test": True}
    params = [answer.statement_id, answer.value, answer.comment or "", now, invitation_id]
    params += [values[name] for name in names]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def answer_save(*, response: Response, answer: AnswerInput, link_hash: str) -> None:
    answers_save(response=response, answers=[answer], link_hash=link_hash)


@transaction.atomic
def response_background_save(
    *, response: Response, sectors: list[str], gender: str, open_answer: str, link_hash: str
) -> Response:
    _check_writable(response, [], link_hash)
    response.sectors, response.gender, response.open_answer = sectors, gender, open_answer
    response.save(update_fields=["sectors", "gender", "open_answer", "updated_at"])
    return response


def response_submit(*, response: Response) -> Response:
    """Idempotent: a double click or a second tab gets the same, single submission time."""
    if response.submitted_at is not None:
        return response
    _ensure_open(response.invitation)
    now = timezone.now()
    invitation = response.invitation
    with transaction.atomic():
        claimed = Response.objects.filter(pk=response.pk, submitted_at__isnull=True).update(
            submitted_at=now, updated_at=now
        )
        if claimed:
            Invitation.objects.filter(pk=invitation.pk).update(submitted_at=now)
            answers_group(response_ids=[response.pk])
            counts_add(response_ids=[response.pk], sign=1)
            Survey.objects.filter(pk=invitation.survey_id, results_stale_since__isnull=True).update(
                results_stale_since=now
            )
            audit_log(action="expert.submitted", invitation=invitation, actor_label="expert")
    response.refresh_from_db(fields=["submitted_at"])
    invitation.submitted_at = response.submitted_at
    return response


@transaction.atomic
def invitation_decline(*, invitation: Invitation, reason: str) -> Invitation:
    reason = (reason or "").strip()
    if len(reason) > 5000:
        raise RespondentError(ERROR_DECLINE_REASON)
    if invitation.submitted_at is not None:
        raise RespondentError(ERROR_SUBMITTED)
    if invitation.declined_at is None:
        now = timezone.now()
        Invitation.objects.filter(pk=invitation.pk, declined_at__isnull=True).update(
            declined_at=now, decline_reason=reason
        )
        invitation.declined_at, invitation.decline_reason = now, reason
        audit_log(action="expert.declined", invitation=invitation, actor_label="expert")
    return invitation


ERROR_REASON = gettext_noop(
    "Please give a reason for your changed answer to: {statements}. Your answers are kept."
)


def reasons_missing(*, response: Response, answers: dict[int, tuple], statements) -> list:
    """The statements (of `statements`) whose answer, as `answers` {id: (value, comment)}
    would leave it, moved far enough from the previous round's to need a reason and has
    none (delphi.reason_required)."""
    from .delphi import reason_required
    from .feedback import previous_values

    survey = response.invitation.survey
    if survey.previous_round_id is None:
        return []
    ids = [statement.pk for statement in statements]
    previous = previous_values(invitation=response.invitation, statement_ids=ids)
    missing = []
    for statement in statements:
        value, comment = answers.get(statement.pk, (None, ""))
        needs = reason_required(
            previous=previous.get(statement.pk),
            new=value,
            points=survey.reason_points,
            on_crossing=survey.reason_on_crossing,
        )
        if needs and not (comment or "").strip():
            missing.append(statement)
    return missing


def feedback_record(*, response: Response, feedback: dict) -> int:
    """FeedbackShown rows for what a page shows, {statement id: delphi Feedback}, where it
    differs from that statement's last row for this response: one read, one bulk insert."""
    from ..models import FeedbackShown

    last: dict[int, FeedbackShown] = {}
    rows = FeedbackShown.objects.filter(response=response, statement_id__in=list(feedback))
    for row in rows.order_by("statement_id", "shown_at", "pk"):
        last[row.statement_id] = row
    now = timezone.now()
    new = []
    for sid, item in feedback.items():
        reason_ids = [reason.pk for reason in item.reasons]
        seen = last.get(sid)
        current = (item.previous_value, item.distribution, reason_ids)
        if seen is not None and (seen.previous_value, seen.distribution, seen.reason_ids) == (
            current
        ):
            continue
        new.append(
            FeedbackShown(
                response=response,
                statement_id=sid,
                shown_at=now,
                previous_value=item.previous_value,
                distribution=item.distribution,
                reason_ids=reason_ids,
            )
        )
    FeedbackShown.objects.bulk_create(new)
    return len(new)


def response_reasons_missing(*, response: Response) -> list:
    """The statements of the whole questionnaire still needing a reason (see reasons_missing)."""
    if response.invitation.survey.previous_round_id is None:
        return []
    from .selectors import answers_by_statement, statements_shown

    answers = {
        sid: (answer.value, answer.comment)
        for sid, answer in answers_by_statement(response=response).items()
    }
    shown = statements_shown(response=response, ids=list(answers))
    return reasons_missing(response=response, answers=answers, statements=shown)
