"""Surveys, experts and invitations."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from statements.models import Statement

from ..models import SECTOR_GROUPS, Expert, Invitation, Survey
from . import links
from .audit import audit_log

ERROR_SLUG_TAKEN = "A survey with the slug '{slug}' already exists."
ERROR_SLUG_INVALID = "A slug may contain only lowercase letters, digits and hyphens."
ERROR_TITLE = "A survey needs a title."
ERROR_CLOSES_PAST = "The closing date must lie in the future."
ERROR_EMAIL = "'{email}' is not a valid email address."
ERROR_NAME = "An expert needs a name."
ERROR_SECTOR = "Unknown sector '{sector}'. Use one of: {choices}."
ERROR_NO_STATEMENTS = "The statement catalogue is empty: run the migrations first."

SECTOR_CODES = [code for code, _ in SECTOR_GROUPS]

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


class SurveyError(Exception):
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
    if not title.strip():
        raise SurveyError(ERROR_TITLE)
    if Survey.objects.filter(slug=slug).exists():
        raise SurveyError(ERROR_SLUG_TAKEN.format(slug=slug))
    if closes_at is not None and closes_at <= timezone.now():
        raise SurveyError(ERROR_CLOSES_PAST)
    statements = list(Statement.objects.values_list("pk", flat=True))
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
    survey.statements.set(statements)
    audit_log(action="survey.created", survey=survey, actor=owner, data={"slug": slug})
    return survey


def expert_validate(*, email: str, name: str, sector: str = "") -> None:
    try:
        validate_email(email)
    except ValidationError:
        raise SurveyError(ERROR_EMAIL.format(email=email)) from None
    if not name.strip():
        raise SurveyError(ERROR_NAME)
    if sector and sector not in SECTOR_CODES:
        raise SurveyError(ERROR_SECTOR.format(sector=sector, choices=", ".join(SECTOR_CODES)))


@transaction.atomic
def invitation_create(
    *, survey: Survey, email: str, name: str, sector: str = "", affiliation: str = "", actor=None
) -> tuple[Invitation, bool]:
    """Find or create the expert (by email) and their invitation to this survey."""
    email = email.strip()
    expert_validate(email=email, name=name, sector=sector)
    expert, _ = Expert.objects.get_or_create(
        email__iexact=email,
        defaults={
            "email": email,
            "name": name.strip(),
            "sector": sector,
            "affiliation": affiliation,
        },
    )
    invitation = Invitation.objects.filter(survey=survey, expert=expert).first()
    if invitation is not None:
        return invitation, False
    invitation = Invitation.objects.create(survey=survey, expert=expert, **links.link_fields_new())
    audit_log(action="invitation.created", invitation=invitation, actor=actor)
    return invitation, True


@transaction.atomic
def invitation_regenerate_link(*, invitation: Invitation, actor=None) -> Invitation:
    """A new secret; the old link stops working at once."""
    for field, value in links.link_fields_new().items():
        setattr(invitation, field, value)
    invitation.revoked_at = None
    invitation.save(update_fields=["link_nonce", "link_hash", "revoked_at"])
    audit_log(action="invitation.link_regenerated", invitation=invitation, actor=actor)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor=None) -> Invitation:
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_log(action="invitation.revoked", invitation=invitation, actor=actor)
    return invitation
