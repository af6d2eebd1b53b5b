"""Test invitations, the respondent page, withdrawing and deleting a response: the kept
counts stay those of a recount, and every refusal changes nothing."""

import csv
import io

import pytest
from django.urls import reverse

from responses.fieldwork import selectors
from responses.fieldwork.services import respondents
from responses.links import link_secret
from responses.models import (
    Answer,
    AuditEvent,
    Expert,
    Invitation,
    Response,
    ResultsSnapshot,
    Survey,
)
from responses.results.exports import respondents as export_rows
from responses.results.selectors import counts_fresh
from responses.results.services.counts import counts_rebuild
from responses.results.services.snapshots import snapshot_refresh
from tests.factories import kept, respond, walk_through
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db


def recounted(survey):
    """The kept counts as a full recount from the answers makes them."""
    counts_rebuild(survey=survey)
    return kept(survey)


def rows_now() -> dict:
    models = (Answer, AuditEvent, Expert, Invitation, Response)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def fielded(survey):
    for sector in ("academia", "agi_lab", "academia"):
        respond(survey, answers={1: 2, 2: -1, 3: 1}, sector=sector)
    return survey


@pytest.fixture
def test_invitation(fielded, researcher):
    return respondents.test_invitation_create(survey=fielded, actor=researcher, sector="academia")


@pytest.fixture
def test_response(test_invitation):
    return walk_through(test_invitation, answers={1: -2, 2: -2}, comments={1: "a test"})


def test_test_invitation_is_flagged_with_the_researchers_own_address(test_invitation):
    assert test_invitation.is_test is True
    assert test_invitation.expert.email.startswith("rita+test-")
    assert test_invitation.expert.email.endswith("@example.org")
    assert test_invitation.expert.name == "Test: rita"
    event = AuditEvent.objects.get(action="invitation.test_created")
    assert event.invitation == test_invitation and event.actor_label == "rita"


def test_test_invitation_view_creates_one_and_shows_its_link(researcher_client, survey):
    reply = researcher_client.post(url("test_invitation_create", survey), {"sector": ""})
    invitation = Invitation.objects.get(is_test=True)
    assert reply["Location"] == url("invitation", survey, invitation.pk)
    page = researcher_client.get(reply["Location"]).content.decode()
    assert 'id="personal-link"' in page and "state-test" in page


def test_test_invitation_view_refuses_an_unknown_sector(researcher_client, survey):
    before = rows_now()
    reply = researcher_client.post(
        url("test_invitation_create", survey), {"sector": "mars"}, follow=True
    )
    assert "Unknown sector &#x27;mars&#x27;" in reply.content.decode()
    assert rows_now() == before


def test_test_invitation_is_flagged_in_the_invitations_table(
    researcher_client, survey, test_invitation
):
    page = researcher_client.get(url("invitations", survey)).content.decode()
    assert page.count('<span class="state state-test">Test</span>') == 1
    assert "Delete test responses" in page


def test_test_response_stays_out_of_the_kept_counts(fielded, test_invitation):
    before = kept(fielded)
    walk_through(test_invitation, answers={1: -2, 2: -2})
    assert kept(fielded) == before
    assert counts_fresh(survey_id=fielded.pk)
    assert recounted(fielded) == before


def test_test_response_stays_out_of_rates_and_state_counts(fielded, test_response):
    rates = selectors.rates_overall(fielded)
    assert (rates.invited, rates.started, rates.submitted) == (3, 3, 3)
    assert selectors.state_counts(fielded)["submitted"] == 3
    assert [row["total"] for row in selectors.rates_by_assigned_sector(fielded)] == [1, 2]
    assert len(selectors.timeline(fielded)["submissions"]) == 3


def test_test_response_counts_in_the_dashboards_figures_when_asked(fielded, test_response):
    rates = selectors.rates_overall(fielded, include_tests=True)
    assert (rates.invited, rates.started, rates.submitted) == (4, 4, 4)
    assert selectors.state_counts(fielded, include_tests=True)["submitted"] == 4
    rows = selectors.rates_by_assigned_sector(fielded, include_tests=True)
    assert [row["total"] for row in rows] == [1, 3]
    assert len(selectors.timeline(fielded, include_tests=True)["submissions"]) == 4
    assert selectors.progress(fielded, include_tests=True).completed == 4
    assert selectors.progress(fielded).completed == 3


