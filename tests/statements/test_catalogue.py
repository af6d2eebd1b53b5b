import pytest
from django.db import IntegrityError
from django.urls import reverse

from responses.models import Answer, Response
from statements.models import Statement
from statements.services import (
    ERROR_WORDING_FROZEN,
    StatementFrozen,
    catalogue_rows,
    statement_update,
    statements_load,
)

pytestmark = pytest.mark.django_db


def test_migration_loads_the_fifty_statements():
    assert Statement.objects.count() == 50
    assert Statement.objects.filter(wording="verbatim").count() == 25
    assert Statement.objects.filter(wording="provisional").count() == 25


def test_statement_49_is_avoid_capabilities_jumps():
    statement = Statement.objects.get(number=49)
    assert statement.title == "Avoid capabilities jumps"


def test_catalogue_matches_the_shared_csv():
    rows = {row["number"]: row for row in catalogue_rows()}
    for statement in Statement.objects.all():
        row = rows[statement.number]
        assert (statement.title, statement.text, statement.wording) == (
            row["title"],
            row["text"],
            row["wording"],
        )
        assert statement.questionnaire_position == row["questionnaire_position"]


def test_statements_load_is_idempotent_and_keeps_edits():
    Statement.objects.filter(number=50).update(text="Edited by a researcher.")
    assert statements_load() == 0
    assert Statement.objects.get(number=50).text == "Edited by a researcher."


def test_statement_wording_must_be_known():
    with pytest.raises(IntegrityError):
        Statement.objects.filter(number=1).update(wording="guess")


def test_statement_without_answers_can_be_edited():
    statement = Statement.objects.get(number=30)
    updated = statement_update(
        statement=statement, title="New", text="New text.", wording="verbatim"
    )
    assert (updated.title, updated.text, updated.wording) == ("New", "New text.", "verbatim")


def test_statement_with_an_answer_is_frozen(started_client, invitation):
    pk = Response.objects.get(invitation=invitation).statement_order[0]
    started_client.post("/survey/answer/", {"statement": pk, "value": "1"})
    statement = Statement.objects.get(pk=pk)
    with pytest.raises(StatementFrozen, match="frozen"):
        statement_update(statement=statement, title="X", text="Y", wording="verbatim")
    assert Statement.objects.get(pk=pk).text == statement.text
    assert Answer.objects.get(statement_id=pk).statement.text == statement.text
    assert "exact text the expert saw" in ERROR_WORDING_FROZEN


def admin_change_url(statement):
    return reverse("admin:statements_statement_change", args=[statement.pk])


def test_admin_lists_number_title_and_flags_provisional_wordings(admin_client):
    page = admin_client.get(reverse("admin:statements_statement_changelist")).content.decode()
    assert page.count('class="wording-provisional"') == 25
    assert "Avoid capabilities jumps" in page


def test_admin_edits_a_statement_without_answers(admin_client):
    statement = Statement.objects.get(number=30)
    data = {"title": "Edited", "text": "Edited text.", "wording": "verbatim"}
    response = admin_client.post(admin_change_url(statement), data)
    assert response.status_code == 302
    assert Statement.objects.get(pk=statement.pk).text == "Edited text."


def test_admin_shows_an_answered_statement_read_only(admin_client, started_client, invitation):
    pk = Response.objects.get(invitation=invitation).statement_order[0]
    started_client.post("/survey/answer/", {"statement": pk, "value": "1"})
    statement = Statement.objects.get(pk=pk)
    page = admin_client.get(admin_change_url(statement)).content.decode()
    assert 'name="text"' not in page
    admin_client.post(
        admin_change_url(statement), {"title": "X", "text": "Changed", "wording": "verbatim"}
    )
    assert Statement.objects.get(pk=pk).text == statement.text
