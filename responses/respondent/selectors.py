"""Reads of the expert's side, and the one rule that decides whether an answer may be written.

Each read returns plain values or querysets with their joins chosen here."""

import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from statements.models import Statement

from .. import links
from ..choices import GENDERS, SCALE, STATED_SECTORS
from ..models import Answer, Invitation, Response, Survey
from .languages import statements_in_language

# Marked for translation, kept as plain English: the expert's pages translate them when shown
# (session.json_refusal, the views), so services and tests compare the constants as they are.
ERROR_SESSION_ENDED = gettext_noop(
    "Your session has ended. Your choice is still on screen but was not saved: please open "
    "your personal link from the invitation email again, then continue."
)
ERROR_REVOKED = gettext_noop(
    "This personal link was withdrawn. Please ask the researchers for a new one."
)
ERROR_CLOSED = gettext_noop(
    "This survey has closed. The answers you saved before it closed are kept."
)
ERROR_NOT_OPEN = gettext_noop("This survey is not open yet.")
ERROR_SUBMITTED = gettext_noop("Your answers were already submitted and can no longer be changed.")
ERROR_STATEMENT = gettext_noop("This statement is not part of your questionnaire.")
NOT_ANSWERED = gettext_noop("Not answered")
# The background questions, shown in the expert's language wherever they are read.
QUESTION_SECTORS = _("In which sector(s) do you work? Choose all that apply.")
QUESTION_GENDER = _("What is your gender?")
QUESTION_OPEN = _("Anything else you would like to tell us?")


@dataclass(frozen=True)
class WriteState:
    """What the rule looks at: the invitation, its survey and response, the statement, now,
    and the hash of the link that opened the expert's session."""

    invitation: Invitation
    survey: Survey
    response: Response
    statement_id: int | None
    now: datetime
    link_hash: str


@dataclass(frozen=True)
class WriteCondition:
    """One condition of the rule, in both forms side by side so that they cannot drift:
    `sql` over the aliases i (invitation), s (survey) and r (response), with `params` naming
    its placeholders' values ("now", "statement", "link", or "test": True); `holds` is its
    Python twin."""

    refusal: str
    sql: str
    params: tuple[str, ...]
    holds: Callable[[WriteState], bool]


IN_ORDER_SQL = {
    "postgresql": "r.statement_order @> to_jsonb(%s::integer)",
    "sqlite": "EXISTS (SELECT 1 FROM json_each(r.statement_order) o WHERE o.value = %s)",
}

# May this invitation write this answer now? The first condition that fails gives the
# refusal. The autosave's single SQL statement (respondent/services.py) is the conjunction of
# `sql`; the full path checks `holds`. tests/respondent/test_write_rule.py proves they agree.
WRITE_RULE = (
    # A session lives as long as the link that opened it: "Regenerate link" ends it too.
    WriteCondition(
        ERROR_SESSION_ENDED,
        "i.link_hash = %s",
        ("link",),
        lambda w: hmac.compare_digest(w.invitation.link_hash, w.link_hash),
    ),
    WriteCondition(
        ERROR_REVOKED, "i.revoked_at IS NULL", (), lambda w: w.invitation.revoked_at is None
    ),
    # A researcher's test invitation may be walked through before the survey opens.
    WriteCondition(
        ERROR_NOT_OPEN,
        "(s.status <> 'draft' OR i.is_test = %s)",
        ("test",),
        lambda w: w.survey.status != Survey.Status.DRAFT or w.invitation.is_test,
    ),
    WriteCondition(
        ERROR_CLOSED, "s.status <> 'closed'", (), lambda w: w.survey.status != Survey.Status.CLOSED
    ),
    WriteCondition(
        ERROR_NOT_OPEN,
        "(s.opens_at IS NULL OR s.opens_at <= %s OR i.is_test = %s)",
        ("now", "test"),
        lambda w: w.survey.opens_at is None or w.survey.opens_at <= w.now or w.invitation.is_test,
    ),
    WriteCondition(
        ERROR_CLOSED,
        "(s.closes_at IS NULL OR s.closes_at > %s)",
        ("now",),
        lambda w: w.survey.closes_at is None or w.survey.closes_at > w.now,
    ),
    WriteCondition(
        ERROR_SUBMITTED, "r.submitted_at IS NULL", (), lambda w: w.response.submitted_at is None
    ),
    WriteCondition(
        ERROR_STATEMENT,
        "{in_order}",
        ("statement",),
        lambda w: w.statement_id is None or w.statement_id in w.response.statement_order,
    ),
)


