import pytest
from django.urls import reverse
from django.utils import timezone

from responses.models import Job, ResultsSnapshot, Survey
from responses.respondent.services import response_submit
from responses.results.services import snapshots as services
from responses.results.tasks import results_refresh_stale_task
from tests.factories import STATEMENT_49, respond

pytestmark = pytest.mark.django_db


def stale(survey):
    return Survey.objects.values_list("results_stale_since", flat=True).get(pk=survey.pk)


def test_submission_marks_results_stale_without_computing(survey):
    response = respond(survey, answers={1: 2}, submitted=False)
    response_submit(response=response)
    assert stale(survey) is not None
    assert ResultsSnapshot.objects.count() == 0


def test_beat_coalesces_many_submissions_into_one_computation(survey):
    for _ in range(100):
        response_submit(response=respond(survey, answers={1: 1}, submitted=False))
    results_refresh_stale_task.delay()
    assert ResultsSnapshot.objects.filter(survey=survey).count() == 1
    assert ResultsSnapshot.objects.get().respondents == 100
    assert stale(survey) is None
    results_refresh_stale_task.delay()
    assert ResultsSnapshot.objects.count() == 1


def test_beat_keeps_stale_mark_when_a_submission_arrives_during_compute(survey):
    response_submit(response=respond(survey, answers={1: 1}, submitted=False))
    late = respond(survey, answers={1: 2}, submitted=False)

    def submit_meanwhile(percent):
        if percent == 40:
            response_submit(response=late)

    snapshot = services.snapshot_refresh(survey=survey, progress=submit_meanwhile)
    assert snapshot.respondents == 1
    assert stale(survey) is not None
    results_refresh_stale_task.delay()
    assert ResultsSnapshot.objects.latest().respondents == 2
    assert stale(survey) is None


def test_beat_ignores_fresh_surveys(survey):
    respond(survey, answers={1: 1})
    results_refresh_stale_task.delay()
    results_refresh_stale_task.delay()
    assert ResultsSnapshot.objects.count() == 1


def test_snapshot_same_answers_same_figures_and_fingerprint(statement_49_survey):
    first = services.snapshot_create(survey=statement_49_survey)
    second = services.snapshot_create(survey=statement_49_survey)
    assert first.fingerprint == second.fingerprint
    assert first.tables == second.tables
    assert len(first.fingerprint) == 64
    stored = ResultsSnapshot.objects.get(pk=first.pk)
    assert stored.respondents == 39 and stored.code_version == "analysis-2"
    assert stored.tables["statements"][48]["n"] == 37


def test_recompute_runs_job_on_commit(
    client, researcher, statement_49_survey, django_capture_on_commit_callbacks
):
    client.force_login(researcher)
    Survey.objects.filter(pk=statement_49_survey.pk).update(results_stale_since=timezone.now())
    url = reverse("research:results_recompute", args=[statement_49_survey.slug])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url)
    assert len(callbacks) == 1
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "research:results_job", args=[statement_49_survey.slug, job.pk]
    )
    assert (job.status, job.progress, job.kind) == ("done", 100, "results.recompute")
    assert job.created_by == researcher and job.finished_at is not None
    assert ResultsSnapshot.objects.get().pk == job.result["snapshot_id"]
    assert stale(statement_49_survey) is None


def test_recompute_enqueues_nothing_before_commit(
    client, researcher, survey, django_capture_on_commit_callbacks
):
    client.force_login(researcher)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("research:results_recompute", args=[survey.slug]))
    assert len(callbacks) == 1
    assert Job.objects.get().status == "pending"
    assert ResultsSnapshot.objects.count() == 0


def test_recompute_job_runs_once(survey):
    job = Job.objects.create(survey=survey, kind=services.JOB_RECOMPUTE)
    services.recompute_job_run(job=job)
    services.recompute_job_run(job=job)
    assert ResultsSnapshot.objects.count() == 1


def test_job_page_shows_status_and_progress(client, researcher, survey):
    client.force_login(researcher)
    job = Job.objects.create(
        survey=survey, kind=services.JOB_RECOMPUTE, progress=40, status=Job.Status.RUNNING
    )
    response = client.get(reverse("research:results_job", args=[survey.slug, job.pk]))
    assert response.status_code == 200
    assert b"Running" in response.content and b'value="40"' in response.content
    assert b'http-equiv="refresh"' in response.content


def test_statement_49_respondents_exclude_unsubmitted(statement_49_survey):
    assert len(STATEMENT_49) == 37
    assert services.snapshot_create(survey=statement_49_survey).respondents == 39
