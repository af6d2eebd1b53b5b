"""Each expert row belongs to one survey: the same person on two teams' lists is two rows,
and each team finds, edits and regroups only its own. The "Edit expert" form of the
invitation page, and the one service every invitation gets its link from."""

import io

import pytest
from django.db import IntegrityError
from django.test import Client

from responses.fieldwork.services import experts
from responses.fieldwork.services.experts import (
    experts_import,
    experts_parse,
    invitation_create,
    invitations_build,
)
from responses.fieldwork.services.lifecycle import survey_create
from responses.models import AuditEvent, Expert, Invitation, Survey
from responses.results.services.imports import responses_import
from tests.factories import counted, kept, respond
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db


@pytest.fixture
def their_survey(other_researcher):
    return survey_create(slug="theirs", title="Their survey", owner=other_researcher)


@pytest.fixture
def their_alice(their_survey):
    """Alice on their survey's list; the `invitation` fixture puts her on ours too."""
    theirs, _ = invitation_create(
        survey=their_survey, email="Alice@Example.org", name="Dr Alice", sector="agi_lab"
    )
    return theirs


def expert_data(invitation, **changes):
    expert = invitation.expert
    return {name: getattr(expert, name) for name in experts.EXPERT_FIELDS} | changes


def snapshot(invitation):
    """Everything another team could have touched on one invitation."""
    invitation = Invitation.objects.select_related("expert").get(pk=invitation.pk)
    expert = invitation.expert
    events = AuditEvent.objects.filter(survey=invitation.survey_id)
    return (
        [getattr(expert, name) for name in (*experts.EXPERT_FIELDS, "attributes", "survey_id")],
        invitation.link_hash,
        list(events.values_list("pk", "action")),
    )


def test_invitation_create_makes_one_expert_row_per_survey(survey, invitation, their_alice):
    assert their_alice.expert_id != invitation.expert_id
    assert their_alice.expert.survey == their_alice.survey
    assert (invitation.expert.name, invitation.expert.sector) == ("Alice Expert", "academia")
    assert Expert.objects.filter(email__iexact="alice@example.org").count() == 2


def test_invitation_create_finds_the_surveys_own_expert_by_email(survey, invitation):
    again, created = invitation_create(survey=survey, email="ALICE@example.org", name="Other")
    assert (again, created) == (invitation, False)
    assert Expert.objects.count() == 1


def test_import_of_an_address_another_team_uses_makes_a_row_of_our_own(
    researcher, survey, their_survey, their_alice
):
    before = snapshot(their_alice)
    text = "name,email,sector,affiliation\nAlice Mine,alice@example.org,other,Our Uni\n"
    parsed = experts_parse(survey=survey, data=text.encode(), filename="list.csv")
    assert parsed.problems == []
    assert experts_import(survey=survey, rows=parsed.rows, actor=researcher) == 1
    mine = Invitation.objects.get(survey=survey).expert
    assert (mine.name, mine.sector, mine.affiliation, mine.survey) == (
        "Alice Mine",
        "other",
        "Our Uni",
        survey,
    )
    assert snapshot(their_alice) == before


def test_import_preview_never_mentions_another_surveys_experts(
    researcher_client, survey, their_alice
):
    upload = io.BytesIO(b"name,email,sector,affiliation\nA,alice@example.org,,\n")
    upload.name = "list.csv"
    page = researcher_client.post(url("import", survey), {"file": upload}, follow=True)
    text = page.content.decode()
    assert "1 expert ready to import" in text
    assert "already invited" not in text and "Dr Alice" not in text and "Their survey" not in text


def test_response_import_placeholders_belong_to_the_survey(survey, their_survey):
    header = "respondent,sector,gender," + ",".join(f"S{n}" for n in range(1, 51))
    data = f"{header}\na,academia,woman,2\n".encode()
    responses_import(survey=survey, data=data, filename="in.csv")
    placeholder = Invitation.objects.get(survey=survey).expert
    assert placeholder.survey == survey
    assert not Expert.objects.filter(survey=their_survey).exists()


def test_every_invitation_has_a_link_by_a_database_constraint(survey, invitation):
    expert = Expert.objects.create(survey=survey, name="No link", email="none@x.example")
    with pytest.raises(IntegrityError):
        Invitation.objects.create(survey=survey, expert=expert)


def test_invitations_build_refuses_another_surveys_expert(survey, their_survey, their_alice):
    with pytest.raises(ValueError, match="belong to its survey"):
        invitations_build(survey=survey, experts=[their_alice.expert])


# The "Edit expert" form on the invitation page.


def test_invitation_page_shows_the_edit_form_filled_in(researcher_client, survey, invitation):
    page = researcher_client.get(url("invitation", survey, invitation.pk)).content.decode()
    assert f'action="{url("expert_edit", survey, invitation.pk)}"' in page
    assert 'name="email" value="alice@example.org"' in page
    assert '<option value="academia" selected>Academia</option>' in page


