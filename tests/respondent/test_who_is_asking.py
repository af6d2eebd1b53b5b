"""Who is asking (issue 10): the landing page names the organisation, the contact, the time
needed, the number of statements and the closing time; the privacy notice is its own page,
linked from every respondent page; the closed page gives the contact; the thank-you page and
the record after submission."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from responses.models import Response, Survey

pytestmark = pytest.mark.django_db

PRIVACY = reverse("respondent:privacy")


@pytest.fixture
def described(survey):
    Survey.objects.filter(pk=survey.pk).update(
        organisation="Centre for AI Governance",
        contact_name="Dr Jane Roe",
        contact_email="jane@example.org",
        estimated_minutes=20,
        closes_at=datetime(2030, 3, 1, 16, 30, tzinfo=UTC),
        privacy_controller="The Centre, Oxford, is the controller.",
        privacy_purpose="Only for this study.",
        privacy_retention="Five years.",
        privacy_rights="You may ask for your answers to be erased.",
        thank_you_message="Your view matters to us.",
        results_sharing="A report in March 2030 on our website.",
    )
    survey.refresh_from_db()
    return survey


def text(response) -> str:
    return response.content.decode()


def test_landing_says_who_asks_how_long_and_until_when(expert_client, described, settings):
    page = text(expert_client.get(reverse("respondent:landing")))
    assert "Centre for AI Governance" in page
    assert '<a href="mailto:jane@example.org">Dr Jane Roe</a>' in page
    assert "About 20 minutes" in page
    assert "<dt>Statements</dt><dd>50</dd>" in page
    assert "1 March 2030, 16:30 UTC" in page


def test_landing_shows_the_closing_time_in_the_survey_time_zone(expert_client, described, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    page = text(expert_client.get(reverse("respondent:landing")))
    assert "1 March 2030, 17:30 CET" in page


def test_landing_leaves_out_what_the_survey_does_not_say(expert_client, survey):
    page = text(expert_client.get(reverse("respondent:landing")))
    assert "mailto:" not in page
    assert "Time needed" not in page
    assert "Closes" not in page


def test_privacy_notice_shows_its_four_parts_and_the_contact(expert_client, described):
    page = text(expert_client.get(PRIVACY))
    for part in (
        "The Centre, Oxford, is the controller.",
        "Only for this study.",
        "Five years.",
        "You may ask for your answers to be erased.",
    ):
        assert part in page
    assert 'href="mailto:jane@example.org"' in page


def test_privacy_notice_not_written_says_so(expert_client, survey):
    page = text(expert_client.get(PRIVACY))
    assert "have not written a privacy notice" in page


def test_privacy_notice_stays_readable_after_the_survey_closed(expert_client, described):
    Survey.objects.filter(pk=described.pk).update(status=Survey.Status.CLOSED)
    response = expert_client.get(PRIVACY)
    assert response.status_code == 200
    assert "Only for this study." in text(response)


def test_privacy_notice_needs_the_expert_session(client, described):
    response = client.get(PRIVACY)
    assert response.status_code == 403
    assert "Only for this study." not in text(response)


def test_every_respondent_page_links_the_privacy_notice(started_client, described):
    for name in ("landing", "background", "review", "decline", "privacy"):
        page = text(started_client.get(reverse(f"respondent:{name}")))
        assert f'href="{PRIVACY}"' in page, name
    page = text(started_client.get(reverse("respondent:page", args=[1])))
    assert f'href="{PRIVACY}"' in page


def test_closed_page_gives_the_contact(expert_client, described):
    Survey.objects.filter(pk=described.pk).update(closes_at=timezone.now())
    response = expert_client.get(reverse("respondent:landing"))
    assert response.status_code == 410
    assert 'href="mailto:jane@example.org"' in text(response)
    assert f'href="{PRIVACY}"' in text(response)


def test_unknown_link_404_stays_generic(client, described):
    response = client.get(reverse("respondent:link", args=["x" * 43]))
    assert response.status_code == 404
    page = text(response)
    for secret in ("Centre for AI Governance", "jane@example.org", described.title, PRIVACY):
        assert secret not in page


def submit(client, invitation):
    first = Response.objects.get(invitation=invitation).statement_order[0]
    client.post(
        reverse("respondent:autosave"), {"statement": first, "value": "2", "comment": "Yes."}
    )
    client.post(
        reverse("respondent:background"),
        {"sectors": ["academia"], "gender": "woman", "open_answer": "Audits.", "goto": "review"},
    )
    client.post(reverse("respondent:submit"))


def test_thanks_page_shows_message_contact_and_results_sharing(
    started_client, described, invitation
):
    submit(started_client, invitation)
    page = text(started_client.get(reverse("respondent:thanks")))
    assert "Your view matters to us." in page
    assert "A report in March 2030 on our website." in page
    assert 'href="mailto:jane@example.org"' in page


def test_thanks_page_without_results_sharing_has_no_results_section(
    started_client, survey, invitation
):
    submit(started_client, invitation)
    assert "The results" not in text(started_client.get(reverse("respondent:thanks")))


def test_record_after_submission_includes_background_and_open_answer(
    started_client, described, invitation
):
    submit(started_client, invitation)
    page = text(started_client.get(reverse("respondent:landing")))
    assert "Your comment: Yes." in page
    assert "<dd>Academia</dd>" in page
    assert "<dd>Woman</dd>" in page
    assert "<dd>Audits.</dd>" in page
    assert described.open_question in page


def test_record_after_close_includes_background_too(started_client, described, invitation):
    submit(started_client, invitation)
    Survey.objects.filter(pk=described.pk).update(status=Survey.Status.CLOSED)
    page = text(started_client.get(reverse("respondent:landing")))
    assert "<dd>Woman</dd>" in page
