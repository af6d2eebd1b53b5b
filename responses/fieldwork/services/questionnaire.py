"""A survey's questionnaire in the editor: its statements (picked from the catalogue or new),
their wording while unanswered, their order, and the titled sections that group them.

The positions of SurveyItem are the questionnaire order the respondent room reads. Sections
are kept contiguous: the items without a section come first, then each section's in the
section's position, and every change renumbers the items 1..n in that order."""

from django.db import transaction

from statements.models import Statement
from statements.selectors import statement_has_answers
from statements.services import (
    ERROR_WORDING_FROZEN,
    StatementFrozen,
    StatementInvalid,
    statement_create,
    statement_update,
    wording_clean,
)

from ...audit import audit_log
from ...models import Section, Survey, SurveyItem
from ..selectors import survey_has_responses

ERROR_FIXED = (
    "Experts have started answering this survey: its statements can no longer be added, "
    "removed or moved."
)
ERROR_ALREADY_IN = "This statement is in the survey already."
ERROR_SHARED_STARTED = (
    "This statement is also in another survey, and experts have started this one: its "
    "wording cannot change here."
)
ERROR_SECTION_TITLE = "A section needs a title (at most 200 characters)."
ERROR_DIRECTION = "Choose up or down."
ERROR_SECTION_UNKNOWN = "Choose one of this survey's sections."
ERROR_WORDING = "Choose whether the wording is final or provisional."
ERROR_LAST_STATEMENT = "A survey needs at least one statement."


class QuestionnaireError(Exception):
    pass


def _fixed_check(survey: Survey) -> None:
    if survey_has_responses(survey):
        raise QuestionnaireError(ERROR_FIXED)


def _ordered(survey: Survey) -> list[SurveyItem]:
    items = list(survey.items.select_related("section"))
    return sorted(items, key=lambda i: (i.section.position if i.section else 0, i.position, i.pk))


def _renumber(survey: Survey) -> None:
    items = _ordered(survey)
    for position, item in enumerate(items, start=1):
        item.position = position
    SurveyItem.objects.bulk_update(items, ["position"])


def _log(survey: Survey, actor, action: str, **data) -> None:
    audit_log(action=f"survey.{action}", survey=survey, actor=actor, data=data)


@transaction.atomic
def item_add(*, survey: Survey, statement: Statement, actor) -> SurveyItem:
    """A catalogue statement joins the survey, at the end of the statements without a
    section."""
    _fixed_check(survey)
    if survey.items.filter(statement=statement).exists():
        raise QuestionnaireError(ERROR_ALREADY_IN)
    last = survey.items.order_by("-position").values_list("position", flat=True).first() or 0
    item = SurveyItem.objects.create(survey=survey, statement=statement, position=last + 1)
    _renumber(survey)
    _log(survey, actor, "statement_added", statement=statement.number)
    return item


@transaction.atomic
def item_new(*, survey: Survey, title: str, text: str, actor) -> SurveyItem:
    """A statement of the researchers' own: new in the catalogue, and in the survey."""
    _fixed_check(survey)
    try:
        statement = statement_create(title=title, text=text)
    except StatementInvalid as error:
        raise QuestionnaireError(str(error)) from None
    return item_add(survey=survey, statement=statement, actor=actor)


@transaction.atomic
def item_remove(*, item: SurveyItem, actor) -> None:
    survey = item.survey
    _fixed_check(survey)
    if survey.items.count() == 1:
        raise QuestionnaireError(ERROR_LAST_STATEMENT)
    number = item.statement.number
    item.delete()
    _renumber(survey)
    _log(survey, actor, "statement_removed", statement=number)


