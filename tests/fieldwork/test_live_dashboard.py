"""The dashboard's live figures: partial responses, where they stopped, the median time to
complete, the fragment the page's script refreshes, and the chart of a single day."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from responses.fieldwork import charts, selectors
from responses.models import Response
from statements.models import Statement
from tests.factories import inline_code, respond
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db


def _numbers(survey):
    return dict(Statement.objects.values_list("number", "pk"))


def test_progress_counts_partials_by_the_page_of_their_last_saved_answer(survey):
    survey.statements_per_page = 10
    survey.save(update_fields=["statements_per_page"])
    done = respond(survey, answers={1: 1, 2: 2})
    stopped = respond(survey, answers={3: 1}, submitted=False)
    Response.objects.filter(pk=done.pk).update(
        submitted_at=done.consented_at + timedelta(minutes=18)
    )
    order = Response.objects.get(pk=stopped.pk).statement_order
    page = order.index(_numbers(survey)[3]) // 10 + 1
    silent = respond(survey, answers={}, submitted=False)
    withdrawn = respond(survey, answers={4: 1}, submitted=False)
    Response.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())

    progress = selectors.progress(survey)
    assert progress.partial == 2
    assert sorted(progress.dropoff, key=lambda row: row["page"]) == sorted(
        [{"page": page, "count": 1}, {"page": 0, "count": 1}], key=lambda row: row["page"]
    )
    assert progress.completed == 1
    assert progress.median_minutes == pytest.approx(18, abs=0.1)
    assert silent.submitted_at is None


def test_progress_of_an_empty_survey_has_no_median(survey):
    progress = selectors.progress(survey)
    assert (progress.partial, progress.dropoff, progress.median_minutes) == (0, [], None)


def test_dashboard_figures_fragment_matches_the_page_and_is_refreshed_by_a_script(
    researcher_client, survey
):
    respond(survey, answers={1: 1}, submitted=False)
    page = researcher_client.get(url("dashboard", survey)).content.decode()
    fragment = researcher_client.get(url("dashboard_figures", survey))
    assert fragment.status_code == 200
    assert fragment["Cache-Control"].startswith("no-store")
    body = fragment.content.decode()
    assert "<html" not in body and "Partial responses" in body
    assert 'data-refresh-url="/research/agi/figures/"' in page
    assert 'data-refresh-seconds="30"' in page
    assert "js/dashboard.js" in page
    assert inline_code(page) == []


def test_chart_of_a_single_day_runs_by_hour(survey):
    day = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
    submissions = [day.replace(hour=9, minute=5), day.replace(hour=11, minute=40)]
    sends = [{"hour": day.replace(hour=8), "kind": "invitation", "n": 40}]
    chart = charts.submissions_chart(submissions=submissions, sends=sends, now=day)
    assert chart["hourly"] is True
    assert (chart["first_label"], chart["last_label"]) == ("08:00", "15:00")
    assert chart["span_label"].endswith(", by hour") and "08:00 to 15:00" in chart["span_label"]
    # 8:00 .. 15:00 is eight slots: the line has a point per slot after its origin.
    assert len(chart["points"].split()) == 1 + 8
    assert chart["markers"][0]["x"] == charts.LEFT
    assert chart["total"] == 2


def test_chart_over_several_days_runs_by_day(survey):
    now = timezone.localtime()
    earlier = now - timedelta(days=4)
    chart = charts.submissions_chart(
        submissions=[earlier, now],
        sends=[{"hour": earlier, "kind": "invitation", "n": 3}],
        now=now,
    )
    assert chart["hourly"] is False
    assert len(chart["points"].split()) == 1 + 5
    assert chart["last_label"] == f"{now.day} {now:%b %Y}"


def test_dashboard_shows_a_single_days_chart_by_hour(researcher_client, survey):
    respond(survey, answers={1: 1})
    page = researcher_client.get(url("dashboard", survey)).content.decode()
    assert "by hour" in page and "1 submissions in all" in page
    assert isinstance(timezone.localtime(), datetime)
