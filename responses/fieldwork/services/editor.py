"""The survey editor's writes: a new survey (from the paper's statements or as a copy of
another), its settings and texts, its background questions and its reminder schedule. Every
change is checked before anything is saved, and audited."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from statements.models import Statement
from statements.services import catalogue_rows

from ...audit import audit_log
from ...choices import GENDERS, STATED_SECTORS
from ...models import Section, Survey, SurveyItem
from ..selectors import background_answered
from .emails import ERROR_QUIET_DAYS, EmailError, schedule_check
from .lifecycle import DEFAULT_CONSENT, DEFAULT_INTRODUCTION, RESERVED_SLUGS

ERROR_TITLE = "A survey needs a title."
ERROR_COPY_UNKNOWN = "Choose one of your surveys to copy, or start from the paper's statements."
ERROR_DATES_ORDER = "The survey must open before it closes."
ERROR_CLOSES_PAST = "The closing date must lie in the future."
ERROR_PAGE_SIZE = "Statements per page must lie between 1 and 50."
ERROR_GROUP_SIZE = "The minimum group size must lie between 1 and 100."
ERROR_MINUTES = "The estimated time must lie between 1 and 300 minutes."
ERROR_ORDER = "Choose an order: randomized, questionnaire or paper."
ERROR_LABEL_EMPTY = "Every option needs a label (the {question} option '{default}' has none)."
ERROR_LABELS_ANSWERED = (
    "Experts have already answered the {question} question: its option labels can no longer "
    "change, so that every answer keeps the words the expert saw."
)
ERROR_DAYS_OVER_MAX = (
    "{days} reminder days are set but at most {max} reminder(s) may go out: remove days or "
    "raise the maximum."
)

# What a copy takes over: texts, email templates and settings. Never the experts,
# invitations, answers, dates, status or the frozen consensus record.
COPIED_FIELDS = (
    "introduction", "consent_text", "open_question", "statements_per_page", "order",
    "organisation", "contact_name", "contact_email", "privacy_controller", "privacy_purpose",
    "privacy_retention", "privacy_rights", "thank_you_message", "results_sharing",
    "estimated_minutes", "language", "languages", "translations", "ask_sector", "ask_gender",
    "background_labels", "researcher_name", "invitation_subject", "invitation_body",
    "reminder_subject", "reminder_body", "reminder_days", "reminder_max", "reminder_quiet_days",
    "min_group_size", "partial_threshold", "consensus_rule",
)  # fmt: skip
SETTINGS_FIELDS = (
    "title", "organisation", "contact_name", "contact_email", "privacy_controller",
    "privacy_purpose", "privacy_retention", "privacy_rights", "introduction", "consent_text",
    "thank_you_message", "estimated_minutes", "opens_at", "closes_at", "statements_per_page",
    "order", "min_group_size",
)  # fmt: skip
BACKGROUND_OPTIONS = {"sector": STATED_SECTORS, "gender": GENDERS}
MAX_SLUG = 50


class EditorError(Exception):
    pass


def slug_derive(title: str) -> str:
    """The title as a slug, made unique with a number where another survey has it."""
    base = slugify(title)[: MAX_SLUG - 4].strip("-") or "survey"
    slug, number = base, 1
    while slug in RESERVED_SLUGS or Survey.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def survey_new(*, title: str, owner, copy_from: Survey | None = None) -> Survey:
    """A draft survey: the paper's statements in questionnaire order and the default texts,
    or everything `copy_from` is made of but its people and their answers."""
    title = title.strip()
    if not title:
        raise EditorError(ERROR_TITLE)
    survey = Survey(title=title, slug=slug_derive(title), owner=owner, status=Survey.Status.DRAFT)
    if copy_from is None:
        survey.introduction, survey.consent_text = DEFAULT_INTRODUCTION, DEFAULT_CONSENT
        survey.save()
        _paper_items(survey)
    else:
        for name in COPIED_FIELDS:
            setattr(survey, name, getattr(copy_from, name))
        survey.save()
        items_copy(copy_from, survey)
    data = {"slug": survey.slug, "copy_of": copy_from.slug if copy_from else None}
    audit_log(action="survey.created", survey=survey, actor=owner, data=data)
    return survey


def _paper_items(survey: Survey) -> None:
    numbers = [row["number"] for row in catalogue_rows()]
    ids = Statement.objects.filter(number__in=numbers).order_by("questionnaire_position")
    SurveyItem.objects.bulk_create(
        SurveyItem(survey=survey, statement_id=pk, position=position)
        for position, pk in enumerate(ids.values_list("pk", flat=True), start=1)
    )


def items_copy(source: Survey, survey: Survey) -> None:
    sections = {}
    for section in source.sections.all():
        sections[section.pk] = Section.objects.create(
            survey=survey,
            position=section.position,
            title=section.title,
            translations=section.translations,
        )
    SurveyItem.objects.bulk_create(
        SurveyItem(
            survey=survey,
            statement_id=item.statement_id,
            position=item.position,
            section=sections.get(item.section_id),
        )
        for item in source.items.all()
    )


def _settings_check(survey: Survey, fields: dict) -> None:
    if not fields["title"].strip():
        raise EditorError(ERROR_TITLE)
    opens, closes = fields["opens_at"], fields["closes_at"]
    if opens and closes and opens >= closes:
        raise EditorError(ERROR_DATES_ORDER)
    if closes and closes != survey.closes_at and closes <= timezone.now():
        raise EditorError(ERROR_CLOSES_PAST)
    if not 1 <= fields["statements_per_page"] <= 50:
        raise EditorError(ERROR_PAGE_SIZE)
    if not 1 <= fields["min_group_size"] <= 100:
        raise EditorError(ERROR_GROUP_SIZE)
    minutes = fields["estimated_minutes"]
    if minutes is not None and not 1 <= minutes <= 300:
        raise EditorError(ERROR_MINUTES)
    if fields["order"] not in Survey.Order.values:
        raise EditorError(ERROR_ORDER)


def _save_changed(survey: Survey, fields: dict) -> list[str]:
    changed = [name for name, value in fields.items() if getattr(survey, name) != value]
    for name in changed:
        setattr(survey, name, fields[name])
    if changed:
        survey.save(update_fields=changed)
    return changed


@transaction.atomic
def survey_settings_save(*, survey: Survey, actor, **fields) -> list[str]:
    """The editor's settings and texts (SETTINGS_FIELDS), all checked before any is saved.
    Returns the names of the fields that changed; one audit event names them."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"not a setting: {sorted(unknown)}")
    fields = {key: val.strip() if isinstance(val, str) else val for key, val in fields.items()}
    _settings_check(survey, fields)
    changed = _save_changed(survey, fields)
    if changed:
        audit_log(
            action="survey.settings_changed", survey=survey, actor=actor, data={"changed": changed}
        )
    return changed


