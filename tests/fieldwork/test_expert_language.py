"""The expert's language, known from the list's optional `language` column or the edit page:
their invitation is then written in it once the survey offers it."""

import pytest

from responses.fieldwork.services import experts
from responses.fieldwork.services.emails import email_render
from responses.fieldwork.services.experts import experts_import, experts_parse
from responses.models import Expert, Invitation
from tests.factories import german_offered
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db

LIST = (
    "name,email,sector,affiliation,language\n"
    "Ann Lab,ann@lab.example,agi_lab,Lab One,DE\n"
    "Carl Uni,carl@uni.example,academia,Uni Two,\n"
)


def parse(survey, text):
    return experts_parse(survey=survey, data=text.encode(), filename="list.csv")


def test_expert_language_column_is_imported(survey, researcher):
    parsed = parse(survey, LIST)
    assert parsed.problems == [] and parsed.extra_columns == []
    experts_import(survey=survey, rows=parsed.rows, actor=researcher)
    assert dict(Expert.objects.values_list("email", "language")) == {
        "ann@lab.example": "de",
        "carl@uni.example": "",
    }


def test_expert_language_column_is_optional(survey):
    parsed = parse(survey, "name,email,sector,affiliation\nAnn,ann@lab.example,agi_lab,\n")
    assert parsed.problems == [] and parsed.rows[0]["language"] == ""


def test_expert_language_unknown_is_a_problem_on_its_line(survey):
    parsed = parse(survey, LIST.replace(",DE\n", ",Klingon\n"))
    message = experts.ERROR_LANGUAGE.format(language="Klingon", choices="en, de")
    assert parsed.problems == [{"line": 2, "message": message}]


def test_expert_language_imported_picks_the_invitations_language(survey, researcher):
    german_offered(survey)
    experts_import(survey=survey, rows=parse(survey, LIST).rows, actor=researcher)
    ann = Invitation.objects.get(expert__email="ann@lab.example")
    carl = Invitation.objects.get(expert__email="carl@uni.example")
    assert email_render(invitation=ann, kind="invitation").subject.startswith("Einladung: ")
    assert email_render(invitation=carl, kind="invitation").subject.startswith("Invitation: ")


def test_expert_language_is_set_on_the_edit_page(researcher_client, survey, invitation):
    expert = invitation.expert
    data = {"name": expert.name, "email": expert.email, "sector": expert.sector}
    url_edit = url("expert_edit", survey, invitation.pk)
    assert researcher_client.post(url_edit, data | {"language": "de"}).status_code == 302
    expert.refresh_from_db()
    assert expert.language == "de"
    assert researcher_client.post(url_edit, data | {"language": "xx"}).status_code == 400
    expert.refresh_from_db()
    assert expert.language == "de"
