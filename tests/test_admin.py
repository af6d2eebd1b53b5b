"""The Django admin is for superusers only (surveysite/admin.py); their changes and deletions
go through the services (responses/admin.py)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import survey_create
from responses.models import AuditEvent, Expert, Invitation, Response, Survey
from responses.results.selectors import counts_fresh
from tests.factories import counted, kept, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_with_every_permission(client, researcher):
    """A researcher (staff, not superuser) who was given every permission there is."""
    researcher.user_permissions.set(Permission.objects.all())
    client.force_login(researcher)
    return client


def admin_urls(survey, invitation):
    expert, response = invitation.expert, Response.objects.get(invitation=invitation)
    change = [("survey", survey), ("expert", expert), ("invitation", invitation)]
    change.append(("response", response))
    return [
        reverse("admin:index"),
        reverse("admin:app_list", args=["responses"]),
        reverse("admin:password_change"),
        reverse("admin:jsi18n"),
        reverse("admin:autocomplete") + "?app_label=responses&model_name=survey&field_name=owner",
        *(
            reverse(f"admin:responses_{name}_changelist")
            for name in ("survey", "expert", "invitation", "response", "auditevent")
        ),
        reverse("admin:statements_statement_changelist"),
        reverse("admin:responses_survey_add"),
        reverse("admin:responses_invitation_add") + f"?expert={expert.pk}",
        *(reverse(f"admin:responses_{name}_change", args=[obj.pk]) for name, obj in change),
        *(reverse(f"admin:responses_{name}_history", args=[obj.pk]) for name, obj in change),
        reverse("admin:responses_expert_delete", args=[expert.pk]),
    ]


@pytest.fixture
def submitted(survey):
    return respond(survey, answers={1: 2}, sector="academia")


def test_admin_refuses_staff_who_are_not_superusers(staff_with_every_permission, survey, submitted):
    client = staff_with_every_permission
    for path in admin_urls(survey, submitted.invitation):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("admin:login") + "?next="), path
        page = client.get(path, follow=True).content.decode()
        assert "You are authenticated as rita, but are not authorized" in page, path
        assert submitted.invitation.expert.email not in page, path


def test_admin_raw_id_widget_shows_no_expert_to_a_researcher(
    staff_with_every_permission, other_researcher
):
    theirs = survey_create(slug="theirs", title="Their survey", owner=other_researcher)
    foreign, _ = invitation_create(survey=theirs, email="secret@x.example", name="Secret Expert")
    path = reverse("admin:responses_invitation_add") + f"?expert={foreign.expert_id}"
    page = staff_with_every_permission.get(path, follow=True).content.decode()
    assert "Secret Expert" not in page and "secret@x.example" not in page
    assert "oscar" not in page  # nor the owner widgets' list of every user


def test_admin_refuses_a_researchers_changes_and_deletions(
    staff_with_every_permission, survey, invitation
):
    client = staff_with_every_permission
    expert = invitation.expert
    change = reverse("admin:responses_expert_change", args=[expert.pk])
    data = {"name": "Taken", "email": "attacker@evil.example", "sector": "other"}
    assert client.post(change, data).status_code == 302
    delete = reverse("admin:responses_expert_delete", args=[expert.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    changelist = reverse("admin:responses_invitation_changelist")
    bulk = {"action": "delete_selected", "_selected_action": [invitation.pk], "post": "yes"}
    assert client.post(changelist, bulk).status_code == 302
    expert.refresh_from_db()
    assert (expert.name, expert.email) == ("Alice Expert", "alice@example.org")
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_admin_lets_a_researcher_sign_out(staff_with_every_permission):
    client = staff_with_every_permission
    response = client.post(reverse("admin:logout"))
    assert (response.status_code, response["Location"]) == (302, reverse("research:login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("research:surveys")).status_code == 302


def test_admin_refuses_an_inactive_superuser(client, admin_user):
    admin_user.is_active = False
    admin_user.save()
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 302


def test_admin_shows_superusers_every_model(admin_client, survey, submitted):
    for path in admin_urls(survey, submitted.invitation):
        if "add" in path:
            continue
        assert admin_client.get(path).status_code == 200, path
    page = admin_client.get(reverse("admin:responses_expert_changelist")).content.decode()
    assert submitted.invitation.expert.email in page


def test_admin_adds_no_invitation_or_expert(admin_client, invitation):
    """Invitations get their links from the services; experts come with them."""
    path = reverse("admin:responses_invitation_add") + f"?expert={invitation.expert_id}"
    assert admin_client.get(path).status_code == 403
    data = {"survey": invitation.survey_id, "expert": invitation.expert_id}
    assert admin_client.post(reverse("admin:responses_invitation_add"), data).status_code == 403
    assert admin_client.get(reverse("admin:responses_expert_add")).status_code == 403
    assert Invitation.objects.count() == 1


def expert_change(client, expert, **changes):
    data = {"name": expert.name, "email": expert.email, "sector": expert.sector}
    data |= {"affiliation": expert.affiliation, "attributes": "{}", "survey": 0} | changes
    return client.post(reverse("admin:responses_expert_change", args=[expert.pk]), data)


def test_admin_expert_change_refuses_an_email_the_survey_has(
    admin_client, invitation, other_invitation
):
    response = expert_change(admin_client, invitation.expert, email="BOB@example.org")
    assert response.status_code == 200
    assert "Another expert of this survey has this email address." in response.content.decode()
    assert Expert.objects.get(pk=invitation.expert_id).email == "alice@example.org"


def test_admin_expert_change_keeps_the_survey_and_logs_it(
    admin_client, admin_user, survey, invitation
):
    theirs = survey_create(slug="theirs", title="Theirs")
    page = expert_change(admin_client, invitation.expert, name="Alice B.", survey=theirs.pk)
    assert page.status_code == 302
    expert = Expert.objects.get(pk=invitation.expert_id)
    assert (expert.name, expert.survey) == ("Alice B.", survey)
    event = AuditEvent.objects.get(action="expert.changed")
    assert (event.survey, event.actor, event.data) == (
        survey,
        admin_user,
        {"expert": expert.pk, "fields": ["name"]},
    )


def delete_one(client, obj):
    name = type(obj).__name__.lower()
    return client.post(reverse(f"admin:responses_{name}_delete", args=[obj.pk]), {"post": "yes"})


def delete_selected(client, obj):
    name = type(obj).__name__.lower()
    data = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    return client.post(reverse(f"admin:responses_{name}_changelist"), data)


@pytest.mark.parametrize("delete", [delete_one, delete_selected])
@pytest.mark.parametrize("target", ["response", "invitation", "expert"])
def test_admin_deletions_keep_the_kept_counts_right(admin_client, survey, delete, target):
    gone = respond(survey, answers={1: 2, 2: -1}, sector="agi_lab")
    stays = respond(survey, answers={1: -2}, sector="academia")
    Survey.objects.update(results_stale_since=None)
    obj = {"response": gone, "invitation": gone.invitation, "expert": gone.invitation.expert}
    assert delete(admin_client, obj[target]).status_code == 302
    assert list(Response.objects.all()) == [stays]
    assert kept(survey) == counted(survey)
    assert counts_fresh(survey_id=survey.pk)
    assert Survey.objects.get(pk=survey.pk).results_stale_since is not None