def background_labels_current(survey: Survey) -> dict[str, dict[str, str]]:
    """Each option's label as experts see it: the survey's own wording or the paper's."""
    own = survey.background_labels or {}
    return {
        question: {code: (own.get(question) or {}).get(code) or label for code, label in options}
        for question, options in BACKGROUND_OPTIONS.items()
    }


def _labels_own(question: str, labels: dict[str, str]) -> dict[str, str]:
    """The labels that differ from the paper's, which is all the survey stores."""
    own = {}
    for code, default in BACKGROUND_OPTIONS[question]:
        label = (labels.get(code) or "").strip()
        if not label:
            raise EditorError(ERROR_LABEL_EMPTY.format(question=question, default=default))
        if label != default:
            own[code] = label
    return own


@transaction.atomic
def survey_background_save(
    *, survey: Survey, actor, ask_sector: bool, ask_gender: bool, labels: dict[str, dict]
) -> list[str]:
    """Which background questions are asked, and their option labels. A question's labels
    are frozen once an expert has answered it; turning a question off is always possible."""
    current = background_labels_current(survey)
    stored = {}
    for question in BACKGROUND_OPTIONS:
        own = _labels_own(question, labels.get(question, current[question]))
        if own != (survey.background_labels or {}).get(question, {}) and background_answered(
            survey, question=question
        ):
            raise EditorError(ERROR_LABELS_ANSWERED.format(question=question))
        if own:
            stored[question] = own
    fields = {"ask_sector": ask_sector, "ask_gender": ask_gender, "background_labels": stored}
    changed = _save_changed(survey, fields)
    if changed:
        data = {"changed": changed, "ask_sector": ask_sector, "ask_gender": ask_gender}
        audit_log(action="survey.background_changed", survey=survey, actor=actor, data=data)
    return changed


@transaction.atomic
def survey_reminders_save(
    *,
    survey: Survey,
    actor,
    reminder_days: list[int],
    reminder_max: int,
    reminder_quiet_days: int | None = None,
) -> list[str]:
    """The automatic reminders: days after the invitation, rising, how many at most, and
    (when given) the quiet days in which no reminder follows an email."""
    try:
        schedule_check(reminder_days=reminder_days, reminder_max=reminder_max)
    except EmailError as error:
        raise EditorError(str(error)) from None
    if len(reminder_days) > reminder_max:
        raise EditorError(ERROR_DAYS_OVER_MAX.format(days=len(reminder_days), max=reminder_max))
    fields = {"reminder_days": reminder_days, "reminder_max": reminder_max}
    if reminder_quiet_days is not None:
        if not 0 <= reminder_quiet_days <= 60:
            raise EditorError(ERROR_QUIET_DAYS)
        fields["reminder_quiet_days"] = reminder_quiet_days
    changed = _save_changed(survey, fields)
    if changed:
        audit_log(action="survey.reminders_changed", survey=survey, actor=actor, data=fields)
    return changed
