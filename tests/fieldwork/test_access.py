import pytest
from django.urls import reverse

from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import survey_create
from responses.models import AuditEvent, EmailDelivery, Invitation, Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(survey, researcher):
    return Job.objects.create(
        survey=survey,
        kind="experts_import",
        created_by=researcher,
        result={"filename": "list.csv", "rows": [], "problems": [], "extra_columns": []},
    )


def research_urls(survey, invitation, job):
    slug, pk = survey.slug, invitation.pk
    delivery = EmailDelivery.objects.create(
        invitation=invitation, kind="invitation", status="unknown"
    )
    get = [
        ("dashboard", [slug]),
        ("invitations", [slug]),
        ("invitations_csv", [slug]),
        ("invitations_xlsx", [slug]),
        ("invitation", [slug, pk]),
        ("import", [slug]),
        ("import_preview", [slug, job.pk]),
        ("emails", [slug]),
        ("email_preview", [slug]),
        ("anonymise", [slug]),
        ("audit", [slug]),
    ]
    post = [
        ("invitations_bulk", [slug]),
        ("invitation_action", [slug, pk, "revoke"]),
        ("invitation_action", [slug, pk, "regenerate"]),
        ("expert_edit", [slug, pk]),
        ("delivery_resend", [slug, pk, delivery.pk]),
        ("import_confirm", [slug, job.pk]),
        ("open", [slug]),
        ("close", [slug]),
        ("anonymise", [slug]),
        ("emails", [slug]),
    ]
    return [("get", reverse(f"research:{n}", args=a)) for n, a in get] + [
        ("post", reverse(f"research:{n}", args=a)) for n, a in post
    ]


@pytest.fixture
def every_url(survey, invitation, job):
    return research_urls(survey, invitation, job)


def test_research_urls_send_anonymous_users_to_the_research_login(client, every_url):
    for method, path in [*every_url, ("get", reverse("research:surveys"))]:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("research:login") + "?next=" + path, path


def test_research_urls_refuse_signed_in_users_who_are_not_staff(
    client, django_user_model, every_url
):
    expert = django_user_model.objects.create_user("alice", "alice@example.org", "pw-alice-123")
    client.force_login(expert)
    for method, path in [*every_url, ("get", reverse("research:surveys"))]:
        assert getattr(client, method)(path).status_code == 404, path


def test_research_urls_refuse_inactive_staff(client, researcher, every_url):
    client.force_login(researcher)
    researcher.is_active = False
    researcher.save()
    for method, path in [*every_url, ("get", reverse("research:surveys"))]:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("research:login")), path


def test_research_urls_refuse_the_expert_link_session(expert_client, every_url):
    for method, path in every_url:
        assert getattr(expert_client, method)(path).status_code == 302, path


def test_research_urls_hide_a_survey_from_another_researcher(
    client, other_researcher, every_url, invitation
):
    client.force_login(other_researcher)
    for method, path in every_url:
        assert getattr(client, method)(path).status_code == 404, path
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert not AuditEvent.objects.filter(actor=other_researcher).exists()


def test_research_urls_open_to_the_owner(researcher_client, every_url):
    for method, path in every_url:
        if method == "get":
            assert researcher_client.get(path).status_code == 200, path


def test_research_urls_open_to_collaborators(client, other_researcher, survey, every_url, job):
    survey.collaborators.add(other_researcher)
    client.force_login(other_researcher)
    staged = reverse("research:import_preview", args=[survey.slug, job.pk])
    for method, path in every_url:
        if method == "get" and path != staged:
            assert client.get(path).status_code == 200, path


def test_survey_list_shows_only_the_users_surveys(client, researcher, other_researcher, survey):
    survey_create(slug="theirs", title="Their survey", owner=other_researcher)
    client.force_login(researcher)
    page = client.get(reverse("research:surveys")).content.decode()
    assert "AGI safety and governance" in page
    assert "Their survey" not in page


def test_invitation_of_another_survey_is_not_found_through_mine(
    client, researcher, other_researcher, survey
):
    theirs = survey_create(slug="theirs", title="Their survey", owner=other_researcher)
    foreign, _ = invitation_create(survey=theirs, email="x@example.org", name="X")
    client.force_login(researcher)
    path = reverse("research:invitation_action", args=[survey.slug, foreign.pk, "revoke"])
    assert client.post(path).status_code == 404
    bulk = reverse("research:invitations_bulk", args=[survey.slug])
    client.post(bulk, {"action": "revoke", "ids": [foreign.pk], "confirmed": "1"})
    assert Invitation.objects.get(pk=foreign.pk).revoked_at is None


def test_another_researchers_staged_import_cannot_be_confirmed(
    client, other_researcher, survey, job
):
    survey.collaborators.add(other_researcher)
    client.force_login(other_researcher)
    path = reverse("research:import_confirm", args=[survey.slug, job.pk])
    assert client.post(path).status_code == 404
