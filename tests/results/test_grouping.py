"""Each answer carries its survey and its respondent's packed group key, kept right by
every writer: autosave, page save, submission, the admin's sector change, import,
anonymisation and the migration's backfill."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from responses.fieldwork.services import lifecycle
from responses.models import Answer, AuditEvent, Expert, Response, Survey
from responses.results import analysis, group_keys, selectors
from responses.results.selectors import survey_statements
from responses.results.services.imports import responses_import
from tests.factories import respond

pytestmark = pytest.mark.django_db


def expected_key(response: Response) -> int:
    response = Response.objects.select_related("invitation__expert").get(pk=response.pk)
    return group_keys.group_key(
        assigned=response.invitation.expert.sector,
        sectors=response.sectors,
        gender=response.gender,
    )


def keys_of(response: Response) -> set:
    return set(Answer.objects.filter(response=response).values_list("group_key", flat=True))


def group_sizes(survey, name: str) -> dict[str, int]:
    answers, sizes = selectors.count_tables(survey_id=survey.pk)
    tables = analysis.results_tables(answers, sizes, survey_statements(survey=survey), 1)
    view = next(view for view in tables["groups"] if view["name"] == name)
    first = view["statements"][0]["groups"]
    return {group["key"]: first[group["key"]]["n"] for group in view["groups"]}


@pytest.mark.parametrize(
    ("assigned", "sectors", "gender", "unpacked"),
    [
        ("", [], "", ("", "", "")),
        ("agi_lab", ["academia", "agi_lab"], "woman", ("agi_lab", "agi_lab", "woman")),
        (
            "other",
            ["think_tank"],
            "prefer_not_to_say",
            ("other", "civil_society", "prefer_not_to_say"),
        ),
        ("academia", ["government"], "another", ("academia", "other", "another")),
        (
            "civil_society",
            ["prefer_not_to_say"],
            "man",
            ("civil_society", "prefer_not_to_say", "man"),
        ),
        ("retired", ["astrology"], "robot", ("", "", "")),
    ],
)
def test_group_key_sql_equals_the_python_rule(survey, assigned, sectors, gender, unpacked):
    response = respond(survey, answers={1: 2, 2: None}, sector="", stated=sectors, gender=gender)
    Expert.objects.filter(invitations__response=response).update(sector=assigned)
    with connection.cursor() as cursor:
        group_keys.answers_backfill(cursor)
    assert keys_of(response) == {expected_key(response)}
    assert group_keys.unpack(expected_key(response)) == unpacked


def test_autosave_sets_the_survey_and_no_key_before_submission(started_client, invitation):
    statement = invitation.response.statement_order[0]
    started_client.post(reverse("respondent:autosave"), {"statement": statement, "value": "1"})
    answer = Answer.objects.get(response__invitation=invitation)
    assert (answer.survey_id, answer.group_key) == (invitation.survey_id, None)


def test_page_save_sets_the_survey_and_no_key_before_submission(started_client, invitation):
    ids = invitation.response.statement_order[:3]
    data = {f"value_{pk}": "-88" for pk in ids} | {"goto": "next"}
    started_client.post(reverse("respondent:page", args=[1]), data)
    rows = set(Answer.objects.values_list("statement_id", "survey_id", "group_key"))
    assert rows == {(pk, invitation.survey_id, None) for pk in ids}


def test_submission_sets_the_group_key_on_every_answer(started_client, invitation):
    ids = invitation.response.statement_order[:2]
    started_client.post(reverse("respondent:page", args=[1]), {f"value_{ids[0]}": "2"})
    started_client.post(reverse("respondent:autosave"), {"statement": ids[1], "value": ""})
    background = {"sectors": ["think_tank", "agi_lab"], "gender": "woman"}
    started_client.post(reverse("respondent:background"), background)
    started_client.post(reverse("respondent:submit"))
    response = Response.objects.get(invitation=invitation)
    assert response.submitted_at is not None
    assert group_keys.unpack(expected_key(response)) == ("academia", "agi_lab", "woman")
    assert keys_of(response) == {expected_key(response)}
    assert Answer.objects.filter(response=response).count() == 2


def test_other_respondents_keys_stay_when_one_submits(survey):
    unsubmitted = respond(survey, answers={1: 1}, sector="agi_lab", submitted=False)
    respond(survey, answers={1: 1}, sector="academia")
    assert keys_of(unsubmitted) == {None}


@pytest.fixture
def admin_client(client, researcher):
    researcher.user_permissions.set(Permission.objects.filter(content_type__app_label="responses"))
    client.force_login(researcher)
    return client


def admin_change_sector(client, expert: Expert, sector: str):
    data = {
        "name": expert.name,
        "email": expert.email,
        "sector": sector,
        "affiliation": expert.affiliation,
        "attributes": "{}",
    }
    return client.post(reverse("admin:responses_expert_change", args=[expert.pk]), data)


def test_admin_sector_change_regroups_answers_and_marks_results_stale(
    admin_client, researcher, survey
):
    response = respond(survey, answers={1: 2, 2: -1}, sector="academia", gender="man")
    unsubmitted = respond(survey, answers={1: 2}, sector="academia", submitted=False)
    expert = response.invitation.expert
    Survey.objects.filter(pk=survey.pk).update(results_stale_since=None)
    page = admin_change_sector(admin_client, expert, "agi_lab")
    assert page.status_code == 302
    assert group_keys.unpack(expected_key(response)) == ("agi_lab", "", "man")
    assert keys_of(response) == {expected_key(response)}
    assert keys_of(unsubmitted) == {None}
    assert Survey.objects.get(pk=survey.pk).results_stale_since is not None
    event = AuditEvent.objects.get(action="expert.regrouped")
    assert (event.survey_id, event.actor, event.data) == (
        survey.pk,
        researcher,
        {"expert": expert.pk, "sector": "agi_lab"},
    )


def test_admin_sector_change_moves_the_respondent_between_result_groups(admin_client, survey):
    moved = respond(survey, answers={1: 2}, sector="academia")
    respond(survey, answers={1: 1}, sector="academia")
    assert group_sizes(survey, "assigned_sector") == {"academia": 2}
    admin_change_sector(admin_client, moved.invitation.expert, "other")
    assert group_sizes(survey, "assigned_sector") == {"academia": 1, "other": 1}


def test_admin_save_without_a_sector_change_leaves_results_fresh(admin_client, survey):
    response = respond(survey, answers={1: 2}, sector="academia")
    Survey.objects.filter(pk=survey.pk).update(results_stale_since=None)
    admin_change_sector(admin_client, response.invitation.expert, "academia")
    assert Survey.objects.get(pk=survey.pk).results_stale_since is None
    assert not AuditEvent.objects.filter(action="expert.regrouped").exists()


def test_admin_keeps_an_invitations_survey_and_expert(admin_client, survey, invitation):
    page = admin_client.get(reverse("admin:responses_invitation_change", args=[invitation.pk]))
    form = page.context["adminform"].form
    assert "survey" not in form.fields and "expert" not in form.fields


def test_backfill_sets_survey_and_keys_of_existing_answers(survey):
    submitted = respond(survey, answers={1: 2, 2: None}, sector="other", stated=["academia"])
    unsubmitted = respond(survey, answers={1: 1}, sector="other", submitted=False)
    other = Survey.objects.create(slug="other", title="Other")
    Answer.objects.update(survey=other, group_key=None)
    Answer.objects.filter(response=unsubmitted).update(group_key=7)
    with connection.cursor() as cursor:
        assert group_keys.answers_backfill(cursor) == 3
    assert set(Answer.objects.values_list("survey_id", flat=True)) == {survey.pk}
    assert keys_of(submitted) == {expected_key(submitted)}
    assert keys_of(unsubmitted) == {None}


def test_import_sets_survey_and_keys(survey):
    header = ["respondent", "sector", "gender"] + [f"S{n}" for n in range(1, 51)]
    rows = [
        ["a", "academia", "woman", "2", "DK"] + [""] * 48,
        ["b", "civil_society", "", "-1", ""] + [""] * 48,
    ]
    stream = io.StringIO()
    csv.writer(stream).writerows([header, *rows])
    responses_import(survey=survey, data=stream.getvalue().encode(), filename="in.csv")
    responses = list(Response.objects.order_by("pk"))
    assert [group_keys.unpack(expected_key(response)) for response in responses] == [
        ("academia", "academia", "woman"),
        ("civil_society", "civil_society", ""),
    ]
    for response in responses:
        assert keys_of(response) == {expected_key(response)}
    assert set(Answer.objects.values_list("survey_id", flat=True)) == {survey.pk}


def test_anonymise_leaves_the_keys_and_results_unchanged(survey, researcher):
    response = respond(survey, answers={1: 2}, sector="agi_lab", stated=["nonprofit"])
    key = expected_key(response)
    before = selectors.count_tables(survey_id=survey.pk)
    lifecycle.survey_close(survey=survey, actor=researcher)
    lifecycle.survey_anonymise(survey=survey, actor=researcher, confirm=survey.slug)
    assert expected_key(response) == key and keys_of(response) == {key}
    after = selectors.count_tables(survey_id=survey.pk)
    assert all(a.equals(b) for a, b in zip(before, after, strict=True))
