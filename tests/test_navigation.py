"""The researcher pages' header: the survey's tabs with the current one marked, and the
survey switcher listing only the researcher's own surveys."""

import re

import pytest

from responses.fieldwork.services.lifecycle import survey_create
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db


def current_tabs(page: str) -> list[str]:
    return re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', page)


@pytest.mark.parametrize(
    ("name", "tab"),
    [
        ("dashboard", "Dashboard"),
        ("edit", "Edit survey"),
        ("edit_statements", "Edit survey"),
        ("invitations", "Invitations"),
        ("results", "Results"),
    ],
)
def test_navigation_marks_the_current_tab(researcher_client, survey, name, tab):
    page = researcher_client.get(url(name, survey)).content.decode()
    assert current_tabs(page) == [tab]


def test_navigation_switcher_lists_only_the_researchers_surveys(
    researcher_client, survey, researcher, other_researcher
):
    survey_create(slug="mine-too", title="Mine too", owner=researcher)
    survey_create(slug="theirs", title="Theirs, secret", owner=other_researcher)
    page = researcher_client.get(url("dashboard", survey)).content.decode()
    assert 'href="/research/mine-too/"' in page
    assert "Theirs, secret" not in page and "/research/theirs/" not in page