def answer_write_refusal(
    *, response: Response, link_hash: str, statement_ids=(), now: datetime | None = None
) -> str | None:
    """Why the rule refuses to write these statements' answers now, for the session opened
    with the link of `link_hash`, or None when it allows."""
    invitation = response.invitation
    now = now or timezone.now()
    for statement_id in list(statement_ids) or [None]:
        state = WriteState(invitation, invitation.survey, response, statement_id, now, link_hash)
        for condition in WRITE_RULE:
            if not condition.holds(state):
                return condition.refusal
    return None


def answer_write_sql(vendor: str) -> tuple[str, tuple[str, ...]] | None:
    """The rule as one SQL condition and the names of its parameters, in order; None on a
    database we have no statement-in-order test for."""
    in_order = IN_ORDER_SQL.get(vendor)
    if in_order is None:
        return None
    sql = " AND ".join(c.sql.format(in_order=in_order) for c in WRITE_RULE)
    return sql, tuple(name for c in WRITE_RULE for name in c.params)


def invitation_by_secret(*, secret: str) -> Invitation | None:
    """The live invitation a link opens, or None for unknown, malformed and revoked links."""
    if not links.is_well_formed(secret):
        return None
    invitation = (
        Invitation.objects.select_related("survey", "expert")
        .filter(link_hash=links.link_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if invitation is None or not links.link_matches(nonce=invitation.link_nonce, secret=secret):
        return None
    return invitation


@dataclass(frozen=True)
class LinkRound:
    """Where a personal link leads in a Delphi study: the invitation of the latest round the
    expert is on (None when that one is revoked), or `not_on_panel`, a later round that is
    under way without them."""

    invitation: Invitation | None
    not_on_panel: Survey | None = None


def invitation_current_round(*, invitation: Invitation) -> LinkRound:
    """The link opens the first round's invitation; it leads on to the expert's invitation to
    each later round once that round is out of draft (a test invitation: at once)."""
    current = invitation
    while True:
        following = (
            Invitation.objects.select_related("survey", "expert").filter(previous=current).first()
        )
        if following is None:
            break
        if following.survey.status == Survey.Status.DRAFT and not following.is_test:
            return LinkRound(current)
        current = following
    later = (
        Survey.objects.filter(previous_round_id=current.survey_id)
        .exclude(status=Survey.Status.DRAFT)
        .first()
    )
    if later is not None and not current.is_test:
        return LinkRound(None, not_on_panel=later)
    return LinkRound(current if current.revoked_at is None else None)


def invitation_for_session(*, invitation_id: int, link_hash: str) -> Invitation | None:
    """The session's invitation while the link that opened the session is still its link and
    not revoked; None once the link is regenerated or revoked."""
    # Every expert request runs this, autosaves included: no Expert join (the pages never
    # show it) and no ORDER BY (the pk is unique), which halves the ORM's work here.
    rows = (
        Invitation.objects.select_related("survey", "response")
        .filter(pk=invitation_id, link_hash=link_hash, revoked_at__isnull=True)
        .order_by()[:1]
    )
    return next(iter(rows), None)


def survey_closed_on(*, survey: Survey, now: datetime | None = None) -> datetime | None:
    """When the survey closed, or None while it has not."""
    now = now or timezone.now()
    if survey.status == Survey.Status.CLOSED:
        return survey.closed_at or survey.closes_at or now
    if survey.closes_at is not None and survey.closes_at <= now:
        return survey.closes_at
    return None


def survey_is_open(*, survey: Survey, now: datetime | None = None, test: bool = False) -> bool:
    """Open for experts now; with `test`, for a researcher's test invitation, which may walk
    through a draft survey or one that opens later (never a closed one)."""
    now = now or timezone.now()
    statuses = (Survey.Status.OPEN, Survey.Status.DRAFT) if test else (Survey.Status.OPEN,)
    return (
        survey.status in statuses
        and (test or survey.opens_at is None or survey.opens_at <= now)
        and survey_closed_on(survey=survey, now=now) is None
    )


def response_or_none(invitation: Invitation) -> Response | None:
    try:
        return invitation.response
    except Response.DoesNotExist:
        return None


def page_count(*, response: Response, per_page: int) -> int:
    return max(1, math.ceil(len(response.statement_order) / per_page))


def page_statement_ids(*, response: Response, per_page: int, number: int) -> list[int]:
    start = (number - 1) * per_page
    return response.statement_order[start : start + per_page]


def page_of_statement(*, response: Response, per_page: int, statement_id: int) -> int:
    return response.statement_order.index(statement_id) // per_page + 1


def statements_in_order(*, ids: list[int], survey: Survey | None = None) -> list[Statement]:
    """The statements of `ids` in that order; with `survey`, each carries `section_title`,
    the title of its section in that survey ("" for none), read in the same query."""
    statements = Statement.objects.filter(pk__in=ids)
    if survey is not None:
        # A LEFT JOIN to the survey's item: cheaper to build and run than a subquery.
        item = FilteredRelation("items", condition=Q(items__survey=survey))
        statements = statements.alias(item=item).annotate(
            section_title=F("item__section__title"),
            section_translations=F("item__section__translations"),
        )
    by_id = {statement.pk: statement for statement in statements}
    return [by_id[pk] for pk in ids if pk in by_id]


def statements_shown(
    *, response: Response, ids: list[int], sections: bool = False
) -> list[Statement]:
    """The statements in order, worded in the language the expert answers in; with
    `sections`, each carries `section_title` in that language too (see statements_in_order)."""
    survey = response.invitation.survey
    statements = statements_in_order(ids=ids, survey=survey if sections else None)
    language = response.language
    if sections and language not in ("", survey.language):
        for statement in statements:
            own = getattr(statement, "section_translations", None) or {}
            statement.section_title = own.get(language) or statement.section_title
    return statements_in_language(statements=statements, survey=survey, language=language)


def answers_by_statement(*, response: Response, statement_ids=None) -> dict[int, Answer]:
    queryset = Answer.objects.filter(response=response)
    if statement_ids is not None:
        queryset = queryset.filter(statement_id__in=statement_ids)
    return {answer.statement_id: answer for answer in queryset}


def answered_count(*, response: Response) -> int:
    return Answer.objects.filter(response=response, value__isnull=False).count()


def answered_ids(*, response: Response) -> set[int]:
    return set(
        Answer.objects.filter(response=response, value__isnull=False).values_list(
            "statement_id", flat=True
        )
    )


def resume_page(*, response: Response, per_page: int, answered: set[int]) -> int | None:
    """The page of the first statement not answered yet, in the order shown; None when every
    statement is answered (the expert goes on to the review)."""
    for index, statement_id in enumerate(response.statement_order):
        if statement_id not in answered:
            return index // per_page + 1
    return None


def survey_statement_count(*, survey: Survey) -> int:
    return survey.items.count()


def unanswered_by_page(*, response: Response, per_page: int) -> list[dict]:
    """The statements not answered yet, grouped by the page that shows them, in order:
    [{"page": 2, "statements": [...]}, ...]."""
    answered = answered_ids(response=response)
    missing = [pk for pk in response.statement_order if pk not in answered]
    groups: list[dict] = []
    for statement in statements_shown(response=response, ids=missing):
        number = page_of_statement(response=response, per_page=per_page, statement_id=statement.pk)
        if not groups or groups[-1]["page"] != number:
            groups.append({"page": number, "statements": []})
        groups[-1]["statements"].append(statement)
    return groups


def background_labels(*, survey: Survey, kind: str) -> list[tuple[str, str]]:
    """The options of the sector or gender question, with the researchers' rewordings."""
    choices = STATED_SECTORS if kind == "sector" else GENDERS
    own = (survey.background_labels or {}).get(kind) or {}
    return [(code, own.get(code) or gettext(label)) for code, label in choices]


def background_rows(*, survey: Survey, response: Response) -> list[dict]:
    """The background answers as the expert gave them, for the read-only record."""
    rows = []
    if survey.ask_sector:
        labels = dict(background_labels(survey=survey, kind="sector"))
        answer = ", ".join(str(labels.get(code, code)) for code in response.sectors or [])
        rows.append({"question": QUESTION_SECTORS, "answer": answer})
    if survey.ask_gender:
        labels = dict(background_labels(survey=survey, kind="gender"))
        rows.append({"question": QUESTION_GENDER, "answer": labels.get(response.gender, "")})
    if survey.open_question or response.open_answer:
        question = survey.open_question or QUESTION_OPEN
        rows.append({"question": question, "answer": response.open_answer})
    return rows


def answer_rows(*, response: Response) -> list[dict]:
    """The expert's answers in the order shown, with labels: the read-only record."""
    labels = dict(SCALE)
    answers = answers_by_statement(response=response)
    rows = []
    for statement in statements_shown(response=response, ids=response.statement_order):
        answer = answers.get(statement.pk)
        value = answer.value if answer else None
        rows.append(
            {
                "statement": statement,
                "label": gettext(labels.get(value, NOT_ANSWERED)),
                "comment": answer.comment if answer else "",
            }
        )
    return rows


def questionnaire_order(*, survey: Survey) -> list[int]:
    """The statements in the order a respondent is shown them, without a respondent: the
    paper's order, or the survey's own (a randomized survey shuffles it per respondent)."""
    if survey.order == Survey.Order.PAPER:
        return list(survey.statements.order_by("number").values_list("pk", flat=True))
    return list(survey.items.order_by("position", "pk").values_list("statement_id", flat=True))
