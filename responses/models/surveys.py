"""A survey and what it is made of: its items and sections, scheduled sends, the consensus
rule's deviations."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from statements.models import Statement


def default_languages() -> list[str]:
    return ["en"]


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Order(models.TextChoices):
        RANDOMIZED = "randomized", "Randomized per respondent"
        QUESTIONNAIRE = "questionnaire", "Questionnaire order"
        PAPER = "paper", "Paper order"

    class RoundPanel(models.TextChoices):
        RESPONDENTS = "respondents", "The previous round's respondents"
        INVITED = "invited", "Everyone invited to the previous round"

    class RoundStatements(models.TextChoices):
        ALL = "all", "All statements"
        UNSETTLED = "unsettled", "Only those not settled by the consensus rule"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    consent_text = models.TextField(blank=True)
    open_question = models.TextField(
        blank=True,
        default="Are there any other practices that you think AGI labs should adopt?",
    )
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    statements = models.ManyToManyField(Statement, related_name="surveys", through="SurveyItem")
    statements_per_page = models.PositiveSmallIntegerField(default=10)
    order = models.CharField(max_length=13, choices=Order.choices, default=Order.RANDOMIZED)

    # Who is asking: shown to experts; the contact is the emails' Reply-To.
    organisation = models.CharField(max_length=200, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    # The privacy notice, in four parts.
    privacy_controller = models.TextField(blank=True)
    privacy_purpose = models.TextField(blank=True)
    privacy_retention = models.TextField(blank=True)
    privacy_rights = models.TextField(blank=True)
    thank_you_message = models.TextField(blank=True)
    results_sharing = models.TextField(blank=True, help_text="When and where results are shared.")
    estimated_minutes = models.PositiveSmallIntegerField(null=True, blank=True)

    # Languages: `language` is the one the survey's own fields are written in; `languages`
    # are all it offers (that one included); `translations` holds the survey's texts in each
    # further language, {code: {field: text}} (statements: statements.StatementTranslation).
    language = models.CharField(max_length=8, default="en")
    languages = models.JSONField(default=default_languages, blank=True)
    translations = models.JSONField(default=dict, blank=True)

    # Background questions: the paper's sector and gender questions, each optional, with
    # option labels the researchers may reword ({"sector": {code: label}, "gender": {...}}).
    ask_sector = models.BooleanField(default=True)
    ask_gender = models.BooleanField(default=True)
    background_labels = models.JSONField(default=dict, blank=True)

    # Fieldwork (researchers)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_surveys",
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="shared_surveys"
    )
    researcher_name = models.CharField(max_length=200, blank=True)
    invitation_subject = models.CharField(max_length=200, blank=True)
    invitation_body = models.TextField(blank=True)
    reminder_subject = models.CharField(max_length=200, blank=True)
    reminder_body = models.TextField(blank=True)
    reminder_days = models.JSONField(default=list, blank=True)
    reminder_max = models.PositiveSmallIntegerField(default=2)
    # Reminders skip anyone emailed in the last this many days.
    reminder_quiet_days = models.PositiveSmallIntegerField(default=3)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Results (analysis)
    min_group_size = models.PositiveSmallIntegerField(default=5)
    # AAPOR: an unsubmitted response that answered at least this share (percent) of the
    # statements is a partial, below it a break-off.
    partial_threshold = models.PositiveSmallIntegerField(default=50)
    # The consensus rule, chosen before data collection: {} for none, else e.g.
    # {"kind": "agree_pct", "threshold": 75, "every_sector": false}. Frozen when the survey
    # opens (the time and a fingerprint of the rule); a later change is a ConsensusDeviation.
    consensus_rule = models.JSONField(default=dict, blank=True)
    consensus_frozen_at = models.DateTimeField(null=True, blank=True, editable=False)
    consensus_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    results_stale_since = models.DateTimeField(null=True, blank=True, editable=False)

    # Delphi rounds: round k+1 is a survey of its own, started from closed round k
    # (fieldwork/services/rounds.py), with its own dates, texts, emails, panel and answers.
    # Round k's answers are frozen once round k+1 exists: it can't be reopened.
    previous_round = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_round",
        editable=False,
    )
    round_number = models.PositiveSmallIntegerField(default=1, editable=False)
    round_panel = models.CharField(max_length=11, choices=RoundPanel.choices, blank=True)
    round_statements = models.CharField(max_length=9, choices=RoundStatements.choices, blank=True)
    # Statement ids reported as settled in an earlier round (the pre-registered rule held),
    # carried from round to round; not asked again when round_statements is "unsettled".
    settled_statements = models.JSONField(default=list, blank=True, editable=False)
    # What experts see of the previous round, from round 2 on.
    feedback_distribution = models.BooleanField(default=True)
    feedback_by_sector = models.BooleanField(default=False)
    feedback_reasons = models.BooleanField(default=False)
    # A reason is asked for when the answer moves by this many points or more (0: never by
    # distance), or, with reason_on_crossing, crosses between agree and disagree.
    reason_points = models.PositiveSmallIntegerField(default=2)
    reason_on_crossing = models.BooleanField(default=True)
    # Real-time mode: the distribution of this round's submitted answers, hidden until
    # realtime_prephase experts have submitted independently.
    realtime = models.BooleanField(default=False)
    realtime_prephase = models.PositiveSmallIntegerField(default=10)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(statements_per_page__gte=1) & Q(statements_per_page__lte=50),
                name="survey_page_size_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed"]), name="survey_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(round_number__gte=1)
                & (Q(previous_round__isnull=True) | Q(round_number__gte=2)),
                name="survey_round_number",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ConsensusDeviation(models.Model):
    """A change to the consensus rule after it was frozen: recorded, with its reason, and
    shown on the results page and in the codebook."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="deviations")
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.TextField()
    rule_before = models.JSONField()
    rule_after = models.JSONField()
    fingerprint_before = models.CharField(max_length=64)
    fingerprint_after = models.CharField(max_length=64)

    class Meta:
        ordering = ["survey", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Consensus rule of survey {self.survey_id} changed {self.created_at:%Y-%m-%d}"


class ScheduledSend(models.Model):
    """Invitations or reminders to send at a time of the researchers' choosing; beat sends
    them then (to those of the listed invitations that can still be written to)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Scheduled"
        DONE = "done", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="scheduled_sends")
    kind = models.CharField(max_length=10)  # EmailDelivery.Kind
    send_at = models.DateTimeField(db_index=True)
    invitation_ids = models.JSONField(default=list)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    queued = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["send_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} for survey {self.survey_id} at {self.send_at:%Y-%m-%d %H:%M}"


class Section(models.Model):
    """A titled group of a survey's statements, shown to experts in its position."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    translations = models.JSONField(default=dict, blank=True)  # {code: title}

    class Meta:
        ordering = ["survey", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class SurveyItem(models.Model):
    """A statement in a survey: its position in the questionnaire order, and its section."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="items")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )

    class Meta:
        ordering = ["survey", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "statement"], name="survey_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.position}. {self.statement_id}"
