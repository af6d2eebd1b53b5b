from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import GENDERS, STATED_SECTORS


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
    sectors = forms.MultipleChoiceField(
        label=_("In which sector(s) do you work? Choose all that apply."),
        choices=_translated(STATED_SECTORS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    gender = forms.ChoiceField(
        label=_("What is your gender?"),
        choices=_translated(GENDERS),
        widget=forms.RadioSelect,
        required=False,
    )
    open_answer = forms.CharField(
        label=_("Open question"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
    )

    def __init__(self, *args, open_question: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if open_question:
            self.fields["open_answer"].label = open_question
        self.fields["open_answer"].help_text = _("Optional.")

    def clean_sectors(self):
        sectors = self.cleaned_data["sectors"]
        if "prefer_not_to_say" in sectors and len(sectors) > 1:
            raise forms.ValidationError(
                _("“Prefer not to say” cannot be combined with another sector.")
            )
        return sectors


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Would you tell us why? (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
