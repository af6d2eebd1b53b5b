"""The researchers' own walk-throughs (test invitations) and what they do with one respondent's
response: withdraw it (the expert asked; it leaves the results and stays on record) or delete
it. Each keeps the results' counts right and is audited."""

import secrets

from django.db import transaction
from django.utils import timezone

from ...audit import audit_log
from ...models import Expert, Invitation, Response, Survey
from ...results.services.counts import answers_group, counts_add, records_delete
from .experts import ExpertError, expert_clean, invitations_build

ERROR_CONFIRM = "Tick the box to confirm."
ERROR_WITHDRAWN = "This response is already withdrawn."
ERROR_NO_TESTS = "There are no test responses to delete."
TEST_NAME = "Test: {user}"


class RespondentsError(Exception):
    pass


def _test_email(actor) -> str:
    """An address of the researcher's own (plus-addressed, so that it never meets a real
    expert's on the list, nor another test's), or a reserved one when they have none."""
    tag = secrets.token_hex(3)
    local, at, domain = (actor.email or "").partition("@")
    if at and local and domain:
        return f"{local}+test-{tag}@{domain}"
    return f"test-{tag}@example.invalid"


@transaction.atomic
def test_invitation_create(*, survey: Survey, actor, sector: str = "") -> Invitation:
    """A test invitation for the researcher: a real link, walked through for real, kept out of
    the rates, the results and the exports (unless asked for)."""
    name = TEST_NAME.format(user=actor.get_full_name() or actor.get_username())
    fields, problems = expert_clean(email=_test_email(actor), name=name, sector=sector)
    if problems:
        raise ExpertError(problems)
    expert = Expert.objects.create(survey=survey, **fields)
    (invitation,) = invitations_build(survey=survey, experts=[expert], is_test=True)
    invitation.save()
    audit_log(action="invitation.test_created", invitation=invitation, actor=actor)
    return invitation


@transaction.atomic
def test_responses_delete(*, survey: Survey, actor, confirm: bool) -> int:
    """Delete the survey's test invitations with their experts, responses and answers.
    Returns how many went."""
    if not confirm:
        raise RespondentsError(ERROR_CONFIRM)
    experts = Expert.objects.filter(survey=survey, invitations__is_test=True)
    count = experts.count()
    if not count:
        raise RespondentsError(ERROR_NO_TESTS)
    records_delete(records=experts)
    audit_log(action="responses.tests_deleted", survey=survey, actor=actor, data={"count": count})
    return count


def _locked(response: Response) -> Response:
    return (
        Response.objects.select_for_update(of=("self",))
        .select_related("invitation__survey")
        .get(pk=response.pk)
    )


def _stale(survey_id: int, now) -> None:
    Survey.objects.filter(pk=survey_id, results_stale_since__isnull=True).update(
        results_stale_since=now
    )


@transaction.atomic
def response_withdraw(*, response: Response, actor, confirm: bool) -> Response:
    """The expert asked to be left out: the response leaves the kept counts (and so the
    next results) and every export, and stays on record with the time it was withdrawn."""
    if not confirm:
        raise RespondentsError(ERROR_CONFIRM)
    response = _locked(response)
    if response.withdrawn_at is not None:
        raise RespondentsError(ERROR_WITHDRAWN)
    now = timezone.now()
    # Out of the counts by the keys its answers carry now, then keyed as uncounted.
    counts_add(response_ids=[response.pk], sign=-1)
    Response.objects.filter(pk=response.pk).update(withdrawn_at=now, updated_at=now)
    answers_group(response_ids=[response.pk])
    _stale(response.invitation.survey_id, now)
    audit_log(
        action="response.withdrawn",
        invitation=response.invitation,
        actor=actor,
        data={"respondent": response.pseudonym},
    )
    response.withdrawn_at = now
    return response


@transaction.atomic
def response_delete(*, response: Response, actor, confirm: bool) -> Invitation:
    """Delete the response and its answers; the invitation stays, as not started, so the
    fieldwork's rates count it again as invited only. Returns the invitation."""
    if not confirm:
        raise RespondentsError(ERROR_CONFIRM)
    response = _locked(response)
    invitation = response.invitation
    records_delete(records=Response.objects.filter(pk=response.pk))
    Invitation.objects.filter(pk=invitation.pk).update(started_at=None, submitted_at=None)
    invitation.started_at = invitation.submitted_at = None
    audit_log(
        action="response.deleted",
        invitation=invitation,
        actor=actor,
        data={"respondent": response.pseudonym, "submitted": response.submitted_at is not None},
    )
    return invitation
