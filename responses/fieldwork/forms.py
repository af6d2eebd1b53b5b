"""Forms of the researcher's fieldwork pages."""

from django import forms
from django.conf import settings

from statements.models import Statement

from ..choices import COMMENT_MAX_LENGTH, SECTOR_GROUPS
from ..models import Survey
from ..uploads import MAX_UPLOAD_BYTES
from .services.lifecycle import ERROR_CONFIRM_REASONS

ERROR_SEND_AT_FORMAT = "Enter the date and time as YYYY-MM-DD HH:MM."
ERROR_REASON_LONG = "The text shown can have at most 5000 characters."


class ExpertUploadForm(forms.Form):
    file = forms.FileField(
        label="Expert list (.csv or .xlsx)",
        help_text=(
            "Columns: name, email, sector, affiliation; any further columns are kept as "
            "attributes. Sector codes: agi_lab, academia, civil_society, other."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB.")
        return upload


class EmailTemplatesForm(forms.Form):
    researcher_name = forms.CharField(label="Sender's name", max_length=200, required=False)
    invitation_subject = forms.CharField(label="Invitation subject", max_length=200)
    invitation_body = forms.CharField(
        label="Invitation text", widget=forms.Textarea(attrs={"rows": 14, "cols": 80})
    )
    reminder_subject = forms.CharField(label="Reminder subject", max_length=200)
    reminder_body = forms.CharField(
        label="Reminder text", widget=forms.Textarea(attrs={"rows": 12, "cols": 80})
    )


class OpenSurveyForm(forms.Form):
    confirm_provisional = forms.BooleanField(
        label="I know that some statements still have provisional wording, and I want to "
        "open the survey with them as they are.",
        required=False,
    )


class AnonymiseForm(forms.Form):
    confirm = forms.CharField(label="Type the survey's short name to confirm", max_length=50)
    confirm_reasons = forms.BooleanField(
        label="I understand that the reasons experts gave for declining are deleted too "
        "(they may name people).",
        error_messages={"required": ERROR_CONFIRM_REASONS},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (for example the bounce message)", max_length=1000, required=False
    )


class ExpertForm(forms.Form):
    """The edit page's fields. The checks are the import's (services.experts.expert_clean),
    so every field is accepted here as text and refused, if need be, with the same words."""

    name = forms.CharField(label="Name", required=False)
    email = forms.CharField(label="Email", required=False)
    sector = forms.CharField(
        label="Sector",
        required=False,
        widget=forms.Select(choices=[("", "—"), *SECTOR_GROUPS]),
    )
    affiliation = forms.CharField(label="Affiliation", required=False)
    language = forms.CharField(
        label="Language to invite them in",
        required=False,
        widget=forms.Select(choices=[("", "Not known (the survey's)"), *settings.LANGUAGES]),
    )


# A translation's fields: the survey's own texts and email templates (respondent/languages.py
# TEXT_FIELDS), with the labels researchers know them by.
TRANSLATION_LABELS = {
    "title": "Title",
    "introduction": "Introduction",
    "consent_text": "Consent text",
    "open_question": "Open question",
    "organisation": "Organisation",
    "privacy_controller": "Privacy notice: who is responsible",
    "privacy_purpose": "Privacy notice: purpose",
    "privacy_retention": "Privacy notice: how long data is kept",
    "privacy_rights": "Privacy notice: the expert's rights",
    "thank_you_message": "Thank-you message",
    "results_sharing": "Results sharing",
    "invitation_subject": "Invitation subject",
    "invitation_body": "Invitation text",
    "reminder_subject": "Reminder subject",
    "reminder_body": "Reminder text",
}
_ONE_LINE = {"title", "organisation", "invitation_subject", "reminder_subject"}


class TranslationForm(forms.Form):
    """One language's texts. Built per survey: a field per survey text (with the original
    beside it), per section and per statement (title and text, disabled once answered in
    this language)."""

    def __init__(self, *args, sections, statements, frozen: set, **kwargs):
        super().__init__(*args, **kwargs)
        self.frozen_count = sum(1 for statement in statements if statement.pk in frozen)
        for name, label in TRANSLATION_LABELS.items():
            widget = forms.TextInput if name in _ONE_LINE else forms.Textarea(attrs={"rows": 4})
            self.fields[name] = forms.CharField(label=label, required=False, widget=widget)
        for section in sections:
            self.fields[f"section_{section.pk}"] = forms.CharField(
                label=f"Section: {section.title}", required=False, max_length=200
            )
        for statement in statements:
            disabled = statement.pk in frozen
            self.fields[f"title_{statement.pk}"] = forms.CharField(
                label=f"Statement {statement.number}: title", required=False, disabled=disabled
            )
            self.fields[f"text_{statement.pk}"] = forms.CharField(
                label=f"Statement {statement.number}: text",
                required=False,
                disabled=disabled,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        for name, field in self.fields.items():
            field.widget.attrs["aria-describedby"] = f"id_{name}-original"
        self.section_ids = [section.pk for section in sections]
        self.statement_ids = [statement.pk for statement in statements]

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in TRANSLATION_LABELS}

    def section_titles(self) -> dict[int, str]:
        return {pk: self.cleaned_data[f"section_{pk}"] for pk in self.section_ids}

    def statement_texts(self) -> list[tuple[int, str, str]]:
        return [
            (pk, self.cleaned_data[f"title_{pk}"], self.cleaned_data[f"text_{pk}"])
            for pk in self.statement_ids
        ]


class SendAtForm(forms.Form):
    """The confirmation step's choice: now, or at a time (the site's time zone)."""

    send_at = forms.DateTimeField(
        label="Or send at (date and time)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": ERROR_SEND_AT_FORMAT},
    )


# The survey editor's forms. The checks that matter are the services' (services/editor.py,
# services/questionnaire.py); these parse the fields.
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
ERROR_DAY = "Give a whole number of days between 1 and 365."
REMINDER_SLOTS = 5


def _datetime_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def _text(label: str, rows: int = 4, **options) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows, "cols": 80})
    return forms.CharField(label=label, required=False, widget=widget, **options)


class NewSurveyForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    copy_from = forms.ChoiceField(label="Start from", required=False)

    def __init__(self, *args, surveys=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "The paper's 50 statements and the default texts")]
        choices += [(s.slug, f"A copy of “{s.title}”") for s in surveys]
        self.fields["copy_from"].choices = choices


class SurveySettingsForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    organisation = forms.CharField(
        label="Organisation", max_length=200, required=False, help_text="Shown to experts."
    )
    contact_name = forms.CharField(label="Contact name", max_length=200, required=False)
    contact_email = forms.EmailField(
        label="Contact email",
        required=False,
        help_text="Shown to experts, and the Reply-To of every email.",
    )
    privacy_controller = _text("Data controller", 2)
    privacy_purpose = _text("Purpose of the processing", 3)
    privacy_retention = _text("Retention", 2)
    privacy_rights = _text("The experts' rights", 3)
    introduction = _text("Introduction", 6)
    consent_text = _text("Consent text", 5)
    thank_you_message = _text("Thank-you message", 3)
    estimated_minutes = forms.IntegerField(
        label="Estimated minutes", required=False, min_value=1, max_value=300
    )
    opens_at = _datetime_field("Opens")
    closes_at = _datetime_field("Closes")
    statements_per_page = forms.IntegerField(label="Statements per page", min_value=1, max_value=50)
    order = forms.ChoiceField(label="Order of the statements", choices=Survey.Order.choices)
    min_group_size = forms.IntegerField(
        label="Minimum group size",
        min_value=1,
        max_value=100,
        help_text="Results for a smaller group of experts are not shown.",
    )


class StatementNewForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    text = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))


class WordingForm(StatementNewForm):
    wording = forms.ChoiceField(label="Wording", choices=Statement.Wording.choices)


class SectionForm(forms.Form):
    title = forms.CharField(label="Section title", max_length=200)


class BackgroundForm(forms.Form):
    """The two questions' switches, and a label field per option (`sector_<code>`)."""

    ask_sector = forms.BooleanField(label="Ask for the expert's sector", required=False)
    ask_gender = forms.BooleanField(label="Ask for the expert's gender", required=False)

    def __init__(self, *args, options: dict, locked: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for question, choices in options.items():
            for code, default in choices:
                self.fields[f"{question}_{code}"] = forms.CharField(
                    label=f"Label for “{default}”",
                    max_length=200,
                    required=False,
                    disabled=locked[question],
                )

    def labels(self, options: dict) -> dict:
        data = self.cleaned_data
        return {
            question: {code: data.get(f"{question}_{code}", "") for code, _ in choices}
            for question, choices in options.items()
        }


class RemindersForm(forms.Form):
    reminder_max = forms.IntegerField(
        label="Maximum number of automatic reminders", min_value=0, max_value=10
    )
    reminder_quiet_days = forms.IntegerField(
        label="Skip experts emailed in the last this many days",
        min_value=0,
        max_value=60,
        required=False,
        help_text="Reminders, by hand and automatic, skip anyone invited or reminded this "
        "recently. 0 for no pause.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for slot in range(1, REMINDER_SLOTS + 1):
            self.fields[f"day_{slot}"] = forms.IntegerField(
                label=f"Reminder {slot}: days after the invitation",
                required=False,
                min_value=1,
                max_value=365,
                error_messages={"min_value": ERROR_DAY, "max_value": ERROR_DAY},
            )

    def days(self) -> list[int]:
        values = (self.cleaned_data.get(f"day_{slot}") for slot in range(1, REMINDER_SLOTS + 1))
        return [day for day in values if day is not None]


class ReopenForm(forms.Form):
    closes_at = forms.DateTimeField(
        label="New closing date",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class RoundStartForm(forms.Form):
    """The next round's panel and statements; the service refuses what does not fit."""

    panel = forms.ChoiceField(
        label="Panel", choices=Survey.RoundPanel.choices, widget=forms.RadioSelect
    )
    statements = forms.ChoiceField(
        label="Statements", choices=Survey.RoundStatements.choices, widget=forms.RadioSelect
    )


class FeedbackForm(forms.Form):
    feedback_distribution = forms.BooleanField(
        label="Show the panel's distribution in the previous round", required=False
    )
    feedback_by_sector = forms.BooleanField(
        label="Show it by sector too (groups under the minimum size are left out)",
        required=False,
    )
    feedback_reasons = forms.BooleanField(label="Show the reasons you approved", required=False)
    reason_points = forms.IntegerField(
        label="Ask for a reason when the answer moves by this many points",
        help_text="0 to 4; 0: never by distance alone.",
    )
    reason_on_crossing = forms.BooleanField(
        label="Ask for a reason when the answer crosses between agree and disagree",
        required=False,
    )
    realtime = forms.BooleanField(
        label="Real-time mode: show this round's distribution as answers arrive",
        required=False,
    )
    realtime_prephase = forms.IntegerField(
        label="Hide it until this many experts have answered on their own",
        help_text="1 to 1000.",
    )


class ReasonApproveForm(forms.Form):
    answer = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("approve", "Approve"), ("withdraw", "Withdraw")])
    text = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        error_messages={"max_length": ERROR_REASON_LONG},
    )
