"""The panel: experts, their invitations, their responses and answers."""

import secrets

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from statements.models import Statement

from ..choices import COMMENT_MAX_LENGTH, GENDERS, SCALE, SCALE_VALUES, SECTOR_GROUPS
from .surveys import Survey


def new_pseudonym() -> str:
    """A respondent's id in every export: drawn at random once, never derived from ids or
    emails (48 bits: a collision is refused by the unique constraint, and redrawn)."""
    return "R" + secrets.token_hex(6)


class Expert(models.Model):
    """A person on one survey's expert list. The same person on another survey's list is
    another row: each team edits, deletes and anonymises only its own."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="experts")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    sector = models.CharField(max_length=20, choices=SECTOR_GROUPS, blank=True)
    affiliation = models.CharField(max_length=300, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    # The language to invite them in, when known (one of the survey's languages).
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "survey",
                Lower("email"),
                name="expert_email_once_per_survey",
                violation_error_message="Another expert of this survey has this email address.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Invitation(models.Model):
    """An expert's invitation to one survey. The link secret itself is never stored."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="invitations")
    # 256 random bits; the link is an HMAC of this under the server secret.
    link_nonce = models.CharField(max_length=64, editable=False)
    # SHA-256 of the link secret, to find the invitation by its link.
    link_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    # A researcher's own walk-through: out of rates, results and exports unless asked for.
    is_test = models.BooleanField(default=False)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # The same expert's invitation to the previous Delphi round. It shares that invitation's
    # nonce, so the expert's personal link stays the same; its own hash is the round's
    # (links.link_fields_round), and the link opens the latest round it reaches.
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_round",
        editable=False,
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "expert"], name="invitation_once_per_expert"),
            # Every invitation gets its link from links.link_fields_new: an empty one never
            # opens, and a second one would collide on the unique hash.
            models.CheckConstraint(
                condition=~Q(link_nonce="") & ~Q(link_hash=""), name="invitation_has_a_link"
            ),
        ]
        indexes = [models.Index(fields=["survey", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.expert} → {self.survey.slug}"


class Response(models.Model):
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    consented_at = models.DateTimeField()
    statement_order = models.JSONField(help_text="Statement ids in the order shown.")
    sectors = models.JSONField(default=list, blank=True)
    gender = models.CharField(max_length=20, choices=GENDERS, blank=True)
    open_answer = models.TextField(blank=True)
    # The language the expert answered in; the wording they saw is frozen in it.
    language = models.CharField(max_length=8, blank=True)
    # The respondent's id in every export and format, the same at every download.
    pseudonym = models.CharField(max_length=16, unique=True, default=new_pseudonym, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Withdrawn by the researchers (the expert asked): out of the results, kept on record.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Response to {self.invitation}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    # Copied from the response's invitation, never changed: the results count one survey's
    # answers without joining them to their responses (responses/results/group_keys.py).
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="answers")
    # -2..2, or -88 for "I don't know"; NULL when cleared (a comment may remain).
    value = models.SmallIntegerField(null=True, blank=True, choices=SCALE)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    updated_at = models.DateTimeField()
    # The respondent's packed group key (responses/results/group_keys.py); NULL until submitted.
    group_key = models.SmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "statement"], name="answer_once_per_statement"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__in=SCALE_VALUES),
                name="answer_value_on_scale",
            ),
        ]
        indexes = [
            models.Index(fields=["statement", "value"]),
            # The results read a survey's answers from this index alone, in key order:
            # no hashing, no table access (it also serves the survey foreign key).
            models.Index(
                fields=["survey", "group_key", "statement", "value"], name="answer_results"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.value}"