@transaction.atomic
def item_move(*, item: SurveyItem, direction: str, actor) -> None:
    """One place up or down. At the edge of its section the statement moves into the
    neighbouring section (the one above or below), so up and down reach every place."""
    if direction not in ("up", "down"):
        raise QuestionnaireError(ERROR_DIRECTION)
    survey = item.survey
    _fixed_check(survey)
    items = _ordered(survey)
    index = next(i for i, row in enumerate(items) if row.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return
    mine, theirs = items[index], items[other]
    if mine.section_id == theirs.section_id:
        mine.position, theirs.position = theirs.position, mine.position
        SurveyItem.objects.bulk_update([mine, theirs], ["position"])
    else:
        # Into the neighbour's section, next to the neighbour.
        mine.section_id = theirs.section_id
        mine.position = theirs.position + (1 if direction == "up" else -1)
        mine.save(update_fields=["section", "position"])
    _renumber(survey)
    _log(survey, actor, "statement_moved", statement=item.statement.number, direction=direction)


@transaction.atomic
def item_section_set(*, item: SurveyItem, section: Section | None, actor) -> None:
    """The statement joins `section` (None: no section), at its end."""
    survey = item.survey
    _fixed_check(survey)
    if section is not None and section.survey_id != survey.pk:
        raise QuestionnaireError(ERROR_SECTION_UNKNOWN)
    item.section = section
    item.position = survey.items.count() + 1000
    item.save(update_fields=["section", "position"])
    _renumber(survey)
    title = section.title if section else None
    _log(survey, actor, "statement_sectioned", statement=item.statement.number, section=title)


@transaction.atomic
def item_wording_save(*, item: SurveyItem, title: str, text: str, wording: str, actor) -> None:
    """A new wording while nobody has answered the statement. The catalogue's statement is
    changed in place when this survey is its only one; one that other surveys use is copied,
    so their wording stays as it is."""
    survey, statement = item.survey, item.statement
    if wording not in Statement.Wording.values:
        raise QuestionnaireError(ERROR_WORDING)
    if statement_has_answers(statement=statement):
        raise QuestionnaireError(ERROR_WORDING_FROZEN)
    try:
        title, text = wording_clean(title=title, text=text)
        if statement.items.exclude(survey=survey).exists():
            if survey_has_responses(survey):
                raise QuestionnaireError(ERROR_SHARED_STARTED)
            item.statement = statement_create(title=title, text=text, wording=wording)
            item.save(update_fields=["statement"])
        else:
            statement_update(statement=statement, title=title, text=text, wording=wording)
    except (StatementFrozen, StatementInvalid) as error:
        raise QuestionnaireError(str(error)) from None
    _log(survey, actor, "statement_reworded", statement=item.statement.number, was=statement.number)


def _section_title(title: str) -> str:
    title = title.strip()
    if not title or len(title) > 200:
        raise QuestionnaireError(ERROR_SECTION_TITLE)
    return title


@transaction.atomic
def section_add(*, survey: Survey, title: str, actor) -> Section:
    """A new, empty section after the others (its statements are moved into it)."""
    title = _section_title(title)
    last = survey.sections.order_by("-position").values_list("position", flat=True).first() or 0
    section = Section.objects.create(survey=survey, position=last + 1, title=title)
    _log(survey, actor, "section_added", section=title)
    return section


@transaction.atomic
def section_rename(*, section: Section, title: str, actor) -> None:
    title = _section_title(title)
    before, section.title = section.title, title
    section.save(update_fields=["title"])
    _log(section.survey, actor, "section_renamed", section=title, was=before)


@transaction.atomic
def section_move(*, section: Section, direction: str, actor) -> None:
    if direction not in ("up", "down"):
        raise QuestionnaireError(ERROR_DIRECTION)
    survey = section.survey
    _fixed_check(survey)
    sections = list(survey.sections.order_by("position", "pk"))
    index = next(i for i, row in enumerate(sections) if row.pk == section.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(sections):
        return
    sections[index], sections[other] = sections[other], sections[index]
    for position, row in enumerate(sections, start=1):
        row.position = position
    Section.objects.bulk_update(sections, ["position"])
    _renumber(survey)
    _log(survey, actor, "section_moved", section=section.title, direction=direction)


@transaction.atomic
def section_delete(*, section: Section, actor) -> None:
    """The section goes; its statements stay, without a section."""
    survey = section.survey
    if section.items.exists():
        _fixed_check(survey)
    title = section.title
    section.delete()
    _renumber(survey)
    _log(survey, actor, "section_deleted", section=title)
