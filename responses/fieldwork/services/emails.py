"""Invitation and reminder emails: templates with merge fields, checked and saved, and
rendered for one invitation as text and HTML. Sending is deliveries.py."""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext, gettext_noop

from ...audit import audit_log
from ...links import invitation_decline_url, invitation_url
from ...models import EmailDelivery, Invitation, Survey
from ...respondent import languages

Kind = EmailDelivery.Kind

# The defaults are marked for translation and stay English here: an email is rendered in the
# expert's language (email_render), where they are translated.
DEFAULT_INVITATION_SUBJECT = gettext_noop("Invitation: {survey_title}")
DEFAULT_INVITATION_BODY = gettext_noop("""Dear {name},

We are surveying experts on best practices in AGI safety and governance, and we would value
your view. The questionnaire asks how much you agree with 50 statements and takes about
20 minutes. Every question is optional and your answers are saved as you go.

Your personal link (please do not forward it):
{link}

The survey closes on {closing_date}.

If you prefer not to take part, tell us here and we will not write again:
{decline_link}

With thanks,
{researcher_name}""")
DEFAULT_REMINDER_SUBJECT = gettext_noop("Reminder: {survey_title}")
DEFAULT_REMINDER_BODY = gettext_noop("""Dear {name},

A short reminder of our survey on best practices in AGI safety and governance. If you have
already started, your answers are saved and you can continue where you stopped.

Your personal link:
{link}

The survey closes on {closing_date}.

If you prefer not to take part: {decline_link}

With thanks,
{researcher_name}""")

MERGE_FIELDS = {
    "name": "the expert's name",
    "link": "the expert's personal link",
    "decline_link": "the link to decline",
    "closing_date": "the survey's closing date",
    "researcher_name": "your name as the sender",
    "survey_title": "the survey's title",
}
_FIELD = re.compile(r"\{([A-Za-z_]+)\}")
_LINK_FIELDS = {"link", "decline_link"}

ERROR_UNKNOWN_FIELD = "Unknown merge field {{{field}}}. Use: {choices}."
ERROR_LINK_MISSING = "The body must contain {link}, the expert's personal link."
ERROR_NOT_OPEN = "Open the survey before sending invitations or reminders."
ERROR_NOTHING_SELECTED = "Select at least one expert."
ERROR_REMINDER_DAYS = "Reminder days must be whole numbers of days between 1 and 365, rising."
ERROR_REMINDER_MAX = "The maximum number of reminders must lie between 0 and 10."

NO_CLOSING_DATE = gettext_noop("(no closing date set)")
DEFAULT_SENDER = gettext_noop("The survey team")


class EmailError(Exception):
    pass


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    to: str


def template_check(text: str, *, needs_link: bool = False) -> None:
    for name in _FIELD.findall(text):
        if name not in MERGE_FIELDS:
            choices = ", ".join("{" + field + "}" for field in MERGE_FIELDS)
            raise EmailError(ERROR_UNKNOWN_FIELD.format(field=name, choices=choices))
    if needs_link and "{link}" not in text:
        raise EmailError(ERROR_LINK_MISSING)


_DEFAULTS = {
    "invitation_subject": DEFAULT_INVITATION_SUBJECT,
    "invitation_body": DEFAULT_INVITATION_BODY,
    "reminder_subject": DEFAULT_REMINDER_SUBJECT,
    "reminder_body": DEFAULT_REMINDER_BODY,
}


def survey_templates(survey: Survey, language: str = "") -> dict[str, str]:
    """The survey's own templates in `language` (its own by default), or the defaults, in
    the active language, where a field is empty."""
    own = languages.survey_texts(survey=survey, language=language or survey.language)
    return {field: own.get(field) or gettext(default) for field, default in _DEFAULTS.items()}


