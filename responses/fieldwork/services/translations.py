"""A survey's texts in a further language: its own fields and email templates
(Survey.translations), its section titles (Section.translations) and its statements
(statements.StatementTranslation). The survey offers the language once all exist
(respondent/languages.py); a statement's translation is frozen once answered in it."""

from dataclasses import dataclass

from django.db import transaction

from statements.models import StatementTranslation

from ...audit import audit_log
from ...models import Survey
from ...respondent import languages
from .emails import EmailError, template_check

ERROR_LANGUAGE = "Choose one of the languages the site offers, other than the survey's own."
ERROR_STATEMENT_HALF = "Statement {number}: give both its title and its text, or neither."
ERROR_TITLE_LENGTH = "Statement {number}: the title can be at most 200 characters long."
ERROR_FROZEN = (
    "Statement {number} has answers in this language: its translation is frozen so that "
    "every answer keeps the exact text the expert saw."
)
ERROR_SHORT_TEXT = "The survey's title and the email subjects can be at most 200 characters long."
ERROR_NOT_IN_SURVEY = "A statement or section that is not part of this survey was sent."


class TranslationError(Exception):
    pass


@dataclass(frozen=True)
class StatementText:
    statement_id: int
    title: str
    text: str


def language_check(*, survey: Survey, language: str) -> None:
    if language not in languages.LANGUAGE_NAMES or language == survey.language:
        raise TranslationError(ERROR_LANGUAGE)


def _texts_check(texts: dict[str, str]) -> dict[str, str]:
    cleaned = {field: texts.get(field, "").strip() for field in languages.TEXT_FIELDS}
    if any(len(cleaned[f]) > 200 for f in ("title", "invitation_subject", "reminder_subject")):
        raise TranslationError(ERROR_SHORT_TEXT)
    try:
        for field in ("invitation_subject", "reminder_subject"):
            template_check(cleaned[field])
        for field in ("invitation_body", "reminder_body"):
            if cleaned[field]:
                template_check(cleaned[field], needs_link=True)
    except EmailError as error:
        raise TranslationError(str(error)) from None
    return {field: text for field, text in cleaned.items() if text}


def _statements_check(survey: Survey, language: str, statements: list[StatementText]) -> dict:
    """{statement id: (title, text) or None to delete}, only for those that change."""
    numbers = dict(survey.items.values_list("statement_id", "statement__number"))
    stored = {
        t.statement_id: (t.title, t.text)
        for t in StatementTranslation.objects.filter(statement_id__in=numbers, language=language)
    }
    frozen = languages.statements_answered_in(survey=survey, language=language)
    changes = {}
    for item in statements:
        if item.statement_id not in numbers:
            raise TranslationError(ERROR_NOT_IN_SURVEY)
        number, title, text = numbers[item.statement_id], item.title.strip(), item.text.strip()
        if bool(title) != bool(text):
            raise TranslationError(ERROR_STATEMENT_HALF.format(number=number))
        if len(title) > 200:
            raise TranslationError(ERROR_TITLE_LENGTH.format(number=number))
        new = (title, text) if title else None
        if new != stored.get(item.statement_id):
            if item.statement_id in frozen:
                raise TranslationError(ERROR_FROZEN.format(number=number))
            changes[item.statement_id] = new
    return changes


def _sections_check(survey: Survey, sections: dict[int, str]) -> dict:
    known = {section.pk: section for section in survey.sections.all()}
    if set(sections) - set(known):
        raise TranslationError(ERROR_NOT_IN_SURVEY)
    return {known[pk]: title.strip()[:200] for pk, title in sections.items()}


@transaction.atomic
def survey_translation_save(
    *,
    survey: Survey,
    actor,
    language: str,
    texts: dict[str, str],
    sections: dict[int, str],
    statements: list[StatementText],
) -> Survey:
    """Save the survey's texts in `language`, all checked before any is written: a refusal
    changes nothing. One audit event names what changed; the survey's `languages` then lists
    the languages it offers."""
    language_check(survey=survey, language=language)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    cleaned = _texts_check(texts)
    statement_changes = _statements_check(survey, language, statements)
    section_titles = _sections_check(survey, sections)
    before = survey.translations.get(language, {})
    fields = sorted(set(cleaned.items()) ^ set(before.items()))
    changed = sorted({field for field, _ in fields})
    if changed:
        survey.translations = survey.translations | {language: cleaned}
        survey.save(update_fields=["translations"])
    changed_sections = _sections_write(section_titles, language)
    _statements_write(statement_changes, language)
    offered = languages.survey_languages_offered(survey=survey)
    if offered != survey.languages:
        survey.languages = offered
        survey.save(update_fields=["languages"])
    if changed or changed_sections or statement_changes:
        data = {
            "language": language,
            "changed": changed,
            "sections": changed_sections,
            "statements": sorted(statement_changes),
            "offered": offered,
        }
        audit_log(action="survey.translation_changed", survey=survey, actor=actor, data=data)
    return survey


def _sections_write(titles: dict, language: str) -> list[int]:
    changed = []
    for section, title in titles.items():
        if section.translations.get(language, "") != title:
            section.translations = section.translations | {language: title}
            if not title:
                section.translations.pop(language)
            section.save(update_fields=["translations"])
            changed.append(section.pk)
    return changed


def _statements_write(changes: dict, language: str) -> None:
    for statement_id, new in changes.items():
        if new is None:
            StatementTranslation.objects.filter(
                statement_id=statement_id, language=language
            ).delete()
        else:
            StatementTranslation.objects.update_or_create(
                statement_id=statement_id,
                language=language,
                defaults={"title": new[0], "text": new[1]},
            )
