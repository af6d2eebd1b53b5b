"""Invitation and reminder emails: templates with merge fields, checked and saved, and
rendered for one invitation as text and HTML (the layout: email_html.py), from the survey's
organisation, replying to its contact. Sending is deliveries.py."""

import re
import smtplib
from dataclasses import dataclass, field, replace
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...audit import audit_log
from ...links import invitation_decline_url, invitation_url
from ...models import EmailDelivery, Invitation, Survey
from ...respondent import languages
from .email_html import email_html

Kind = EmailDelivery.Kind

# Through gettext, so that the defaults can be translated; one paragraph a line, so that
# the HTML part reflows on a phone (the text part keeps the lines as written).
DEFAULT_INVITATION_SUBJECT = gettext_lazy("Invitation: {survey_title}")
DEFAULT_INVITATION_BODY = gettext_lazy(
    "Dear {name},\n\n"
    "We are surveying experts on best practices in AGI safety and governance, and we would "
    "value your view. The questionnaire asks how much you agree with 50 statements and takes "
    "about 20 minutes. Every question is optional and your answers are saved as you go.\n\n"
    "Your personal link (please do not forward it):\n{link}\n\n"
    "The survey closes on {closing_date}.\n\n"
    "If you prefer not to take part, tell us here and we will not write again:\n"
    "{decline_link}\n\n"
    "With thanks,\n{researcher_name}"
)
DEFAULT_REMINDER_SUBJECT = gettext_lazy("Reminder: {survey_title}")
DEFAULT_REMINDER_BODY = gettext_lazy(
    "Dear {name},\n\n"
    "A short reminder of our survey on best practices in AGI safety and governance. If you "
    "have already started, your answers are saved and you can continue where you stopped."
    "\n\n"
    "Your personal link:\n{link}\n\n"
    "The survey closes on {closing_date}.\n\n"
    "If you prefer not to take part: {decline_link}\n\n"
    "With thanks,\n{researcher_name}"
)

MERGE_FIELDS = {
    "name": "the expert's name",
    "link": "the expert's personal link",
    "decline_link": "the link to decline",
    "closing_date": "the survey's closing date",
    "researcher_name": "your name as the sender",
    "survey_title": "the survey's title",
}
_FIELD = re.compile(r"\{([A-Za-z_]+)\}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

ERROR_UNKNOWN_FIELD = "Unknown merge field {{{field}}}. Use: {choices}."
ERROR_LINK_MISSING = "The body must contain {link}, the expert's personal link."
ERROR_NOT_OPEN = "Open the survey before sending invitations or reminders."
ERROR_NOTHING_SELECTED = "Select at least one expert."
ERROR_REMINDER_DAYS = "Reminder days must be whole numbers of days between 1 and 365, rising."
ERROR_REMINDER_MAX = "The maximum number of reminders must lie between 0 and 10."
ERROR_QUIET_DAYS = "The days without reminders after an email must lie between 0 and 60."
ERROR_UNKNOWN_KIND = "Choose the invitation or the reminder."
ERROR_NO_OWN_ADDRESS = "Your account has no email address, so there is nowhere to send a test."
ERROR_TEST_NOT_SENT = "The test email could not be sent: {error}"
# Well-formed, and no invitation's: the example link opens the "not valid" page.
EXAMPLE_LINK_KEY = "example-link-of-a-test-email-opens-nothing0"


class EmailError(Exception):
    pass


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    to: str
    from_email: str = ""
    reply_to: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


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
    return {field: own.get(field) or str(default) for field, default in _DEFAULTS.items()}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def sender_address(survey: Survey) -> str:
    """The survey's organisation as the name, DEFAULT_FROM_EMAIL's address."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organisation = _one_line(survey.organisation)
    return formataddr((organisation or name, address)) if address else settings.DEFAULT_FROM_EMAIL


def reply_to(survey: Survey) -> list[str]:
    if not survey.contact_email:
        return []
    return [formataddr((_one_line(survey.contact_name), survey.contact_email))]


def _survey_values(survey: Survey) -> dict[str, str]:
    closes = timezone.localtime(survey.closes_at) if survey.closes_at else None
    signature = survey.researcher_name or _one_line(survey.organisation) or _("The survey team")
    return {
        "closing_date": date_format(closes, "j F Y") if closes else "",
        "researcher_name": signature,
        "survey_title": survey.title,
    }


def merge_values(invitation: Invitation) -> dict[str, str]:
    """Each field's value in the active language (the survey's texts in it, when translated);
    an empty one drops the sentence it is in (`_drop_empty`)."""
    survey = languages.survey_in_language(
        survey=invitation.survey, language=translation.get_language()
    )
    return _survey_values(survey) | {
        "name": invitation.expert.name,
        "link": invitation_url(invitation),
        "decline_link": invitation_decline_url(invitation),
    }


def _empty_fields(text: str, values: dict[str, str]) -> bool:
    return any(values.get(name, "x").strip() == "" for name in _FIELD.findall(text))


def _drop_empty(template: str, values: dict[str, str]) -> str:
    """The template without the sentences whose merge fields have no value, and without a
    line left empty by that: no "The survey closes on ." when there is no closing date."""
    lines = []
    for line in template.replace("\r\n", "\n").split("\n"):
        if not _empty_fields(line, values):
            lines.append(line)
            continue
        kept = [s for s in _SENTENCE_END.split(line) if not _empty_fields(s, values)]
        if kept:
            lines.append(" ".join(kept))
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", "\n".join(lines)).strip("\n")


def _merge_text(template: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def email_render(*, invitation: Invitation, kind: str) -> RenderedEmail:
    """The email in the expert's language (respondent/languages.py: email_language)."""
    language = languages.email_language(invitation=invitation)
    with translation.override(language):
        values = merge_values(invitation)
        return _render(invitation.survey, kind, values, invitation.expert.email, language)


