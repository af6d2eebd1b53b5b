from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from responses.fieldwork import tasks
from responses.fieldwork.services import lifecycle
from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import survey_create
from responses.links import link_secret
from responses.models import Answer, AuditEvent, Expert, Invitation, Job, Response, Survey
from responses.respondent.selectors import invitation_by_secret
from statements.models import Statement
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(survey):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.DRAFT)
    survey.refresh_from_db()
    return survey


def test_open_with_provisional_wordings_needs_confirmation(researcher_client, draft):
    assert Statement.objects.filter(wording="provisional").exists()
    response = researcher_client.post(url("open", draft), follow=True)
    assert "provisional wording" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Survey.Status.DRAFT
    researcher_client.post(url("open", draft), {"confirm_provisional": "on"})
    draft.refresh_from_db()
    assert draft.status == Survey.Status.OPEN
    assert AuditEvent.objects.get(action="survey.opened").data == {"provisional": 25}


def test_open_without_provisional_wordings_needs_no_confirmation(researcher, draft):
    Statement.objects.update(wording="verbatim")
    lifecycle.survey_open(survey=draft, actor=researcher)
    assert draft.status == Survey.Status.OPEN


def test_close_by_hand_and_refuse_twice(researcher_client, survey):
    researcher_client.post(url("close", survey))
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED
    response = researcher_client.post(url("close", survey), follow=True)
    assert lifecycle.ERROR_NOT_OPEN in response.content.decode()


def test_survey_closes_on_its_date_by_itself(survey):
    past = timezone.now() - timedelta(minutes=1)
    Survey.objects.filter(pk=survey.pk).update(closes_at=past)
    later = survey_create(slug="later", title="Later", closes_at=timezone.now() + timedelta(days=1))
    assert tasks.surveys_close_due_task.delay().result == 1
    survey.refresh_from_db()
    later.refresh_from_db()
    assert (survey.status, survey.closed_at) == (Survey.Status.CLOSED, past)
    assert later.status == Survey.Status.OPEN
    assert tasks.surveys_close_due_task.delay().result == 0


@pytest.fixture
def submitted_response(invitation):
    now = timezone.now()
    response = Response.objects.create(
        invitation=invitation, consented_at=now, statement_order=[], submitted_at=now
    )
    response.answers.create(
        statement=Statement.objects.first(), survey=invitation.survey, value=2, updated_at=now
    )
    Expert.objects.filter(pk=invitation.expert_id).update(attributes={"city": "Oxford"})
    return response


def anonymise(survey, actor, confirm="agi", confirm_reasons=True):
    return lifecycle.survey_anonymise(
        survey=survey, actor=actor, confirm=confirm, confirm_reasons=confirm_reasons
    )


def test_anonymise_refused_before_close_and_without_the_typed_slug(
    researcher, survey, submitted_response
):
    with pytest.raises(lifecycle.LifecycleError, match="closed survey"):
        anonymise(survey, researcher)
    lifecycle.survey_close(survey=survey, actor=researcher)
    with pytest.raises(lifecycle.LifecycleError, match="Type the survey"):
        anonymise(survey, researcher, confirm="yes")
    with pytest.raises(lifecycle.LifecycleError) as refused:
        anonymise(survey, researcher, confirm_reasons=False)
    assert str(refused.value) == lifecycle.ERROR_CONFIRM_REASONS
    assert Expert.objects.filter(email="alice@example.org").exists()


def test_anonymise_removes_personal_data_keeps_answers_and_kills_links(
    researcher_client, researcher, survey, submitted_response, invitation
):
    secret = link_secret(invitation.link_nonce)
    lifecycle.survey_close(survey=survey, actor=researcher)
    data = {"confirm": "agi", "confirm_reasons": "on"}
    response = researcher_client.post(url("anonymise", survey), data)
    assert response.status_code == 302
    assert not Expert.objects.filter(email="alice@example.org").exists()
    invitation.refresh_from_db()
    expert = invitation.expert
    assert (expert.name, expert.affiliation, expert.attributes) == ("Anonymised expert", "", {})
    assert expert.sector == "academia"
    assert Answer.objects.filter(response__invitation=invitation, value=2).count() == 1
    assert invitation_by_secret(secret=secret) is None
    survey.refresh_from_db()
    assert survey.anonymised_at is not None
    with pytest.raises(lifecycle.LifecycleError, match="already anonymised"):
        anonymise(survey, researcher)


