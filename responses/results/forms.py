"""Forms of the researcher's results pages."""

from django import forms

from .consensus_rules import DEFAULT_STABILITY_PCT, DEFAULT_THRESHOLD, DEFINITIONS, STOPS


class ConsensusRuleForm(forms.Form):
    kind = forms.ChoiceField(
        label="Consensus is reached when",
        choices=[("", "No rule")]
        + [(kind, label.format(threshold="X")) for kind, label in DEFINITIONS.items()],
        required=False,
        widget=forms.RadioSelect,
    )
    threshold = forms.IntegerField(
        label="X, the agreement threshold (%)",
        min_value=50,
        max_value=100,
        initial=DEFAULT_THRESHOLD,
        required=False,
        help_text="Only for the first definition.",
    )
    every_sector = forms.BooleanField(
        label="Required within every assigned sector as well", required=False
    )
    stop = forms.ChoiceField(
        label="Across Delphi rounds",
        choices=[(stop, label.format(stability_pct="Y")) for stop, label in STOPS.items()],
        initial="consensus",
        required=False,
        widget=forms.RadioSelect,
    )
    stability_pct = forms.IntegerField(
        label="Y, the largest share of experts changing their answer (%)",
        min_value=0,
        max_value=100,
        initial=DEFAULT_STABILITY_PCT,
        required=False,
        help_text="Only for stability.",
    )
    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Required once the rule is fixed (when the survey opened).",
    )

    def rule(self) -> dict:
        data = self.cleaned_data
        if not data["kind"]:
            return {}
        rule = {"kind": data["kind"], "every_sector": data["every_sector"]}
        if data["kind"] == "agree_pct":
            rule["threshold"] = data["threshold"] or DEFAULT_THRESHOLD
        if data.get("stop") == "stability":
            share = data["stability_pct"]
            rule["stop"] = "stability"
            rule["stability_pct"] = DEFAULT_STABILITY_PCT if share is None else share
        return rule

    @classmethod
    def for_rule(cls, rule: dict) -> "ConsensusRuleForm":
        return cls(
            initial={
                "kind": rule.get("kind", ""),
                "threshold": rule.get("threshold", DEFAULT_THRESHOLD),
                "every_sector": rule.get("every_sector", False),
                "stop": rule.get("stop", "consensus"),
                "stability_pct": rule.get("stability_pct", DEFAULT_STABILITY_PCT),
            }
        )
