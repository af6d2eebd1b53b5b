"""A survey's life: created, draft -> open -> closed, then anonymised; and its invitations'
life: a new link, revoked, marked bounced by hand."""

from datetime import datetime

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.text import slugify

from statements.models import Statement

from ... import links
from ...audit import audit_log
from ...models import (
    AuditEvent,
    EmailDelivery,
    Expert,
    Invitation,
    Job,
    Response,
    Survey,
    SurveyItem,
)
from ...results.services.consensus import consensus_rule_freeze
from .experts import JOB_KIND as IMPORT_JOB_KIND

ERROR_SLUG_TAKEN = "A survey with the slug '{slug}' already exists."
ERROR_SLUG_INVALID = "A slug may contain only lowercase letters, digits and hyphens."
ERROR_SLUG_RESERVED = "The slug '{slug}' is an address of the research pages: choose another."
# /research/<slug>/ would be shadowed by the research pages of these names (responses/urls.py).
RESERVED_SLUGS = frozenset({"login", "logout", "password-reset", "new"})
ERROR_TITLE = "A survey needs a title."
ERROR_CLOSING_DATE = "The closing date must lie in the future."
ERROR_NO_STATEMENTS = "The statement catalogue is empty: run the migrations first."
ERROR_NOT_DRAFT = "Only a draft survey can be opened."
ERROR_NOT_OPEN = "Only an open survey can be closed."
ERROR_CLOSES_PAST = "The closing date has passed. Set a later one (in the admin) first."
ERROR_PROVISIONAL = (
    "{count} statement(s) still have provisional wording. Tick the confirmation to open the "
    "survey with them as they are."
)
ERROR_NOT_CLOSED = "Only a closed survey can be anonymised."
ERROR_NOT_REOPENABLE = "Only a closed survey can be reopened."
ERROR_REOPEN_ANONYMISED = "An anonymised survey cannot be reopened: its links no longer work."
ERROR_REOPEN_DATE = "Give the new closing date, in the future."
ERROR_REOPEN_NEXT_ROUND = (
    "Round {number} of this study has started: this round's answers are frozen and it cannot "
    "be reopened."
)
ERROR_ANONYMISE_NEXT_ROUND = (
    "Round {number} of this study still needs these experts' links: anonymise the last round first."
)
ERROR_ANONYMISED = "This survey is already anonymised."
ERROR_ANONYMISED_LINK = "This survey is anonymised: its invitations can't have links any more."
WARNING_CONTACT = (
    "No contact name and email: experts cannot see whom to ask, and emails go out without a "
    "Reply-To."
)
WARNING_PRIVACY = (
    "The privacy notice is incomplete: give the controller, the purpose, the retention and "
    "the experts' rights."
)
ERROR_CONFIRM_SLUG = "Type the survey's short name '{slug}' to confirm."
ERROR_CONFIRM_REASONS = "Tick the box to confirm that the decline reasons are deleted too."
ERROR_REASON = "Give a reason, for example the bounce message."

DEFAULT_INTRODUCTION = (
    "Thank you for taking part. We ask how much you agree with statements about what AGI labs "
    "should do. There are no right or wrong answers, every question is optional, and your "
    "answers are saved as you go: you can stop at any time and come back through your "
    "personal link."
)
DEFAULT_CONSENT = (
    "Your answers are used for research and published only in aggregate. Taking part is "
    "voluntary and you may stop at any time. You can ask for your answers to be deleted by "
    "replying to the invitation email."
)


ANONYMOUS_NAME = "Anonymised expert"
REASON_EVENTS = ["invitation.marked_bounced", "expert.email_failed", "expert.declined"]


class SurveyError(Exception):
    pass


class LifecycleError(Exception):
    pass


@transaction.atomic
def survey_create(
    *,
    slug: str,
    title: str,
    order: str = Survey.Order.RANDOMIZED,
    closes_at: datetime | None = None,
    status: str = Survey.Status.OPEN,
    owner=None,
) -> Survey:
    if slug != slugify(slug) or not slug:
        raise SurveyError(ERROR_SLUG_INVALID)
    if slug in RESERVED_SLUGS:
        raise SurveyError(ERROR_SLUG_RESERVED.format(slug=slug))
    if not title.strip():
        raise SurveyError(ERROR_TITLE)
    if Survey.objects.filter(slug=slug).exists():
        raise SurveyError(ERROR_SLUG_TAKEN.format(slug=slug))
    if closes_at is not None and closes_at <= timezone.now():
        raise SurveyError(ERROR_CLOSING_DATE)
    statements = list(
        Statement.objects.order_by("questionnaire_position").values_list("pk", flat=True)
    )
    if not statements:
        raise SurveyError(ERROR_NO_STATEMENTS)
    survey = Survey.objects.create(
        slug=slug,
        title=title.strip(),
        order=order,
        closes_at=closes_at,
        status=status,
        owner=owner,
        introduction=DEFAULT_INTRODUCTION,
        consent_text=DEFAULT_CONSENT,
    )
    SurveyItem.objects.bulk_create(
        SurveyItem(survey=survey, statement_id=pk, position=position)
        for position, pk in enumerate(statements, start=1)
    )
    audit_log(action="survey.created", survey=survey, actor=owner, data={"slug": slug})
    if survey.status == Survey.Status.OPEN:
        consensus_rule_freeze(survey=survey, actor=owner)
    return survey


