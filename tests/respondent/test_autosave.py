import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responses.links import link_secret
from responses.models import Answer, Response, Survey
from responses.respondent import services
from responses.respondent.session import SESSION_COOKIE
from responses.respondent.views.questionnaire import MESSAGE_UNAVAILABLE
from tests.factories import free_port

pytestmark = pytest.mark.django_db

AUTOSAVE = "/survey/answer/"


def order(invitation):
    return Response.objects.get(invitation=invitation).statement_order


def save(client, statement, value="", comment=None, **extra):
    data = {"statement": statement, "value": value, **extra}
    if comment is not None:
        data["comment"] = comment
    return client.post(AUTOSAVE, data)


def test_autosave_url_is_stable():
    assert reverse("respondent:autosave") == AUTOSAVE


def test_autosave_saves_and_confirms(started_client, invitation):
    pk = order(invitation)[0]
    response = save(started_client, pk, "1", "Agreed.")
    assert response.status_code == 200
    assert response.json() == {"saved": True, "statement": pk, "value": 1}
    answer = Answer.objects.get(statement_id=pk)
    assert (answer.value, answer.comment) == (1, "Agreed.")


def test_autosave_last_write_wins_within_a_statement(started_client, invitation):
    pk = order(invitation)[0]
    save(started_client, pk, "1")
    save(started_client, pk, "-2")
    assert Answer.objects.filter(statement_id=pk).count() == 1
    assert Answer.objects.get(statement_id=pk).value == -2


def test_autosave_clears_an_answer(started_client, invitation):
    pk = order(invitation)[0]
    save(started_client, pk, "1")
    response = save(started_client, pk, "")
    assert response.json()["value"] is None
    assert Answer.objects.get(statement_id=pk).value is None


def test_autosave_without_comment_field_keeps_the_stored_comment(started_client, invitation):
    pk = order(invitation)[0]
    save(started_client, pk, "1", "Keep me")
    save(started_client, pk, "2")
    assert Answer.objects.get(statement_id=pk).comment == "Keep me"


def test_autosave_marks_invitation_started_once(started_client, invitation):
    ids = order(invitation)
    save(started_client, ids[0], "1")
    invitation.refresh_from_db()
    first = invitation.started_at
    save(started_client, ids[1], "1")
    invitation.refresh_from_db()
    assert first is not None
    assert invitation.started_at == first
    assert invitation.audit_events.filter(action="expert.started").count() == 1


def test_autosave_comment_alone_does_not_mark_started(started_client, invitation):
    save(started_client, order(invitation)[0], "", "Just a thought")
    invitation.refresh_from_db()
    assert invitation.started_at is None


@pytest.mark.parametrize("value", ["3", "-3", "88", "abc", "1.5", "-87"])
def test_autosave_refuses_values_off_the_scale(started_client, invitation, value):
    response = save(started_client, order(invitation)[0], value)
    assert response.status_code == 400
    assert response.json() == {
        "saved": False,
        "error": "invalid",
        "message": services.ERROR_VALUE,
    }
    assert not Answer.objects.exists()


def test_autosave_refuses_a_statement_not_in_the_survey(started_client, invitation, survey):
    removed = order(invitation)[0]
    survey.statements.remove(removed)
    fresh = Response.objects.get(invitation=invitation)
    fresh.statement_order = [pk for pk in fresh.statement_order if pk != removed]
    fresh.save()
    response = save(started_client, removed, "1")
    assert response.status_code == 400
    assert response.json()["message"] == services.ERROR_STATEMENT
    assert not Answer.objects.exists()


@pytest.mark.parametrize("statement", ["999999", "abc", ""])
def test_autosave_refuses_unknown_statement_ids(started_client, statement):
    response = save(started_client, statement, "1")
    assert response.status_code == 400
    assert not Answer.objects.exists()