def merge_values(invitation: Invitation) -> dict[str, str]:
    """The merge fields in the active language (the survey's texts in it, when translated)."""
    survey = languages.survey_in_language(
        survey=invitation.survey, language=translation.get_language()
    )
    closes = timezone.localtime(survey.closes_at) if survey.closes_at else None
    return {
        "name": invitation.expert.name,
        "link": invitation_url(invitation),
        "decline_link": invitation_decline_url(invitation),
        "closing_date": date_format(closes, "j F Y") if closes else gettext(NO_CLOSING_DATE),
        "researcher_name": survey.researcher_name or gettext(DEFAULT_SENDER),
        "survey_title": survey.title,
    }


def _merge_text(template: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _merge_html_line(line: str, values: dict[str, str]) -> str:
    parts, last = [], 0
    for match in _FIELD.finditer(line):
        parts.append(escape(line[last : match.start()]))
        name = match.group(1)
        value = values.get(name, match.group(0))
        if name in _LINK_FIELDS:
            parts.append(f'<a href="{escape(value)}">{escape(value)}</a>')
        else:
            parts.append(escape(value))
        last = match.end()
    parts.append(escape(line[last:]))
    return "".join(parts)


def _merge_html(template: str, values: dict[str, str]) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", template.replace("\r\n", "\n")) if p.strip()]
    body = "".join(
        "<p>" + "<br>\n".join(_merge_html_line(line, values) for line in p.split("\n")) + "</p>\n"
        for p in paragraphs
    )
    lang = translation.get_language()
    return f'<!doctype html>\n<html lang="{lang}"><body>\n{body}</body></html>\n'


def email_render(*, invitation: Invitation, kind: str) -> RenderedEmail:
    """The email in the expert's language (respondent/languages.py: email_language)."""
    language = languages.email_language(invitation=invitation)
    with translation.override(language):
        return _render(invitation, kind, language)


def _render(invitation: Invitation, kind: str, language: str) -> RenderedEmail:
    templates = survey_templates(invitation.survey, language)
    values = merge_values(invitation)
    subject = _merge_text(templates[f"{kind}_subject"], values).replace("\n", " ")
    body = templates[f"{kind}_body"]
    return RenderedEmail(
        subject=subject,
        text=_merge_text(body, values),
        html=_merge_html(body, values),
        to=invitation.expert.email,
    )


def schedule_check(*, reminder_days: list[int], reminder_max: int) -> None:
    if any(not 1 <= day <= 365 for day in reminder_days) or reminder_days != sorted(
        set(reminder_days)
    ):
        raise EmailError(ERROR_REMINDER_DAYS)
    if not 0 <= reminder_max <= 10:
        raise EmailError(ERROR_REMINDER_MAX)


@transaction.atomic
def survey_emails_save(
    *,
    survey: Survey,
    actor,
    researcher_name: str,
    invitation_subject: str,
    invitation_body: str,
    reminder_subject: str,
    reminder_body: str,
    reminder_days: list[int],
    reminder_max: int,
) -> Survey:
    """The email page's settings, all checked before any is saved: a refusal changes
    nothing. One audit event names the fields that changed."""
    for text in (invitation_subject, reminder_subject):
        template_check(text)
    for text in (invitation_body, reminder_body):
        template_check(text, needs_link=True)
    schedule_check(reminder_days=reminder_days, reminder_max=reminder_max)
    fields = {
        "researcher_name": researcher_name.strip(),
        "invitation_subject": invitation_subject,
        "invitation_body": invitation_body,
        "reminder_subject": reminder_subject,
        "reminder_body": reminder_body,
        "reminder_days": reminder_days,
        "reminder_max": reminder_max,
    }
    changed = [name for name, value in fields.items() if getattr(survey, name) != value]
    for name in changed:
        setattr(survey, name, fields[name])
    if changed:
        survey.save(update_fields=changed)
        data = {"changed": changed, "reminder_days": reminder_days, "reminder_max": reminder_max}
        audit_log(action="survey.emails_changed", survey=survey, actor=actor, data=data)
    return survey
