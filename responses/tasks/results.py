"""Tasks for the aggregate results: snapshots, recomputation of stale surveys."""

from celery import shared_task

from ..models import Job
from ..services import results as services


@shared_task(name="results.job_run", acks_late=True)
def results_job_run(*, job_id: int) -> None:
    job = Job.objects.select_related("survey").filter(pk=job_id).first()
    if job is None:
        return
    services.recompute_job_run(job=job)


@shared_task(name="results.refresh_stale")
def results_refresh_stale() -> None:
    """Beat, every minute: one computation per stale survey, however many submissions."""
    services.stale_surveys_refresh()