# Past PostgreSQL's integer (the write rule's cast) and bigint, past SQLite's INTEGER, and
# numbers that int() reads but are no id.
@pytest.mark.parametrize(
    "statement", ["2147483648", "9223372036854775808", str(2**64), "1" * 5000, "+5", "١٢", "²"]
)
def test_autosave_refuses_a_statement_id_no_statement_can_have(answering_client, statement):
    before = list(Answer.objects.values_list("statement_id", "value"))
    response = save(answering_client, statement, "1")
    assert response.status_code == 400
    assert response.json()["message"] == services.ERROR_STATEMENT
    assert list(Answer.objects.values_list("statement_id", "value")) == before


def test_autosave_refuses_an_overlong_comment(started_client, invitation):
    response = save(started_client, order(invitation)[0], "1", "x" * 5001)
    assert response.status_code == 400
    assert response.json()["message"] == services.ERROR_COMMENT
    assert not Answer.objects.exists()


def test_autosave_refuses_a_nul_character_in_a_comment(answering_client, invitation):
    pk = order(invitation)[1]
    response = save(answering_client, pk, "1", "before\x00after")
    assert response.status_code == 400
    assert response.json()["message"] == services.ERROR_COMMENT_CHARACTER
    assert not Answer.objects.filter(statement_id=pk).exists()


@pytest.mark.parametrize("comment", ["\ud800", "ok \udfff then"])
def test_parse_answer_refuses_a_lone_surrogate_no_database_can_store(comment):
    with pytest.raises(services.RespondentError) as refused:
        services.parse_answer(statement="1", value="1", comment=comment)
    assert str(refused.value) == services.ERROR_COMMENT_CHARACTER


def test_autosave_cannot_reach_another_invitation(started_client, invitation, other_invitation):
    other = Client()
    other.get(reverse("respondent:link", args=[link_secret(other_invitation.link_nonce)]))
    other.post(reverse("respondent:consent"), {"consent": "on"})
    other_response = Response.objects.get(invitation=other_invitation)
    pk = order(invitation)[0]
    save(started_client, pk, "2", response=other_response.pk, invitation=other_invitation.pk)
    assert not Answer.objects.filter(response=other_response).exists()
    assert Answer.objects.get(statement_id=pk).response.invitation == invitation


def test_autosave_without_session_answers_403_json(client, survey):
    response = save(client, 1, "1")
    assert response.status_code == 403
    body = response.json()
    assert body["saved"] is False
    assert body["error"] == "session_expired"
    assert "personal link" in body["message"]
    assert not Answer.objects.exists()


def test_autosave_after_session_cookie_is_gone_answers_403_json(started_client, invitation):
    started_client.cookies.pop(SESSION_COOKIE)
    response = save(started_client, order(invitation)[0], "1")
    assert response.status_code == 403
    assert response.json()["error"] == "session_expired"


def test_autosave_refuses_get(started_client):
    assert started_client.get(AUTOSAVE).status_code == 405


def test_autosave_needs_csrf(invitation):
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("respondent:link", args=[link_secret(invitation.link_nonce)]))
    response = browser.post(AUTOSAVE, {"statement": 1, "value": "1"})
    assert response.status_code == 403
    assert not Answer.objects.exists()


def test_autosave_on_closed_survey_answers_410_and_keeps_answers(
    started_client, invitation, survey
):
    pk = order(invitation)[0]
    save(started_client, pk, "1")
    survey.status = Survey.Status.CLOSED
    survey.closed_at = timezone.now()
    survey.save()
    response = save(started_client, pk, "-1")
    assert response.status_code == 410
    assert response.json()["message"] == services.ERROR_CLOSED
    assert Answer.objects.get(statement_id=pk).value == 1


def test_autosave_after_submission_answers_409(started_client, invitation):
    pk = order(invitation)[0]
    save(started_client, pk, "1")
    started_client.post(reverse("respondent:submit"))
    response = save(started_client, pk, "-1")
    assert response.status_code == 409
    assert Answer.objects.get(statement_id=pk).value == 1


def test_autosave_json_is_json(started_client, invitation):
    response = save(started_client, order(invitation)[0], "0")
    assert response["Content-Type"] == "application/json"
    json.loads(response.content)


