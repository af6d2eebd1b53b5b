"""The expert's language (reads): which languages a survey offers, which one an expert gets,
and the survey's and statements' texts in it.

A survey is written in `Survey.language`; `Survey.translations` holds its texts in further
languages ({code: {field: text}}), `Section.translations` its section titles and
`statements.StatementTranslation` the statements'. A language is offered once every text the
expert meets exists in it."""

import copy
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from statements.models import Statement, StatementTranslation

from ..models import Answer, Invitation, Response, Survey

LANGUAGE_NAMES = dict(settings.LANGUAGES)
# The survey's texts an expert reads, and the email templates, as they may be translated.
SURVEY_TEXT_FIELDS = (
    "title",
    "introduction",
    "consent_text",
    "open_question",
    "organisation",
    "privacy_controller",
    "privacy_purpose",
    "privacy_retention",
    "privacy_rights",
    "thank_you_message",
    "results_sharing",
)
EMAIL_TEXT_FIELDS = ("invitation_subject", "invitation_body", "reminder_subject", "reminder_body")
TEXT_FIELDS = SURVEY_TEXT_FIELDS + EMAIL_TEXT_FIELDS


@dataclass(frozen=True)
class LanguageGaps:
    """What a language still lacks: survey fields, section ids, statement ids."""

    fields: list[str]
    sections: list[int]
    statements: list[int]

    @property
    def complete(self) -> bool:
        return not (self.fields or self.sections or self.statements)


def survey_texts(*, survey: Survey, language: str) -> dict[str, str]:
    if language == survey.language:
        return {field: getattr(survey, field) for field in TEXT_FIELDS}
    stored = survey.translations.get(language)
    return {field: str(stored.get(field, "")) for field in TEXT_FIELDS} if stored else {}


def language_gaps(*, survey: Survey, language: str) -> LanguageGaps:
    """Every text the survey has in its own language that `language` lacks (two queries)."""
    texts = survey_texts(survey=survey, language=language)
    fields = [f for f in TEXT_FIELDS if getattr(survey, f).strip() and not texts.get(f, "").strip()]
    sections = [
        section.pk
        for section in survey.sections.all()
        if not str(section.translations.get(language, "")).strip()
    ]
    translated = StatementTranslation.objects.filter(
        statement__items__survey=survey, language=language
    ).values_list("statement_id", flat=True)
    statements = list(
        survey.items.exclude(statement_id__in=translated)
        .order_by("position", "pk")
        .values_list("statement_id", flat=True)
    )
    return LanguageGaps(fields, sections, statements)


def survey_languages_offered(*, survey: Survey) -> list[str]:
    """The survey's own language first, then each further one whose texts all exist."""
    offered = [survey.language]
    for code in LANGUAGE_NAMES:
        further = code != survey.language and code in survey.translations
        if further and language_gaps(survey=survey, language=code).complete:
            offered.append(code)
    return offered


def language_choices(*, survey: Survey) -> list[tuple[str, str]]:
    """The languages an expert may choose on the landing page (none when only one)."""
    offered = survey_languages_offered(survey=survey)
    return [(code, LANGUAGE_NAMES[code]) for code in offered] if len(offered) > 1 else []


def expert_language(*, invitation: Invitation, requested: str = "") -> str:
    """The language to show an expert who has not started: the one asked for, else the
    expert's own when known, else the survey's; always one the survey offers."""
    offered = survey_languages_offered(survey=invitation.survey)
    if len(offered) == 1:
        return offered[0]  # the usual survey, in one language: no query for the expert
    for code in (requested, invitation.expert.language):
        if code in offered:
            return code
    return invitation.survey.language


def email_language(*, invitation: Invitation) -> str:
    """The language to write to an expert in: the one they answer in once they consented,
    before that their own when the survey offers it, else the survey's."""
    if not invitation.survey.translations:
        return invitation.survey.language  # the usual survey, in one language: no query
    try:
        if invitation.response.language:
            return invitation.response.language
    except Response.DoesNotExist:
        pass
    own = invitation.expert.language
    if own and own in survey_languages_offered(survey=invitation.survey):
        return own
    return invitation.survey.language


def request_language(request) -> str:
    """For pages without an invitation (unknown link, ended session): the browser's choice."""
    return translation.get_language_from_request(request)


def _read_only(*args, **kwargs):
    raise TypeError("A survey shown in a translation is read-only.")


def survey_in_language(*, survey: Survey, language: str) -> Survey:
    """A read-only copy of the survey with its texts in `language` where they exist."""
    if language == survey.language:
        return survey
    shown = copy.copy(survey)
    for field, text in survey_texts(survey=survey, language=language).items():
        if text.strip() and field in SURVEY_TEXT_FIELDS:
            setattr(shown, field, text)
    shown.save = _read_only
    return shown


def statements_in_language(
    *, statements: list[Statement], survey: Survey, language: str
) -> list[Statement]:
    """The statements (fresh instances, read only) with their title and text in `language`;
    in the survey's own language, as they are (no query)."""
    if not statements or language in ("", survey.language):
        return statements
    found = StatementTranslation.objects.filter(
        statement_id__in=[s.pk for s in statements], language=language
    )
    by_id = {t.statement_id: t for t in found}
    for statement in statements:
        if statement.pk in by_id:
            statement.title, statement.text = by_id[statement.pk].title, by_id[statement.pk].text
    return statements


def statements_answered_in(*, survey: Survey, language: str) -> set[int]:
    """The survey's statements that have an answer given in `language`: their translation
    in it is frozen, as the original is once answered."""
    return set(
        Answer.objects.filter(survey=survey, response__language=language)
        .values_list("statement_id", flat=True)
        .distinct()
    )


def translation_stored(*, survey: Survey, language: str) -> dict:
    """What the researchers have entered in `language`: its texts, section titles and
    statements ({id: (title, text)}), for the Translations page."""
    statements = StatementTranslation.objects.filter(
        statement__items__survey=survey, language=language
    )
    return {
        "texts": survey_texts(survey=survey, language=language),
        "sections": {s.pk: s.translations.get(language, "") for s in survey.sections.all()},
        "statements": {t.statement_id: (t.title, t.text) for t in statements},
    }
