"""The cast: a researcher, another researcher, an invited expert, an outsider."""

import pytest
from django.urls import reverse

from responses.models import Survey
from responses.services.links import link_secret
from responses.services.surveys import invitation_create, survey_create
from responses.views.respondent import SESSION_KEY


@pytest.fixture
def researcher(django_user_model):
    return django_user_model.objects.create_user(
        "rita", "rita@example.org", "rita-password-1", is_staff=True
    )


@pytest.fixture
def other_researcher(django_user_model):
    return django_user_model.objects.create_user(
        "oscar", "oscar@example.org", "oscar-password-1", is_staff=True
    )


@pytest.fixture
def survey(db, researcher):
    return survey_create(
        slug="agi",
        title="AGI safety and governance",
        order=Survey.Order.QUESTIONNAIRE,
        owner=researcher,
    )


@pytest.fixture
def invitation(survey):
    invitation, _ = invitation_create(
        survey=survey, email="alice@example.org", name="Alice Expert", sector="academia"
    )
    return invitation


@pytest.fixture
def other_invitation(survey):
    invitation, _ = invitation_create(
        survey=survey, email="bob@example.org", name="Bob Expert", sector="agi_lab"
    )
    return invitation


@pytest.fixture
def secret(invitation):
    return link_secret(invitation.link_nonce)


@pytest.fixture
def expert_client(client, invitation, secret):
    """A browser that opened Alice's personal link."""
    client.get(reverse("respondent:link", args=[secret]))
    assert client.session[SESSION_KEY] == invitation.pk
    return client


@pytest.fixture
def started_client(expert_client):
    """Alice after giving consent."""
    expert_client.post(reverse("respondent:consent"), {"consent": "on"})
    return expert_client


@pytest.fixture
def outsider(client):
    return client
