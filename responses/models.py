import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from statements.models import Statement

from .choices import COMMENT_MAX_LENGTH, GENDERS, SCALE, SCALE_VALUES, SECTOR_GROUPS


def default_languages() -> list[str]:
    return ["en"]


def new_pseudonym() -> str:
    """A respondent's id in every export: drawn at random once, never derived from ids or
    emails (48 bits: a collision is refused by the unique constraint, and redrawn)."""
    return "R" + secrets.token_hex(6)


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Order(models.TextChoices):
        RANDOMIZED = "randomized", "Randomized per respondent"
        QUESTIONNAIRE = "questionnaire", "Questionnaire order"
        PAPER = "paper", "Paper order"

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