def provisional_count(survey: Survey) -> int:
    return survey.statements.filter(wording=Statement.Wording.PROVISIONAL).count()


@transaction.atomic
def survey_open(*, survey: Survey, actor, confirm_provisional: bool = False) -> Survey:
    if survey.status != Survey.Status.DRAFT:
        raise LifecycleError(ERROR_NOT_DRAFT)
    if survey.closes_at is not None and survey.closes_at <= timezone.now():
        raise LifecycleError(ERROR_CLOSES_PAST)
    provisional = provisional_count(survey)
    if provisional and not confirm_provisional:
        raise LifecycleError(ERROR_PROVISIONAL.format(count=provisional))
    Survey.objects.filter(pk=survey.pk, status=Survey.Status.DRAFT).update(
        status=Survey.Status.OPEN
    )
    survey.status = Survey.Status.OPEN
    audit_log(action="survey.opened", survey=survey, actor=actor, data={"provisional": provisional})
    # The consensus rule is pre-registered: fixed before the first answer can arrive.
    consensus_rule_freeze(survey=survey, actor=actor)
    return survey


def _close(survey: Survey, when, actor=None) -> bool:
    closed = Survey.objects.filter(pk=survey.pk, status=Survey.Status.OPEN).update(
        status=Survey.Status.CLOSED, closed_at=when
    )
    if closed:
        survey.status, survey.closed_at = Survey.Status.CLOSED, when
        label = "" if actor else "system"
        audit_log(action="survey.closed", survey=survey, actor=actor, actor_label=label)
    return bool(closed)


@transaction.atomic
def survey_close(*, survey: Survey, actor) -> Survey:
    if survey.status != Survey.Status.OPEN:
        raise LifecycleError(ERROR_NOT_OPEN)
    _close(survey, timezone.now(), actor)
    return survey


@transaction.atomic
def survey_reopen(*, survey: Survey, actor, closes_at: datetime | None) -> Survey:
    """Open again until a new closing date; answers and links are as they were."""
    if survey.status != Survey.Status.CLOSED:
        raise LifecycleError(ERROR_NOT_REOPENABLE)
    if survey.anonymised_at is not None:
        raise LifecycleError(ERROR_REOPEN_ANONYMISED)
    later = Survey.objects.filter(previous_round=survey).first()
    if later is not None:
        raise LifecycleError(ERROR_REOPEN_NEXT_ROUND.format(number=later.round_number))
    if closes_at is None or closes_at <= timezone.now():
        raise LifecycleError(ERROR_REOPEN_DATE)
    reopened = Survey.objects.filter(
        pk=survey.pk, status=Survey.Status.CLOSED, anonymised_at__isnull=True
    ).update(status=Survey.Status.OPEN, closes_at=closes_at, closed_at=None)
    if not reopened:
        raise LifecycleError(ERROR_NOT_REOPENABLE)
    data = {"closes_at": closes_at.isoformat(), "closed_at": str(survey.closed_at)}
    survey.status, survey.closes_at, survey.closed_at = Survey.Status.OPEN, closes_at, None
    audit_log(action="survey.reopened", survey=survey, actor=actor, data=data)
    return survey


def open_warnings(survey: Survey) -> list[str]:
    """What a researcher should know before opening: experts see these gaps."""
    warnings = []
    if not (survey.contact_name.strip() and survey.contact_email.strip()):
        warnings.append(WARNING_CONTACT)
    privacy = (survey.privacy_controller, survey.privacy_purpose, survey.privacy_retention)
    if not all(part.strip() for part in (*privacy, survey.privacy_rights)):
        warnings.append(WARNING_PRIVACY)
    return warnings


@transaction.atomic
def surveys_close_due(*, now=None) -> int:
    """The beat's job: close every open survey whose closing date has passed."""
    now = now or timezone.now()
    due = Survey.objects.filter(status=Survey.Status.OPEN, closes_at__lte=now)
    return sum(_close(survey, survey.closes_at) for survey in due)


