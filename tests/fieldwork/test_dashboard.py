import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from responses.fieldwork import selectors
from responses.fieldwork.services import respondents as respondent_services
from responses.fieldwork.services.experts import invitations_build
from responses.models import EmailDelivery, Expert, Invitation, Response
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db


def test_dashboard_counts_states_and_rates(researcher_client, survey, many_invitations):
    invitations = many_invitations(10)
    now = timezone.now()
    Invitation.objects.filter(pk__in=[i.pk for i in invitations[:8]]).update(sent_at=now)
    Invitation.objects.filter(pk__in=[i.pk for i in invitations[:4]]).update(started_at=now)
    Invitation.objects.filter(pk__in=[i.pk for i in invitations[:2]]).update(submitted_at=now)
    Invitation.objects.filter(pk=invitations[5].pk).update(declined_at=now)
    Invitation.objects.filter(pk=invitations[9].pk).update(revoked_at=now)
    counts = selectors.state_counts(survey)
    assert counts == {
        "not_sent": 1,
        "sent": 3,
        "started": 2,
        "submitted": 2,
        "declined": 1,
        "failed": 0,
        "revoked": 1,
    }
    rates = selectors.rates_overall(survey)
    assert (rates.invited, rates.started, rates.submitted) == (8, 4, 2)
    page = researcher_client.get(url("dashboard", survey)).content.decode()
    assert "25.0%</strong> submitted (2 of 8 invited)" in page
    assert "50.0%</strong> started (4 of 8)" in page


def test_dashboard_breaks_down_by_assigned_and_stated_sector(
    researcher_client, survey, many_invitations
):
    invitations = many_invitations(8)  # sectors cycle agi_lab, academia, civil_society, other
    now = timezone.now()
    Invitation.objects.update(sent_at=now)
    for invitation, sectors in (
        (invitations[0], ["think_tank"]),
        (invitations[4], ["agi_lab", "academia"]),
    ):
        Response.objects.create(
            invitation=invitation,
            consented_at=now,
            statement_order=[],
            sectors=sectors,
            submitted_at=now,
        )
        Invitation.objects.filter(pk=invitation.pk).update(submitted_at=now, started_at=now)
    by_sector = {row["code"]: row["rates"] for row in selectors.rates_by_assigned_sector(survey)}
    assert (by_sector["agi_lab"].invited, by_sector["agi_lab"].submitted) == (2, 2)
    assert by_sector["academia"].submitted == 0
    stated = {row["code"]: row["submitted"] for row in selectors.counts_by_stated_sector(survey)}
    assert stated == {"agi_lab": 1, "think_tank": 1, "academia": 1}
    page = researcher_client.get(url("dashboard", survey)).content.decode()
    assert "Think tank" in page


def test_dashboard_chart_marks_sends_and_has_no_inline_style(researcher_client, survey, invitation):
    now = timezone.now()
    EmailDelivery.objects.create(
        invitation=invitation, kind="invitation", status="sent", sent_at=now - timedelta(days=3)
    )
    EmailDelivery.objects.create(
        invitation=invitation,
        kind="reminder",
        round=1,
        status="sent",
        sent_at=now - timedelta(days=1),
    )
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=now, submitted_at=now)
    page = researcher_client.get(url("dashboard", survey)).content.decode()
    assert '<polyline class="chart-line"' in page
    assert page.count("chart-marker chart-marker-invitation") == 1
    assert page.count("chart-marker chart-marker-reminder") == 1
    assert "1 submissions in all" in page
    assert "style=" not in page
    assert "<style" not in page


def test_dashboard_shows_days_left(researcher_client, survey):
    # Late on the fifth day from today, whatever the time now: days count calendar days.
    survey.closes_at = (timezone.localtime() + timedelta(days=5)).replace(hour=23, minute=59)
    survey.save()
    assert "5 days left" in researcher_client.get(url("dashboard", survey)).content.decode()


def test_invitation_table_filters_searches_and_sorts(researcher_client, survey, many_invitations):
    many_invitations(6)
    Invitation.objects.filter(expert__email="expert3@example.org").update(sent_at=timezone.now())
    page = researcher_client.get(url("invitations", survey), {"state": "sent"}).content.decode()
    assert "Expert 3" in page and "Expert 2" not in page
    page = researcher_client.get(url("invitations", survey), {"q": "expert5@"}).content.decode()
    assert "Expert 5" in page and "Expert 4" not in page
    page = researcher_client.get(
        url("invitations", survey), {"sector": "academia"}
    ).content.decode()
    assert "Expert 1<" in page and "Expert 5<" in page and "Expert 2<" not in page
    page = researcher_client.get(url("invitations", survey), {"sort": "-name"}).content.decode()
    assert page.index("Expert 5<") < page.index("Expert 0<")