def _render(
    survey: Survey, kind: str, values: dict[str, str], to: str, language: str = ""
) -> RenderedEmail:
    templates = survey_templates(survey, language)
    subject_template = _drop_empty(templates[f"{kind}_subject"], values)
    # A line break left in (a CR in an old expert's name) fails the build, visibly.
    subject = _merge_text(subject_template, values).replace("\n", " ")
    body = _drop_empty(templates[f"{kind}_body"], values)
    return RenderedEmail(
        subject=subject,
        text=_merge_text(body, values),
        html=email_html(
            body=body, values=values, subject=subject, language=language or survey.language
        ),
        to=to,
        from_email=sender_address(survey),
        reply_to=reply_to(survey),
        # The decline page: a mail client's "unsubscribe" opens it, and the expert confirms
        # there (a GET changes nothing, so no List-Unsubscribe-Post one-click).
        headers={"List-Unsubscribe": f"<{values['decline_link']}>"},
    )


def email_message(*, rendered: RenderedEmail, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=rendered.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[rendered.to],
        reply_to=rendered.reply_to,
        headers=rendered.headers,
        connection=connection,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def email_render_test(*, survey: Survey, kind: str, to: str, name: str) -> RenderedEmail:
    """The survey's email as an expert gets it, to a researcher: their name, and a link
    that opens nobody's questionnaire (a test email is no expert's invitation)."""
    example = settings.SITE_URL + reverse("respondent:link", args=[EXAMPLE_LINK_KEY])
    values = _survey_values(survey) | {
        "name": name,
        "link": example,
        "decline_link": example + "decline/",
    }
    rendered = _render(survey, kind, values, to)
    return replace(rendered, subject=_("[Test] {subject}").format(subject=rendered.subject))


def email_test_send(*, survey: Survey, actor, kind: str) -> str:
    """Send the survey's invitation or reminder to the signed-in researcher, now. No
    delivery is written: it is no expert's email. Returns the address it went to."""
    if kind not in Kind.values:
        raise EmailError(ERROR_UNKNOWN_KIND)
    if not actor.email:
        raise EmailError(ERROR_NO_OWN_ADDRESS)
    name = actor.get_full_name() or actor.get_username()
    rendered = email_render_test(survey=survey, kind=kind, to=actor.email, name=name)
    try:
        email_message(rendered=rendered).send()
    except (smtplib.SMTPException, OSError, ValueError) as error:
        raise EmailError(ERROR_TEST_NOT_SENT.format(error=error)) from error
    audit_log(action="emails.test_sent", survey=survey, actor=actor, data={"kind": kind})
    return actor.email


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
) -> Survey:
    """The email page's texts, all checked before any is saved: a refusal changes nothing.
    One audit event names the fields that changed. The reminder schedule is the editor's
    (`editor.survey_reminders_save`), so it is set in one place."""
    for text in (invitation_subject, reminder_subject):
        template_check(text)
    for text in (invitation_body, reminder_body):
        template_check(text, needs_link=True)
    fields = {
        "researcher_name": researcher_name.strip(),
        "invitation_subject": invitation_subject,
        "invitation_body": invitation_body,
        "reminder_subject": reminder_subject,
        "reminder_body": reminder_body,
    }
    changed = [name for name, value in fields.items() if getattr(survey, name) != value]
    for name in changed:
        setattr(survey, name, fields[name])
    if changed:
        survey.save(update_fields=changed)
        audit_log(
            action="survey.emails_changed", survey=survey, actor=actor, data={"changed": changed}
        )
    return survey