def test_anonymise_leaves_the_same_person_on_another_survey_as_they_are(
    researcher, other_researcher, survey, invitation
):
    other = survey_create(slug="other", title="Other", owner=other_researcher)
    theirs, _ = invitation_create(survey=other, email="alice@example.org", name="Alice Expert")
    mine = invitation.expert_id
    lifecycle.survey_close(survey=survey, actor=researcher)
    assert anonymise(survey, researcher) == 1
    theirs.refresh_from_db()
    invitation.refresh_from_db()
    assert (theirs.expert.name, theirs.expert.email) == ("Alice Expert", "alice@example.org")
    assert theirs.revoked_at is None
    assert invitation.expert.name == "Anonymised expert"
    assert invitation.expert_id == mine  # blanked in place


def test_anonymise_form_needs_the_decline_reasons_ticked(
    researcher_client, researcher, survey, invitation
):
    lifecycle.survey_close(survey=survey, actor=researcher)
    page = researcher_client.get(url("anonymise", survey)).content.decode()
    assert 'name="confirm_reasons"' in page and "reasons experts gave for declining" in page
    response = researcher_client.post(url("anonymise", survey), {"confirm": "agi"})
    assert response.status_code == 200
    assert lifecycle.ERROR_CONFIRM_REASONS in response.content.decode()
    survey.refresh_from_db()
    assert survey.anonymised_at is None
    assert Expert.objects.get(pk=invitation.expert_id).name == "Alice Expert"


def test_anonymise_deletes_the_decline_reasons(researcher, survey, started_client, invitation):
    started_client.post(reverse("respondent:decline"), {"reason": "Ask my colleague Bo Li"})
    lifecycle.survey_close(survey=survey, actor=researcher)
    anonymise(survey, researcher)
    invitation.refresh_from_db()
    assert invitation.declined_at is not None and invitation.decline_reason == ""
    assert AuditEvent.objects.get(action="expert.declined").data == {}


def test_anonymise_deletes_the_staged_expert_lists(researcher, other_researcher, survey):
    theirs = survey_create(slug="theirs", title="Theirs", owner=other_researcher)
    staged = {"rows": [{"name": "Ann", "email": "ann@x.example"}]}
    for owner in (survey, theirs):
        Job.objects.create(survey=owner, kind="experts_import", result=staged)
    recompute = Job.objects.create(survey=survey, kind="results_recompute")
    lifecycle.survey_close(survey=survey, actor=researcher)
    anonymise(survey, researcher)
    assert set(Job.objects.values_list("pk", flat=True)) == {
        recompute.pk,
        Job.objects.get(survey=theirs).pk,
    }


def test_anonymise_removes_personal_data_from_the_admins_log(
    researcher, other_researcher, admin_user, survey, submitted_response, invitation
):
    theirs = survey_create(slug="theirs", title="Theirs", owner=other_researcher)
    their_alice, _ = invitation_create(survey=theirs, email="alice@example.org", name="Alice")
    records = [invitation.expert, invitation, submitted_response, their_alice.expert]
    for record in records:
        LogEntry.objects.create(
            user=admin_user,
            content_type=ContentType.objects.get_for_model(record),
            object_id=str(record.pk),
            object_repr=str(record),
            action_flag=CHANGE,
            change_message="Wrote to alice@example.org",
        )
    lifecycle.survey_close(survey=survey, actor=researcher)
    anonymise(survey, researcher)
    entries = LogEntry.objects.order_by("pk").values_list("object_repr", "change_message")
    assert list(entries) == [
        ("Expert (anonymised)", ""),
        ("Invitation (anonymised)", ""),
        ("Response (anonymised)", ""),
        ("Alice <alice@example.org>", "Wrote to alice@example.org"),
    ]


