"""One rule decides whether an answer may be written (respondent/selectors.py: WRITE_RULE).
The autosave's single SQL statement and the Python path both derive from it; here they are
held against each other in every state an invitation, its response and its survey can be in,
for a session opened with the invitation's link, which may have been regenerated since."""

import itertools
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from responses import links
from responses.models import Answer, Invitation, Response, Survey
from responses.respondent import services
from responses.respondent.selectors import ERROR_SESSION_ENDED, answer_write_refusal

pytestmark = pytest.mark.django_db

MOMENTS = [None, "past", "future"]
AXES = {
    "started": [False, True],
    "submitted": [False, True],
    "declined": [False, True],
    "revoked": [False, True],
    "regenerated": [False, True],
    "test": [False, True],
    "status": Survey.Status.values,
    "opens_at": MOMENTS,
    "closes_at": MOMENTS,
    "in_order": [False, True],
}
# Every state, not a sample: 6,912 of them.
EVERY_STATE = [dict(zip(AXES, values, strict=True)) for values in itertools.product(*AXES.values())]


def _moment(which, now):
    return {None: None, "past": now - timedelta(days=1), "future": now + timedelta(days=1)}[which]


def _put_in_state(invitation, state) -> tuple[Response, int]:
    """The invitation's response in `state`; returns it, fresh, and the statement to write.
    The session stays the one opened with the invitation's link as the fixture made it."""
    response = services.response_start(invitation=invitation)
    order = response.statement_order
    now = timezone.now()
    Response.objects.filter(pk=response.pk).update(
        statement_order=order[:-1], submitted_at=now if state["submitted"] else None
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        started_at=now if state["started"] else None,
        declined_at=now if state["declined"] else None,
        revoked_at=now if state["revoked"] else None,
        is_test=state["test"],
        **(links.link_fields_new() if state["regenerated"] else {}),
    )
    Survey.objects.filter(pk=invitation.survey_id).update(
        status=state["status"],
        opens_at=_moment(state["opens_at"], now),
        closes_at=_moment(state["closes_at"], now),
    )
    fresh = Response.objects.select_related("invitation__survey").get(pk=response.pk)
    return fresh, order[0] if state["in_order"] else order[-1]


def _both_paths(invitation, state) -> tuple[str | None, bool, str | None]:
    """(the rule's refusal, whether the one-statement SQL wrote, the full path's refusal)."""
    response, statement_id = _put_in_state(invitation, state)
    session = invitation.link_hash
    refusal = answer_write_refusal(
        response=response, link_hash=session, statement_ids=[statement_id]
    )
    answer = services.AnswerInput(statement_id, 1, None)
    saved = services.answer_save_direct(
        invitation_id=invitation.pk, link_hash=session, answer=answer
    )
    written = Answer.objects.filter(response=response, statement_id=statement_id).exists()
    assert written == saved
    try:
        services.answer_save(response=response, answer=answer, link_hash=session)
    except services.RespondentError as error:
        full = str(error)
    else:
        full = None
    return refusal, saved, full


def test_write_rule_sql_and_python_agree_in_every_state(invitation):
    disagreements = []
    for state in EVERY_STATE:
        with transaction.atomic():
            refusal, saved, full = _both_paths(invitation, state)
            transaction.set_rollback(True)
        # The one-statement path also waits for the first answer, which the full path marks.
        if saved != (refusal is None and state["started"]) or full != refusal:
            disagreements.append((state, refusal, saved, full))
    assert disagreements == []


def test_write_rule_refuses_a_session_whose_link_was_regenerated(invitation):
    state = dict(EVERY_STATE[0], started=True, status=Survey.Status.OPEN, in_order=True)
    with transaction.atomic():
        allowed = _both_paths(invitation, state)
        transaction.set_rollback(True)
    with transaction.atomic():
        regenerated = _both_paths(invitation, dict(state, regenerated=True))
        transaction.set_rollback(True)
    assert allowed == (None, True, None)
    assert regenerated == (ERROR_SESSION_ENDED, False, ERROR_SESSION_ENDED)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    state=st.sampled_from(EVERY_STATE),
    comment=st.one_of(
        st.none(),
        st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=20),
    ),
)
def test_write_rule_holds_with_and_without_a_comment(invitation, state, comment):
    with transaction.atomic():
        response, statement_id = _put_in_state(invitation, state)
        session = invitation.link_hash
        refusal = answer_write_refusal(
            response=response, link_hash=session, statement_ids=[statement_id]
        )
        answer = services.AnswerInput(statement_id, -88, comment)
        saved = services.answer_save_direct(
            invitation_id=invitation.pk, link_hash=session, answer=answer
        )
        allowed = refusal is None
        assert saved == (allowed and state["started"])
        transaction.set_rollback(True)
