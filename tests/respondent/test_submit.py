import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responses.links import link_secret
from responses.models import Answer, AuditEvent, Invitation, Response, Survey

pytestmark = pytest.mark.django_db

SUBMIT = reverse("respondent:submit")


def answer_first(client, invitation, value="2", comment=""):
    pk = Response.objects.get(invitation=invitation).statement_order[0]
    client.post("/survey/answer/", {"statement": pk, "value": value, "comment": comment})
    return pk


def test_submit_records_time_on_response_and_invitation(started_client, invitation, survey):
    answer_first(started_client, invitation)
    response = started_client.post(SUBMIT)
    assert response["Location"] == reverse("respondent:thanks")
    invitation.refresh_from_db()
    stored = Response.objects.get(invitation=invitation)
    assert stored.submitted_at is not None
    assert invitation.submitted_at == stored.submitted_at
    survey.refresh_from_db()
    assert survey.results_stale_since == stored.submitted_at


def test_submit_twice_gives_one_submission_time(started_client, invitation):
    started_client.post(SUBMIT)
    first = Response.objects.get(invitation=invitation).submitted_at
    second = started_client.post(SUBMIT)
    assert second["Location"] == reverse("respondent:thanks")
    assert Response.objects.get(invitation=invitation).submitted_at == first
    assert AuditEvent.objects.filter(action="expert.submitted").count() == 1


def test_submit_thanks_page_shows_the_time(started_client, invitation):
    started_client.post(SUBMIT)
    page = started_client.get(reverse("respondent:thanks")).content.decode()
    assert "Thank you" in page
    submitted = Response.objects.get(invitation=invitation).submitted_at
    assert submitted.strftime("%-d %B %Y") in page


def test_submit_needs_post(started_client):
    assert started_client.get(SUBMIT).status_code == 405


def test_submit_before_consent_is_refused(expert_client, invitation):
    response = expert_client.post(SUBMIT)
    assert response["Location"] == reverse("respondent:landing")
    assert not Response.objects.exists()


def test_after_submission_the_link_shows_date_and_answers_read_only(
    started_client, invitation, secret
):
    pk = answer_first(started_client, invitation, "-88", "Not my field")
    started_client.post(SUBMIT)
    fresh = Client()
    fresh.get(reverse("respondent:link", args=[secret]))
    page = fresh.get(reverse("respondent:landing")).content.decode()
    assert "Submitted on" in page
    assert "I don&#x27;t know" in page
    assert "Not my field" in page
    assert "<input" not in page
    assert fresh.get(reverse("respondent:page", args=[1]))["Location"] == reverse(
        "respondent:landing"
    )
    assert Answer.objects.get(statement_id=pk).value == -88


def test_after_submission_pages_and_background_are_closed_for_edits(started_client, invitation):
    started_client.post(SUBMIT)
    response = started_client.post(reverse("respondent:background"), {"gender": "man"})
    assert response["Location"] == reverse("respondent:landing")
    assert Response.objects.get(invitation=invitation).gender == ""


def test_closed_survey_after_submission_shows_answers_with_410(started_client, invitation, survey):
    answer_first(started_client, invitation, "1", "Fine")
    started_client.post(SUBMIT)
    survey.status = Survey.Status.CLOSED
    survey.closed_at = timezone.now()
    survey.save()
    response = started_client.get(reverse("respondent:landing"))
    assert response.status_code == 410
    assert "Somewhat agree" in response.content.decode()


def test_submit_on_closed_survey_is_refused_and_answers_stay(started_client, invitation, survey):
    pk = answer_first(started_client, invitation)
    survey.closes_at = timezone.now() - timezone.timedelta(seconds=1)
    survey.save()
    response = started_client.post(SUBMIT)
    assert response.status_code == 410
    assert Response.objects.get(invitation=invitation).submitted_at is None
    assert Answer.objects.get(statement_id=pk).value == 2


@pytest.mark.django_db(transaction=True)
def test_submit_from_two_tabs_at_once_gives_one_time(survey, invitation, postgres):
    secret = link_secret(invitation.link_nonce)
    tabs = [Client() for _ in range(4)]
    for tab in tabs:
        tab.get(reverse("respondent:link", args=[secret]))
    tabs[0].post(reverse("respondent:consent"), {"consent": "on"})
    barrier = threading.Barrier(len(tabs))
    locations = []

    def run(tab):
        barrier.wait()
        locations.append(tab.post(SUBMIT)["Location"])
        connection.close()

    threads = [threading.Thread(target=run, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert locations == [reverse("respondent:thanks")] * 4
    assert AuditEvent.objects.filter(action="expert.submitted").count() == 1
    invitation.refresh_from_db()
    assert invitation.submitted_at == Response.objects.get(invitation=invitation).submitted_at


def test_decline_page_get_changes_nothing(expert_client, invitation):
    page = expert_client.get(reverse("respondent:decline"))
    assert page.status_code == 200
    invitation.refresh_from_db()
    assert invitation.declined_at is None


def test_decline_records_time_and_reason(expert_client, invitation):
    response = expert_client.post(reverse("respondent:decline"), {"reason": "No time."})
    assert response.status_code == 200
    assert "You have declined" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.declined_at is not None
    assert invitation.decline_reason == "No time."
    assert invitation.audit_events.filter(action="expert.declined").count() == 1


def test_decline_reason_is_optional(expert_client, invitation):
    expert_client.post(reverse("respondent:decline"), {})
    invitation.refresh_from_db()
    assert invitation.declined_at is not None


def test_decline_refuses_an_overlong_reason(expert_client, invitation):
    response = expert_client.post(reverse("respondent:decline"), {"reason": "x" * 5001})
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.declined_at is None


def test_decline_link_opens_the_decline_page(client, invitation, secret):
    response = client.get(reverse("respondent:link_decline", args=[secret]))
    assert response["Location"] == reverse("respondent:decline")
    invitation.refresh_from_db()
    assert invitation.declined_at is None


def test_declined_expert_may_change_their_mind(expert_client, invitation):
    expert_client.post(reverse("respondent:decline"), {"reason": "Busy"})
    landing = expert_client.get(reverse("respondent:landing")).content.decode()
    assert "do not wish to take part" in landing
    expert_client.post(reverse("respondent:consent"), {"consent": "on"})
    invitation.refresh_from_db()
    assert invitation.declined_at is None
    assert Invitation.objects.get(pk=invitation.pk).decline_reason == ""


def test_decline_after_submission_is_not_possible(started_client, invitation):
    started_client.post(SUBMIT)
    response = started_client.post(reverse("respondent:decline"), {"reason": "x"})
    assert response["Location"] == reverse("respondent:landing")
    invitation.refresh_from_db()
    assert invitation.declined_at is None
