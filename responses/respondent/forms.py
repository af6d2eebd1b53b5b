from django import forms

from ..choices import GENDERS, STATED_SECTORS


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label="I have read the information above and agree to take part.",
        error_messages={"required": "Please tick the box to give your consent, or decline below."},
    )


class BackgroundForm(forms.Form):
    sectors = forms.MultipleChoiceField(
        label="In which sector(s) do you work? Choose all that apply.",
        choices=STATED_SECTORS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    gender = forms.ChoiceField(
        label="What is your gender?",
        choices=GENDERS,
        widget=forms.RadioSelect,
        required=False,
    )
    open_answer = forms.CharField(
        label="Open question",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
    )

    def __init__(self, *args, open_question: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if open_question:
            self.fields["open_answer"].label = open_question
        self.fields["open_answer"].help_text = "Optional."

    def clean_sectors(self):
        sectors = self.cleaned_data["sectors"]
        if "prefer_not_to_say" in sectors and len(sectors) > 1:
            raise forms.ValidationError(
                "“Prefer not to say” cannot be combined with another sector."
            )
        return sectors


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Would you tell us why? (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
