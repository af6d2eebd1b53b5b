"""A recompute whose task is lost (the broker down when it was queued, a worker gone) is
kept as a pending job and queued again by the beat a minute later, and runs once."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from responses.management.commands import compute_results
from responses.models import Job
from responses.results import views
from responses.results.services import snapshots
from responses.results.tasks import results_refresh_stale_task
from tests.factories import respond

pytestmark = pytest.mark.django_db

Status = Job.Status


def test_recompute_with_the_broker_down_shows_the_job_and_says_it_will_start(
    dead_broker, researcher_client, survey
):
    response = researcher_client.post(reverse("research:results_recompute", args=[survey.slug]))
    job = Job.objects.get()
    assert response.url == reverse("research:results_job", args=[survey.slug, job.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [views.MESSAGE_RECOMPUTE_LATER]
    assert (job.status, job.kind) == (Status.PENDING, "results.recompute")


def test_compute_results_with_the_broker_down_says_so_and_waits(
    dead_broker, survey, tmp_path, capsys
):
    with pytest.raises(compute_results.CommandError) as stopped:
        call_command(
            "compute_results",
            survey=survey.slug,
            output=str(tmp_path / "r.csv"),
            recount=True,
            timeout=1,
        )
    job = Job.objects.get()
    assert capsys.readouterr().err == compute_results.WARNING_QUEUED_LATER.format(job=job.pk) + "\n"
    assert str(stopped.value) == compute_results.ERROR_TIMEOUT.format(job=job.pk, seconds=1)


@pytest.fixture
def lost_job(survey, django_capture_on_commit_callbacks):
    """A recompute requested while the broker was away: saved, its task never queued."""
    respond(survey, answers={1: 2})
    with django_capture_on_commit_callbacks(execute=False):
        return snapshots.recompute_job_create(survey=survey)


def requeue(capture, **kwargs):
    with capture(execute=True):
        return snapshots.recompute_jobs_requeue(**kwargs)


def test_jobs_requeue_runs_a_job_pending_for_a_minute_once(
    lost_job, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(minutes=1, seconds=1)
    assert requeue(django_capture_on_commit_callbacks, now=later) == 1
    assert requeue(django_capture_on_commit_callbacks, now=later) == 0
    lost_job.refresh_from_db()
    assert (lost_job.status, lost_job.progress) == (Status.DONE, 100)


def test_jobs_requeue_leaves_a_job_queued_less_than_a_minute_ago(
    lost_job, django_capture_on_commit_callbacks
):
    soon = timezone.now() + timedelta(seconds=50)
    assert requeue(django_capture_on_commit_callbacks, now=soon) == 0
    assert Job.objects.get().status == Status.PENDING


def test_jobs_requeue_leaves_staged_imports_alone(
    survey, researcher, django_capture_on_commit_callbacks
):
    Job.objects.create(survey=survey, kind="experts_import", created_by=researcher)
    later = timezone.now() + timedelta(hours=1)
    assert requeue(django_capture_on_commit_callbacks, now=later) == 0
    assert Job.objects.get().status == Status.PENDING


def test_refresh_task_queues_lost_jobs_again(lost_job, django_capture_on_commit_callbacks):
    Job.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        results_refresh_stale_task.delay()
    assert Job.objects.get().status == Status.DONE


def test_requeued_job_racing_its_lost_task_runs_once(lost_job, django_capture_on_commit_callbacks):
    from responses.results.tasks import results_job_run_task

    results_job_run_task.delay(job_id=lost_job.pk)
    finished = Job.objects.get().finished_at
    later = timezone.now() + timedelta(minutes=2)
    assert requeue(django_capture_on_commit_callbacks, now=later) == 0
    results_job_run_task.delay(job_id=lost_job.pk)
    assert Job.objects.get().finished_at == finished