def test_invitation_table_shows_answered_count_for_partial_responses(
    researcher_client, survey, invitation
):
    now = timezone.now()
    response = Response.objects.create(invitation=invitation, consented_at=now, statement_order=[])
    statements = list(survey.statements.all()[:3])
    for statement, value in zip(statements, [1, -88, None], strict=True):
        response.answers.create(statement=statement, survey=survey, value=value, updated_at=now)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=now, started_at=now)
    row = selectors.invitations_table(survey).get(pk=invitation.pk)
    assert (row.state, row.answered) == ("started", 2)


def bulk_invitations(survey, count, prefix="bulk", sector="academia", sent_at=None):
    email = "{}{}@example.org"
    experts = Expert.objects.bulk_create(
        [
            Expert(
                survey=survey, name=f"{prefix} {n}", email=email.format(prefix, n), sector=sector
            )
            for n in range(count)
        ]
    )
    invitations = invitations_build(survey=survey, experts=experts, sent_at=sent_at)
    Invitation.objects.bulk_create(invitations)


@pytest.mark.parametrize(
    "name", ["dashboard", "dashboard_figures", "invitations", "audit", "surveys"]
)
def test_pages_keep_a_constant_query_count(researcher_client, survey, name):
    target = url(name, survey) if name != "surveys" else "/research/"
    bulk_invitations(survey, 10, sector="academia", sent_at=timezone.now())
    with CaptureQueriesContext(connection) as few:
        assert researcher_client.get(target).status_code == 200
    bulk_invitations(survey, 2000, prefix="more", sector="")
    with CaptureQueriesContext(connection) as many:
        assert researcher_client.get(target).status_code == 200
    assert len(many) == len(few)


def test_dashboard_with_test_responses_keeps_a_constant_query_count(
    researcher_client, survey, researcher
):
    respondent_services.test_invitation_create(survey=survey, actor=researcher, sector="academia")
    for name in ("dashboard", "dashboard_figures"):
        bulk_invitations(survey, 10, prefix=f"few-{name}", sector="academia")
        with CaptureQueriesContext(connection) as few:
            assert researcher_client.get(url(name, survey), {"tests": "1"}).status_code == 200
        bulk_invitations(survey, 2000, prefix=f"many-{name}", sector="")
        with CaptureQueriesContext(connection) as many:
            assert researcher_client.get(url(name, survey), {"tests": "1"}).status_code == 200
        assert len(many) == len(few)


def test_dashboard_query_count_is_bounded_with_10000_invitations(
    researcher_client, survey, django_assert_max_num_queries
):
    bulk_invitations(survey, 10_000, sector="academia", sent_at=timezone.now())
    with django_assert_max_num_queries(20):
        researcher_client.get(url("dashboard", survey))
    with django_assert_max_num_queries(20):
        researcher_client.get(url("invitations", survey), {"sort": "answered"})


def export_rows(researcher_client, survey, kind):
    response = researcher_client.get(url(f"invitations_{kind}", survey))
    assert response.status_code == 200
    if kind == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_export_csv_neutralises_formulas(researcher_client, survey, invitation):
    Expert.objects.filter(pk=invitation.expert_id).update(
        name='=HYPERLINK("http://evil")', affiliation="+1-2", attributes={"note": "@SUM(A1)"}
    )
    rows = export_rows(researcher_client, survey, "csv")
    assert rows[0][:5] == ["name", "email", "sector", "affiliation", "state"]
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[1][3] == "'+1-2"
    assert rows[1][4] == "Not sent"
    assert rows[1][14] == "note=@SUM(A1)"


def test_export_xlsx_cells_are_strings_holding_the_text_itself(
    researcher_client, survey, invitation
):
    Expert.objects.filter(pk=invitation.expert_id).update(
        name='=HYPERLINK("http://evil")', affiliation="+1-2"
    )
    response = researcher_client.get(url("invitations_xlsx", survey))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert (sheet["A2"].data_type, sheet["A2"].value) == ("s", '=HYPERLINK("http://evil")')
    assert (sheet["D2"].data_type, sheet["D2"].value) == ("s", "+1-2")


def test_dashboard_response_rate_counts_links_passed_on_and_shows_one_decimal(
    researcher_client, survey, many_invitations
):
    from django.utils import timezone

    from responses.models import Invitation

    invitations = many_invitations(92)
    now = timezone.now()
    # 91 emailed; the 92nd expert got their link by hand from the researcher.
    Invitation.objects.filter(pk__in=[i.pk for i in invitations[:91]]).update(sent_at=now)
    answered = [i.pk for i in invitations[:50]] + [invitations[91].pk]
    Invitation.objects.filter(pk__in=answered).update(started_at=now, submitted_at=now)
    page = researcher_client.get(f"/research/{survey.slug}/").content.decode()
    assert "55.4%</strong> submitted (51 of 92 invited)" in page
