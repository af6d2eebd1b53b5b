"""Tasks of the results, thin: keyword-only *_id arguments, a stable name, one service call."""

from celery import shared_task

from ..models import Job
from .services import snapshots


@shared_task(name="results.job_run", acks_late=True)
def results_job_run_task(*, job_id: int) -> None:
    job = Job.objects.select_related("survey").filter(pk=job_id).first()
    if job is None:
        return
    snapshots.recompute_job_run(job=job)


@shared_task(name="results.refresh_stale")
def results_refresh_stale_task() -> None:
    """Beat, every minute: queue again the recompute jobs whose task was lost, then one
    computation per stale survey, however many submissions."""
    snapshots.recompute_jobs_requeue()
    snapshots.stale_surveys_refresh()