def test_expert_edit_saves_and_logs_the_changed_fields_not_their_values(
    researcher_client, researcher, survey, invitation
):
    data = expert_data(invitation, name=" Alice B. Expert ", email="alice.b@example.org")
    response = researcher_client.post(url("expert_edit", survey, invitation.pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("invitation", survey, invitation.pk)
    expert = Expert.objects.get(pk=invitation.expert_id)
    assert (expert.name, expert.email) == ("Alice B. Expert", "alice.b@example.org")
    event = AuditEvent.objects.get(action="expert.changed")
    assert (event.survey, event.invitation, event.actor) == (survey, invitation, researcher)
    assert event.data == {"expert": expert.pk, "fields": ["name", "email"]}
    page = researcher_client.get(response["Location"]).content.decode()
    assert "The expert&#x27;s details are saved." in page
    assert "expert.changed" in page


def test_expert_edit_without_changes_logs_nothing(researcher_client, survey, invitation):
    response = researcher_client.post(
        url("expert_edit", survey, invitation.pk), expert_data(invitation), follow=True
    )
    assert "Nothing to save: the details were unchanged." in response.content.decode()
    assert not AuditEvent.objects.filter(action="expert.changed").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, experts.ERROR_NAME),
        ({"email": "not-an-email"}, experts.ERROR_EMAIL.format(email="not-an-email")),
        (
            {"sector": "martian"},
            experts.ERROR_SECTOR.format(
                sector="martian", choices="agi_lab, academia, civil_society, other"
            ),
        ),
        ({"name": "N" * 201}, experts.ERROR_TOO_LONG.format(field="name", limit=200)),
        (
            {"affiliation": "A" * 301},
            experts.ERROR_TOO_LONG.format(field="affiliation", limit=300),
        ),
        ({"email": "BOB@example.org"}, "BOB@example.org is already invited to this survey."),
    ],
)
def test_expert_edit_refuses_with_the_imports_words_and_changes_nothing(
    researcher_client, survey, invitation, other_invitation, changes, message
):
    before = snapshot(invitation)
    path = url("expert_edit", survey, invitation.pk)
    response = researcher_client.post(path, expert_data(invitation, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert message.replace("'", "&#x27;") in page
    assert "Nothing was saved. Correct the details marked below." in page
    assert 'aria-invalid="true"' in page
    assert snapshot(invitation) == before


def test_expert_edit_checks_as_the_import_and_invite_do(survey):
    """One set of checks: the same words from the import's preview and from `invite`."""
    text = "name,email,sector,affiliation\n,bad,martian,\n"
    parsed = experts_parse(survey=survey, data=text.encode(), filename="list.csv")
    with pytest.raises(experts.ExpertError) as refused:
        invitation_create(survey=survey, email="bad", name="", sector="martian")
    assert [p["message"] for p in parsed.problems] == [m for _, m in refused.value.problems]


def test_expert_edit_sector_change_regroups_this_survey_only(
    researcher_client, survey, their_survey
):
    ours = respond(survey, answers={1: 2}, sector="academia")
    theirs = respond(their_survey, answers={1: -2}, sector="academia")
    Survey.objects.update(results_stale_since=None)
    their_counts = kept(their_survey)
    data = expert_data(ours.invitation, sector="agi_lab")
    researcher_client.post(url("expert_edit", survey, ours.invitation.pk), data)
    assert kept(survey) == counted(survey)
    assert list(kept(survey)[1].values()) == [1]
    assert kept(their_survey) == their_counts == counted(their_survey)
    assert Survey.objects.get(pk=survey.pk).results_stale_since is not None
    assert Survey.objects.get(pk=their_survey.pk).results_stale_since is None
    assert Expert.objects.get(pk=theirs.invitation.expert_id).sector == "academia"
    events = AuditEvent.objects.filter(action__in=["expert.changed", "expert.regrouped"])
    assert set(events.values_list("survey", flat=True)) == {survey.pk}


# Another team's researcher, trying every path to someone else's expert.


def test_expert_edit_of_another_surveys_invitation_is_not_found(
    client, other_researcher, survey, invitation, their_survey, their_alice
):
    client.force_login(other_researcher)
    before = snapshot(invitation)
    data = expert_data(invitation, email="attacker@evil.example", sector="other")
    assert client.post(url("expert_edit", survey, invitation.pk), data).status_code == 404
    # Through their own survey's address, with our invitation's number.
    assert client.post(url("expert_edit", their_survey, invitation.pk), data).status_code == 404
    assert snapshot(invitation) == before


def test_expert_edit_of_their_own_expert_leaves_ours_alone(
    client, other_researcher, survey, invitation, their_survey, their_alice
):
    """The same person on both lists: their edit changes their row, never ours."""
    client.force_login(other_researcher)
    before = snapshot(invitation)
    data = expert_data(their_alice, email="attacker@evil.example", sector="other")
    response = client.post(url("expert_edit", their_survey, their_alice.pk), data)
    assert response.status_code == 302
    assert Expert.objects.get(pk=their_alice.expert_id).email == "attacker@evil.example"
    assert snapshot(invitation) == before


def test_expert_edit_needs_a_post_with_a_csrf_token(researcher, survey, invitation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(researcher)
    path = url("expert_edit", survey, invitation.pk)
    assert client.get(path).status_code == 405
    data = expert_data(invitation, name="Changed")
    assert client.post(path, data).status_code == 403
    assert Expert.objects.get(pk=invitation.expert_id).name == "Alice Expert"