def test_invitation_page_shows_link_with_copy_button(researcher_client, survey, invitation):
    page = researcher_client.get(url("invitation", survey, invitation.pk)).content.decode()
    assert link_secret(invitation.link_nonce) in page
    assert 'data-copy-target="personal-link"' in page
    assert "js/research.js" in page
    assert "<script>" not in page


def test_regenerate_link_revokes_the_old_one_at_once(researcher_client, survey, invitation):
    old = link_secret(invitation.link_nonce)
    researcher_client.post(url("invitation_action", survey, invitation.pk, "regenerate"))
    invitation.refresh_from_db()
    assert invitation_by_secret(secret=old) is None
    assert invitation_by_secret(secret=link_secret(invitation.link_nonce)) == invitation
    assert AuditEvent.objects.filter(action="invitation.link_regenerated").count() == 1


def test_mark_bounced_needs_a_reason_and_shows_it(researcher_client, survey, invitation):
    path = url("invitation_action", survey, invitation.pk, "bounce")
    response = researcher_client.post(path, {"reason": ""}, follow=True)
    assert lifecycle.ERROR_REASON in response.content.decode()
    researcher_client.post(path, {"reason": "550 mailbox unavailable"})
    invitation.refresh_from_db()
    assert invitation.failure_reason == "550 mailbox unavailable"
    page = researcher_client.get(url("invitation", survey, invitation.pk)).content.decode()
    assert "550 mailbox unavailable" in page
    assert "invitation.marked_bounced" in page


def test_bulk_revoke_selected_and_unknown_action(
    researcher_client, survey, invitation, other_invitation
):
    bulk = url("invitations_bulk", survey)
    response = researcher_client.post(
        bulk, {"action": "explode", "ids": [invitation.pk]}, follow=True
    )
    assert "Choose an action." in response.content.decode()
    researcher_client.post(bulk, {"action": "revoke", "ids": [invitation.pk], "confirmed": "1"})
    assert list(Invitation.objects.filter(revoked_at__isnull=False)) == [invitation]


@pytest.mark.parametrize("bad", ["²", "9223372036854775808", "-1", "x"])
def test_bulk_ignores_ids_that_are_no_invitation(researcher_client, survey, invitation, bad):
    bulk = url("invitations_bulk", survey)
    data = {"action": "revoke", "ids": [bad, invitation.pk], "confirmed": "1"}
    response = researcher_client.post(bulk, data)
    assert response.status_code == 302
    assert list(Invitation.objects.filter(revoked_at__isnull=False)) == [invitation]


def test_bulk_send_all_matching_filter(
    researcher_client,
    survey,
    invitation,
    other_invitation,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        researcher_client.post(
            url("invitations_bulk", survey),
            {"action": "send", "scope": "filtered", "state": "not_sent", "confirmed": "1"},
        )
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "bob@example.org"]


def test_audit_log_per_survey_and_per_invitation(researcher_client, survey, invitation):
    researcher_client.post(url("invitation_action", survey, invitation.pk, "revoke"))
    page = researcher_client.get(url("audit", survey)).content.decode()
    assert "invitation.revoked" in page and "survey.created" in page
    assert "rita" in page
    page = researcher_client.get(url("invitation", survey, invitation.pk)).content.decode()
    assert "invitation.revoked" in page and "survey.created" not in page


def test_expert_milestones_are_logged(started_client, invitation):
    started_client.post(reverse("respondent:decline"), {"reason": "busy"})
    actions = set(AuditEvent.objects.filter(invitation=invitation).values_list("action", flat=True))
    assert {"invitation.created", "expert.consented", "expert.declined"} <= actions


@pytest.mark.parametrize("slug", ["login", "logout"])
def test_survey_create_refuses_the_slugs_of_the_research_pages(db, researcher, slug):
    with pytest.raises(lifecycle.SurveyError) as refused:
        survey_create(slug=slug, title="Shadowed", owner=researcher)
    assert str(refused.value) == lifecycle.ERROR_SLUG_RESERVED.format(slug=slug)
    assert not Survey.objects.filter(slug=slug).exists()