@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_at_once_never_duplicate_an_answer(survey, invitation, postgres):
    secret = link_secret(invitation.link_nonce)
    tabs = [Client() for _ in range(4)]
    for tab in tabs:
        tab.get(reverse("respondent:link", args=[secret]))
    tabs[0].post(reverse("respondent:consent"), {"consent": "on"})
    pk = order(invitation)[0]
    barrier = threading.Barrier(len(tabs))
    results = []

    def run(tab, value):
        barrier.wait()
        results.append(save(tab, pk, str(value)).status_code)
        connection.close()

    threads = [
        threading.Thread(target=run, args=(tab, v))
        for tab, v in zip(tabs, [2, 1, -1, -2], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200, 200, 200, 200]
    assert Answer.objects.filter(statement_id=pk).count() == 1


def test_autosave_after_revocation_is_refused(answering_client, invitation):
    from responses.fieldwork.services.lifecycle import invitation_revoke

    invitation_revoke(invitation=invitation)
    response = save(answering_client, order(invitation)[1], "2")
    assert response.status_code == 403
    assert response.json()["error"] == "session_expired"
    assert not Answer.objects.filter(statement_id=order(invitation)[1]).exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"status": Survey.Status.DRAFT}, 403),
        ({"status": Survey.Status.CLOSED}, 410),
        ({"opens_at": timezone.now() + timezone.timedelta(days=1)}, 403),
        ({"closes_at": timezone.now() - timezone.timedelta(seconds=1)}, 410),
    ],
)
def test_autosave_outside_the_open_period_is_refused(
    answering_client, invitation, survey, change, status
):
    Survey.objects.filter(pk=survey.pk).update(**change)
    response = save(answering_client, order(invitation)[1], "2")
    assert response.status_code == status
    assert not Answer.objects.filter(statement_id=order(invitation)[1]).exists()


def test_autosave_of_a_statement_outside_the_drawn_order_is_refused(answering_client, invitation):
    from statements.models import Statement

    stored = Response.objects.get(invitation=invitation)
    outside = stored.statement_order.pop()
    stored.save()
    response = save(answering_client, outside, "2")
    assert response.status_code == 400
    assert response.json()["message"] == services.ERROR_STATEMENT
    assert Statement.objects.filter(pk=outside).exists()
    assert not Answer.objects.filter(statement_id=outside).exists()


def test_autosave_updates_in_place_once_started(answering_client, invitation):
    pk = order(invitation)[0]
    save(answering_client, pk, "-88", "Changed my mind")
    answer = Answer.objects.get(statement_id=pk)
    assert (answer.value, answer.comment) == (-88, "Changed my mind")
    assert Answer.objects.count() == 1


@pytest.fixture
def database_restarted(transactional_db, postgres):
    """What a PostgreSQL restart does to the web process: its open connection is ended."""

    def restart():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with psycopg_admin() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    return restart


def psycopg_admin():
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        dbname=db["NAME"],
        autocommit=True,
    )


def test_autosave_during_a_database_restart_answers_503_json_then_saves(
    answering_client, invitation, database_restarted
):
    pk = order(invitation)[1]
    database_restarted()
    response = save(answering_client, pk, "2")
    assert response.status_code == 503
    assert response.json() == {
        "saved": False,
        "error": "unavailable",
        "message": MESSAGE_UNAVAILABLE,
    }
    connection.close_if_unusable_or_obsolete()  # what the end of a request does
    assert save(answering_client, pk, "2").json() == {"saved": True, "statement": pk, "value": 2}
    assert Answer.objects.get(statement_id=pk).value == 2


def test_autosave_with_the_database_down_answers_503_json(
    answering_client, invitation, transactional_db, postgres
):
    pk = order(invitation)[1]
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens: down
    try:
        response = save(answering_client, pk, "1")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert (response.status_code, response.json()["error"]) == (503, "unavailable")
    assert not Answer.objects.filter(statement_id=pk).exists()