@transaction.atomic
def survey_anonymise(*, survey: Survey, actor, confirm: str, confirm_reasons: bool) -> int:
    """Irreversible. The survey's own expert rows lose their names, emails, affiliations and
    attributes (their sectors, the answers and every invitation's state and times stay),
    every link stops working for good, and what may
    quote a person goes: bounce messages, decline reasons, staged expert lists and the
    admin's records of these rows. Returns the number of experts anonymised."""
    if survey.anonymised_at is not None:
        raise LifecycleError(ERROR_ANONYMISED)
    if survey.status != Survey.Status.CLOSED:
        raise LifecycleError(ERROR_NOT_CLOSED)
    if confirm.strip() != survey.slug:
        raise LifecycleError(ERROR_CONFIRM_SLUG.format(slug=survey.slug))
    if not confirm_reasons:
        raise LifecycleError(ERROR_CONFIRM_REASONS)
    later = Survey.objects.filter(previous_round=survey, anonymised_at__isnull=True).first()
    if later is not None:
        raise LifecycleError(ERROR_ANONYMISE_NEXT_ROUND.format(number=later.round_number))
    experts = Expert.objects.filter(survey=survey)
    anonymised = experts.update(
        name=ANONYMOUS_NAME,
        # Unique within the survey, and says nothing about the person.
        email=Concat(Value("anonymised-"), Cast("pk", CharField()), Value("@anonymised.invalid")),
        affiliation="",
        attributes={},
    )
    invitations = list(survey.invitations.all())
    for invitation in invitations:
        # The old link must stop working: it identified the person. The invitation keeps
        # its state and times (sent, started, declined...): the fieldwork record stays.
        for field, value in links.link_fields_dead().items():
            setattr(invitation, field, value)
    Invitation.objects.bulk_update(invitations, ["link_nonce", "link_hash"], batch_size=1000)
    _personal_texts_delete(survey)
    now = timezone.now()
    Survey.objects.filter(pk=survey.pk).update(anonymised_at=now)
    survey.anonymised_at = now
    audit_log(
        action="survey.anonymised",
        survey=survey,
        actor=actor,
        data={"invitations": len(invitations), "experts_anonymised": anonymised},
    )
    return anonymised


def _personal_texts_delete(survey: Survey) -> None:
    """Free texts that may quote a name or an address: bounce messages, decline reasons,
    the staged uploads of expert lists, and the admin's log of changes to these rows."""
    survey.invitations.update(failure_reason="", decline_reason="")
    EmailDelivery.objects.filter(invitation__survey=survey).update(error="")
    AuditEvent.objects.filter(survey=survey, action__in=REASON_EVENTS).update(data={})
    Job.objects.filter(survey=survey, kind=IMPORT_JOB_KIND).delete()
    records = [
        (Expert, Expert.objects.filter(survey=survey)),
        (Invitation, survey.invitations.all()),
        (Response, Response.objects.filter(invitation__survey=survey)),
    ]
    for model, rows in records:
        ids = rows.annotate(text_pk=Cast("pk", CharField())).values("text_pk")
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=ids
        ).update(object_repr=f"{model.__name__} (anonymised)", change_message="")


@transaction.atomic
def invitation_mark_bounced(*, invitation: Invitation, reason: str, actor) -> Invitation:
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError(ERROR_REASON)
    invitation.failed_at, invitation.failure_reason = timezone.now(), reason[:1000]
    invitation.save(update_fields=["failed_at", "failure_reason"])
    audit_log(
        action="invitation.marked_bounced",
        invitation=invitation,
        actor=actor,
        data={"reason": reason},
    )
    return invitation


@transaction.atomic
def invitations_mark_bounced(*, survey: Survey, invitations, reason: str, actor) -> int:
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError(ERROR_REASON)
    rows = list(invitations.filter(survey=survey, failed_at__isnull=True))
    for invitation in rows:
        invitation_mark_bounced(invitation=invitation, reason=reason, actor=actor)
    return len(rows)


@transaction.atomic
def invitation_regenerate_link(*, invitation: Invitation, actor=None) -> Invitation:
    """A new secret; the old link stops working at once. Never for an anonymised survey,
    whose links must stay dead. In a Delphi study the expert holds one link for every round,
    so every round's invitation of theirs gets the new one (each with its round's hash)."""
    if invitation.survey.anonymised_at is not None:
        raise LifecycleError(ERROR_ANONYMISED_LINK)
    nonce = links.link_nonce_new()
    for member in links.invitation_chain(invitation):
        if member.survey.anonymised_at is not None:
            continue  # an anonymised round's links stay dead
        member_fields = links.link_fields_round(nonce, member.survey.round_number)
        Invitation.objects.filter(pk=member.pk).update(**member_fields)
        if member.pk == invitation.pk:
            for field, value in member_fields.items():
                setattr(invitation, field, value)
    invitation.revoked_at = None
    invitation.save(update_fields=["revoked_at"])
    audit_log(action="invitation.link_regenerated", invitation=invitation, actor=actor)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor=None) -> Invitation:
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_log(action="invitation.revoked", invitation=invitation, actor=actor)
    return invitation