def test_dashboard_switch_includes_test_responses_and_keeps_the_counts(
    researcher_client, fielded, test_response
):
    before = kept(fielded)
    plain = researcher_client.get(url("dashboard", fielded)).content.decode()
    assert "Including 1 test invitation" not in plain
    assert 'aria-pressed="false"' in plain and f'{url("dashboard", fielded)}?tests=1"' in plain
    asked = researcher_client.get(url("dashboard", fielded), {"tests": "1"}).content.decode()
    assert "Including 1 test invitation and its responses" in asked
    assert 'aria-pressed="true"' in asked
    assert f'data-refresh-url="{url("dashboard_figures", fielded)}?tests=1"' in asked
    figures = researcher_client.get(url("dashboard_figures", fielded), {"tests": "1"})
    plain_figures = researcher_client.get(url("dashboard_figures", fielded))
    assert figures.content != plain_figures.content
    assert kept(fielded) == before == recounted(fielded)


def test_dashboard_ignores_a_test_switch_other_than_1(researcher_client, fielded, test_response):
    page = researcher_client.get(url("dashboard", fielded), {"tests": "yes"})
    assert page.status_code == 200
    assert "Including 1 test invitation" not in page.content.decode()


def test_results_switch_counts_test_responses_without_storing_them(
    researcher_client, fielded, test_response
):
    snapshot = snapshot_refresh(survey=fielded)
    before = (kept(fielded), ResultsSnapshot.objects.count())
    plain = researcher_client.get(url("results", fielded)).content.decode()
    assert "Including 1 test response" not in plain and 'aria-pressed="false"' in plain
    response = researcher_client.get(url("results", fielded), {"tests": "1"})
    page = response.content.decode()
    assert "Including 1 test response" in page and 'aria-pressed="true"' in page
    first = response.context["tables"]["statements"][0]
    kept_first = snapshot.tables["statements"][0]
    assert first["n"] == kept_first["n"] + 1
    assert (kept(fielded), ResultsSnapshot.objects.count()) == before


def test_test_response_stays_out_of_exports_unless_asked_for(fielded, test_response):
    assert len(list(export_rows.responses_wide_rows(fielded))) == 1 + 3
    with_tests = list(export_rows.responses_wide_rows(fielded, include_test=True))
    assert len(with_tests) == 1 + 4
    assert len(list(selectors.invitation_rows(fielded))) == 3


def test_results_export_includes_tests_when_asked(researcher_client, fielded, test_response):
    export = url("results_export", fielded, "csv")
    plain = b"".join(researcher_client.get(export).streaming_content).decode("utf-8-sig")
    asked = b"".join(researcher_client.get(export + "?tests=1").streaming_content)
    asked = asked.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(plain)))) == 4
    assert len(list(csv.reader(io.StringIO(asked)))) == 5


def test_delete_test_responses_removes_them_and_keeps_the_counts(
    researcher_client, fielded, test_response, researcher
):
    before = kept(fielded)
    reply = researcher_client.post(url("test_responses_delete", fielded), {"confirm": "on"})
    assert reply.status_code == 302
    assert not Invitation.objects.filter(is_test=True).exists()
    assert not Expert.objects.filter(email__contains="+test-").exists()
    assert Response.objects.count() == 3
    assert kept(fielded) == before == recounted(fielded)
    event = AuditEvent.objects.get(action="responses.tests_deleted")
    assert event.data == {"count": 1} and event.actor == researcher


def test_delete_test_responses_refuses_without_confirmation(
    researcher_client, fielded, test_response
):
    before = rows_now()
    reply = researcher_client.post(url("test_responses_delete", fielded), {}, follow=True)
    assert respondents.ERROR_CONFIRM in reply.content.decode()
    assert rows_now() == before


def test_delete_test_responses_refuses_when_there_are_none(researcher_client, fielded):
    reply = researcher_client.post(
        url("test_responses_delete", fielded), {"confirm": "on"}, follow=True
    )
    assert respondents.ERROR_NO_TESTS in reply.content.decode()


