"""Fieldwork helpers on top of the project's cast."""

import pytest
from django.urls import reverse

from responses.services.surveys import invitation_create


@pytest.fixture
def researcher_client(client, researcher, survey):
    client.force_login(researcher)
    return client


@pytest.fixture
def many_invitations(survey):
    def make(count: int, start: int = 0):
        return [
            invitation_create(
                survey=survey,
                email=f"expert{number}@example.org",
                name=f"Expert {number}",
                sector=["agi_lab", "academia", "civil_society", "other"][number % 4],
            )[0]
            for number in range(start, start + count)
        ]

    return make


def url(name, survey, *args):
    return reverse(f"research:{name}", args=[survey.slug, *args])
