"""What the site keeps about its work: kept counts, email deliveries, the audit log, results
snapshots and jobs."""

from django.conf import settings
from django.db import models

from statements.models import Statement

from .panel import Invitation
from .surveys import Survey


class AnswerCount(models.Model):
    """How many submitted answers of a survey have each (group key, statement, value), kept
    as answers are submitted and regrouped (responses/results/services/counts.py): the results read
    these few thousand rows instead of counting millions of answers."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    group_key = models.SmallIntegerField()
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="+")
    value = models.SmallIntegerField()
    n = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "group_key", "statement", "value"], name="answer_count_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_key}/{self.statement_id}/{self.value}: {self.n}"


class GroupSize(models.Model):
    """How many submitted responses of a survey have each group key (including respondents
    who answered nothing), kept with AnswerCount."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    group_key = models.SmallIntegerField()
    n = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "group_key"], name="group_size_cell")
        ]

    def __str__(self) -> str:
        return f"{self.group_key}: {self.n}"


class EmailDelivery(models.Model):
    """One email per (invitation, kind, round), claimed by a conditional update before sending."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        REMINDER = "reminder", "Reminder"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Still 'sending' long after its claim: the worker died, the email may have gone out.
        UNKNOWN = "unknown", "Outcome unknown"

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "kind", "round"], name="delivery_once_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.round} for invitation {self.invitation_id}: {self.status}"


class AuditEvent(models.Model):
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=100)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label or 'system'}"


class ResultsSnapshot(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="snapshots")
    computed_at = models.DateTimeField(auto_now_add=True)
    respondents = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64)
    code_version = models.CharField(max_length=64)
    tables = models.JSONField()

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"Results of survey {self.survey_id} at {self.computed_at:%Y-%m-%d %H:%M}"


class Job(models.Model):
    """A slow researcher action (recompute, export, send) with its status and progress."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=30)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"