def test_delete_test_responses_leaves_other_surveys_alone(
    client, fielded, test_response, other_researcher
):
    client.force_login(other_researcher)
    reply = client.post(url("test_responses_delete", fielded), {"confirm": "on"})
    assert reply.status_code == 404
    assert Invitation.objects.filter(is_test=True).count() == 1


# ---------------------------------------------------------------- withdraw and delete


@pytest.fixture
def submitted(fielded):
    return Response.objects.filter(submitted_at__isnull=False).order_by("pk").first()


def test_withdraw_takes_the_response_out_of_the_counts(researcher_client, fielded, submitted):
    pk = submitted.invitation_id
    reply = researcher_client.post(url("respondent_withdraw", fielded, pk), {"confirm": "on"})
    assert reply["Location"] == url("respondent", fielded, pk)
    submitted.refresh_from_db()
    assert submitted.withdrawn_at is not None
    cells, sizes = kept(fielded)
    assert sum(sizes.values()) == 2
    assert (cells, sizes) == recounted(fielded)
    assert counts_fresh(survey_id=fielded.pk)
    assert len(list(export_rows.responses_wide_rows(fielded))) == 1 + 2
    event = AuditEvent.objects.get(action="response.withdrawn")
    assert event.data == {"respondent": submitted.pseudonym}


def test_withdraw_refuses_without_confirmation(researcher_client, fielded, submitted):
    before = kept(fielded)
    reply = researcher_client.post(
        url("respondent_withdraw", fielded, submitted.invitation_id), {}, follow=True
    )
    assert respondents.ERROR_CONFIRM in reply.content.decode()
    submitted.refresh_from_db()
    assert submitted.withdrawn_at is None and kept(fielded) == before


def test_withdraw_refuses_twice(researcher_client, fielded, submitted, researcher):
    respondents.response_withdraw(response=submitted, actor=researcher, confirm=True)
    before = kept(fielded)
    with pytest.raises(respondents.RespondentsError, match=respondents.ERROR_WITHDRAWN):
        respondents.response_withdraw(response=submitted, actor=researcher, confirm=True)
    assert kept(fielded) == before
    assert AuditEvent.objects.filter(action="response.withdrawn").count() == 1


def test_withdraw_refuses_an_invitation_without_response(researcher_client, survey, invitation):
    reply = researcher_client.post(
        url("respondent_withdraw", survey, invitation.pk), {"confirm": "on"}, follow=True
    )
    assert "has no response" in reply.content.decode()


def test_delete_response_removes_it_and_updates_the_counts(researcher_client, fielded, submitted):
    invitation_pk = submitted.invitation_id
    reply = researcher_client.post(
        url("respondent_delete", fielded, invitation_pk), {"confirm": "on"}
    )
    assert reply.status_code == 302
    assert not Response.objects.filter(pk=submitted.pk).exists()
    assert not Answer.objects.filter(response_id=submitted.pk).exists()
    invitation = Invitation.objects.get(pk=invitation_pk)
    assert (invitation.started_at, invitation.submitted_at) == (None, None)
    assert sum(kept(fielded)[1].values()) == 2
    assert kept(fielded) == recounted(fielded)
    assert selectors.rates_overall(fielded).submitted == 2
    event = AuditEvent.objects.get(action="response.deleted")
    assert event.data == {"respondent": submitted.pseudonym, "submitted": True}


def test_delete_response_refuses_without_confirmation(researcher_client, fielded, submitted):
    before = rows_now()
    reply = researcher_client.post(
        url("respondent_delete", fielded, submitted.invitation_id), {}, follow=True
    )
    assert respondents.ERROR_CONFIRM in reply.content.decode()
    assert rows_now() == before


def test_delete_response_refuses_another_teams_researcher(
    client, fielded, submitted, other_researcher
):
    client.force_login(other_researcher)
    reply = client.post(
        url("respondent_delete", fielded, submitted.invitation_id), {"confirm": "on"}
    )
    assert reply.status_code == 404
    assert Response.objects.filter(pk=submitted.pk).exists()


# ---------------------------------------------------------------- the respondent page


