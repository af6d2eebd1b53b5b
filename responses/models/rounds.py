"""What Delphi rounds keep beyond a survey's own records: the reasons the researchers chose to
show, and what each expert was shown beside each statement."""

from django.conf import settings
from django.db import models

from statements.models import Statement

from .panel import Answer, Response
from .surveys import Survey


class SharedReason(models.Model):
    """A previous round's comment the researchers approved for showing, anonymised, beside its
    statement in round `survey`. The text is the one approved; its author is never shown."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="shared_reasons")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="+")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="shared_as")
    text = models.TextField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey", "statement", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "answer"], name="shared_reason_once")
        ]

    def __str__(self) -> str:
        return f"Reason {self.answer_id} shown in survey {self.survey_id}"


class FeedbackShown(models.Model):
    """One showing of the panel's feedback beside one statement to one expert in round 2 or
    later: the distribution as shown, the reasons' ids, the expert's previous answer. A row is
    added when what is shown changes (real-time mode), so each answer's feedback is the last
    row shown before it was saved."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="feedback_shown")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="+")
    shown_at = models.DateTimeField()
    # -2..2, -88, or None (no answer in the previous round).
    previous_value = models.SmallIntegerField(null=True, blank=True)
    # {"n": int, "counts": {value: n}, "median", "q1", "q3", "by_sector": {...} | None,
    #  "realtime": bool}; {} when the distribution was hidden (pre-phase, or turned off).
    distribution = models.JSONField(default=dict, blank=True)
    reason_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["response", "statement", "shown_at", "pk"]
        indexes = [models.Index(fields=["response", "statement", "shown_at"])]

    def __str__(self) -> str:
        return f"Feedback on {self.statement_id} shown to response {self.response_id}"
