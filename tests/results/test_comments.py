"""The comments view: every per-statement comment and open answer, filtered by statement and
by a sector only when that sector reaches the minimum group size, exported as CSV and XLSX."""

import csv
import io

import pytest
from openpyxl import load_workbook

from responses.fieldwork.services import respondents
from responses.fieldwork.services.experts import invitation_create
from responses.results import selectors
from responses.results.views import MESSAGE_SECTOR_HIDDEN, MESSAGE_STATEMENT_UNKNOWN
from statements.models import Statement
from tests.factories import research_url as url
from tests.factories import walk_through

pytestmark = pytest.mark.django_db


def _respondent(survey, index, sector, comment, open_answer=""):
    invitation, _ = invitation_create(
        survey=survey, email=f"c{index}@example.org", name=f"Commenter {index}", sector=sector
    )
    return walk_through(
        invitation, answers={1: 2, 2: 1}, comments={1: comment}, open_answer=open_answer
    )


@pytest.fixture
def commented(survey):
    """Five academics (the minimum group size) and two from AGI labs, all commenting on
    statement 1; one academic answers the open question with a formula."""
    for i in range(5):
        _respondent(survey, i, "academia", f"academic view {i}")
    _respondent(survey, 5, "agi_lab", "lab view 5")
    _respondent(survey, 6, "agi_lab", "lab view 6", open_answer='=HYPERLINK("http://x")')
    return survey


def test_comment_rows_list_every_comment_and_open_answer(commented):
    rows = selectors.comment_rows(survey=commented)
    comments = [row["comment"] for row in rows]
    assert len(rows) == 8
    assert comments[-1] == '=HYPERLINK("http://x")' and rows[-1]["title"] == "Open question"
    assert {row["statement"] for row in rows[:-1]} == {1}
    assert rows[0]["answer"] == "Strongly agree"


def test_comment_sectors_offer_only_groups_at_the_minimum_size(commented):
    assert selectors.comment_sectors(survey=commented) == [("academia", "Academia")]


def test_comment_rows_name_no_sector_under_the_minimum(commented):
    sectors = {row["comment"]: row["sector"] for row in selectors.comment_rows(survey=commented)}
    assert sectors["academic view 0"] == "Academia"
    assert sectors["lab view 5"] == ""


def test_comments_page_filters_by_sector(researcher_client, commented):
    page = researcher_client.get(url("comments", commented) + "?sector=academia").content.decode()
    assert "academic view 4" in page and "lab view" not in page
    assert '<option value="agi_lab"' not in page


def test_comments_page_refuses_a_sector_under_the_minimum(researcher_client, commented):
    reply = researcher_client.get(url("comments", commented) + "?sector=agi_lab")
    page = reply.content.decode()
    assert reply.status_code == 400
    assert MESSAGE_SECTOR_HIDDEN.format(size=5) in page
    assert "lab view 5" in page and "academic view 0" in page  # every sector, unnamed


def test_comments_page_filters_by_statement(researcher_client, commented):
    second = Statement.objects.get(number=2).pk
    page = researcher_client.get(url("comments", commented) + f"?statement={second}")
    assert "No comments yet." in page.content.decode()
    only_open = researcher_client.get(url("comments", commented) + "?statement=open")
    assert "academic view" not in only_open.content.decode()
    assert "HYPERLINK" in only_open.content.decode()


@pytest.mark.parametrize("statement", ["99999", "abc", "²"])
def test_comments_page_refuses_an_unknown_statement(researcher_client, commented, statement):
    reply = researcher_client.get(url("comments", commented), {"statement": statement})
    assert reply.status_code == 400
    assert MESSAGE_STATEMENT_UNKNOWN in reply.content.decode()


def test_comments_leave_out_tests_unless_asked_and_withdrawn_always(
    researcher_client, commented, researcher
):
    test = respondents.test_invitation_create(survey=commented, actor=researcher)
    walk_through(test, answers={1: 0}, comments={1: "my own test"})
    withdrawn = _respondent(commented, 7, "academia", "please forget me")
    respondents.response_withdraw(response=withdrawn, actor=researcher, confirm=True)
    page = researcher_client.get(url("comments", commented)).content.decode()
    assert "my own test" not in page and "please forget me" not in page
    asked = researcher_client.get(url("comments", commented) + "?tests=1").content.decode()
    assert "my own test" in asked and "please forget me" not in asked


def test_comments_csv_neutralises_formulas(researcher_client, commented):
    reply = researcher_client.get(url("comments_csv", commented))
    assert reply["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.content.decode())))
    assert rows[0] == selectors.COMMENT_HEADER
    assert len(rows) == 1 + 8
    assert rows[-1][-1] == '\'=HYPERLINK("http://x")'


def test_comments_xlsx_keeps_filters_and_types_text(researcher_client, commented):
    reply = researcher_client.get(url("comments_xlsx", commented) + "?sector=academia")
    sheet = load_workbook(io.BytesIO(reply.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == selectors.COMMENT_HEADER
    assert len(values) == 1 + 5
    assert all(row[1] == "Academia" for row in values[1:])


def test_comments_export_refuses_a_hidden_sector(researcher_client, commented):
    reply = researcher_client.get(url("comments_csv", commented) + "?sector=agi_lab")
    assert reply.status_code == 302 and reply["Location"] == url("comments", commented)


def test_comments_refuse_another_teams_researcher(client, commented, other_researcher):
    client.force_login(other_researcher)
    assert client.get(url("comments", commented)).status_code == 404
    assert client.get(url("comments_csv", commented)).status_code == 404


def test_comments_tab_is_marked(researcher_client, commented):
    page = researcher_client.get(url("comments", commented)).content.decode()
    assert '<a href="/research/agi/comments/" aria-current="page">Comments</a>' in page


def test_comments_page_runs_as_many_queries_for_more_respondents(researcher_client, commented):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        researcher_client.get(url("comments", commented))
    for index in range(10, 20):
        _respondent(commented, index, "academia", f"more {index}")
    with CaptureQueriesContext(connection) as many:
        researcher_client.get(url("comments", commented))
    assert len(many) == len(few)
