from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import GENDERS, STATED_SECTORS
from ..models import Response, Survey
from . import selectors

ERROR_SECTORS_COMBINED = _("“Prefer not to say” cannot be combined with another sector.")


def _translated(choices):
    """The choices' English labels (marked in choices.py), shown in the expert's language."""
    return [(code, _(label)) for code, label in choices]


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label=_("I have read the information above and agree to take part."),
        error_messages={
            "required": _("Please tick the box to give your consent, or decline below.")
        },
    )


class BackgroundForm(forms.Form):
    """The background questions the survey asks (sector and gender may each be turned off),
    with the researchers' option labels."""

    sectors = forms.MultipleChoiceField(
        label=selectors.QUESTION_SECTORS,
        choices=_translated(STATED_SECTORS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    gender = forms.ChoiceField(
        label=selectors.QUESTION_GENDER,
        choices=_translated(GENDERS),
        widget=forms.RadioSelect,
        required=False,
    )
    open_answer = forms.CharField(
        label=selectors.QUESTION_OPEN,
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
    )

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["sectors"].choices = selectors.background_labels(survey=survey, kind="sector")
        fields["gender"].choices = selectors.background_labels(survey=survey, kind="gender")
        if survey.open_question:
            fields["open_answer"].label = survey.open_question
        fields["open_answer"].help_text = _("Optional.")
        if not survey.ask_sector:
            del fields["sectors"]
        if not survey.ask_gender:
            del fields["gender"]

    def clean_sectors(self):
        sectors = self.cleaned_data["sectors"]
        if "prefer_not_to_say" in sectors and len(sectors) > 1:
            raise forms.ValidationError(ERROR_SECTORS_COMBINED)
        return sectors

    def answers(self, response: Response) -> dict:
        """The service's arguments: what was posted for the questions asked, what is stored
        for the others."""
        stored = {
            "sectors": response.sectors,
            "gender": response.gender,
            "open_answer": response.open_answer,
        }
        return stored | self.cleaned_data


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Would you tell us why? (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