def test_respondent_page_shows_timeline_answers_and_background(researcher_client, survey):
    invitation = respond(survey, answers={}, submitted=False).invitation
    response = walk_through(
        invitation,
        answers={3: 2, 1: -88},
        comments={3: "Labs <b>must</b> do this"},
        open_answer="More audits",
    )
    page = researcher_client.get(url("respondent", survey, invitation.pk)).content.decode()
    for label in ("Invited", "Started", "Last saved", "Submitted"):
        assert f'<span class="timeline-label">{label}</span>' in page
    assert "Emailed" not in page and "Declined" not in page
    assert response.pseudonym in page
    assert "Labs &lt;b&gt;must&lt;/b&gt; do this" in page
    assert "More audits" in page
    assert "Time taken, from consent to submission" in page
    titles = [row for row in page.split("<tr>") if '<th scope="row">' in row]
    first_shown = response.statement_order[0]
    assert len(titles) == len(response.statement_order)
    from statements.models import Statement

    assert Statement.objects.get(pk=first_shown).title in titles[0]


def test_respondent_page_of_an_expert_who_has_not_started(researcher_client, survey, invitation):
    page = researcher_client.get(url("respondent", survey, invitation.pk)).content.decode()
    assert "No response yet" in page
    assert "Withdraw the response" not in page


def test_respondent_page_refuses_another_surveys_invitation(
    client, survey, invitation, other_researcher
):
    client.force_login(other_researcher)
    assert client.get(url("respondent", survey, invitation.pk)).status_code == 404


def test_respondent_page_is_linked_from_the_invitations_table(researcher_client, fielded):
    pk = Response.objects.order_by("pk").first().invitation_id
    page = researcher_client.get(url("invitations", fielded)).content.decode()
    assert f'href="{reverse("research:respondent", args=[fielded.slug, pk])}"' in page


def test_invitations_export_includes_tests_when_asked(researcher_client, fielded, test_response):
    export = url("invitations_csv", fielded)
    plain = researcher_client.get(export).content.decode("utf-8-sig")
    asked = researcher_client.get(export + "?tests=1").content.decode("utf-8-sig")
    assert "+test-" not in plain
    assert len(list(csv.reader(io.StringIO(asked)))) == 1 + 4


# ---------------------------------------------------------------- before the survey opens


@pytest.fixture
def draft(survey):
    survey.status = Survey.Status.DRAFT
    survey.save()
    return survey


def _walk_in_browser(client, invitation):
    client.get(reverse("respondent:link", args=[link_secret(invitation.link_nonce)]))
    client.post(reverse("respondent:consent"), {"consent": "on"})
    first = invitation.response.statement_order[0]
    saved = client.post(reverse("respondent:autosave"), {"statement": first, "value": "2"})
    submitted = client.post(reverse("respondent:submit"))
    return saved, submitted


def test_test_invitation_walks_through_a_draft_survey(client, draft, researcher):
    invitation = respondents.test_invitation_create(survey=draft, actor=researcher)
    before = kept(draft)
    saved, submitted = _walk_in_browser(client, invitation)
    assert saved.json()["saved"] is True
    assert submitted["Location"] == reverse("respondent:thanks")
    invitation.refresh_from_db()
    assert invitation.submitted_at is not None
    assert Answer.objects.filter(response__invitation=invitation).count() == 1
    assert kept(draft) == before == recounted(draft)


def test_experts_link_still_refused_in_a_draft_survey(client, draft, invitation):
    client.get(reverse("respondent:link", args=[link_secret(invitation.link_nonce)]))
    reply = client.get(reverse("respondent:landing"))
    assert reply.status_code == 403 and b"not open yet" in reply.content


def test_test_invitation_refused_once_the_survey_closed(client, survey, researcher):
    invitation = respondents.test_invitation_create(survey=survey, actor=researcher)
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    client.get(reverse("respondent:link", args=[link_secret(invitation.link_nonce)]))
    assert client.get(reverse("respondent:landing")).status_code == 410
    assert not Response.objects.filter(invitation=invitation).exists()


def test_results_switch_without_a_snapshot_shows_the_page(
    researcher_client, fielded, test_response
):
    ResultsSnapshot.objects.filter(survey=fielded).delete()
    response = researcher_client.get(url("results", fielded), {"tests": "1"})
    assert response.status_code == 200
    stored = list(ResultsSnapshot.objects.values_list("respondents", flat=True))
    assert all(respondents == 3 for respondents in stored)  # a test response is in none
