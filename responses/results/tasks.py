"""Tasks of the results, thin: keyword-only *_id arguments, a stable name, one service call."""

from celery import shared_task

from ..models import Job
from .services import export_jobs, snapshots


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


@shared_task(name="results.export_run", acks_late=True)
def results_export_run_task(*, job_id: int) -> None:
    job = Job.objects.select_related("survey").filter(pk=job_id).first()
    if job is None:
        return
    export_jobs.export_job_run(job=job)


@shared_task(name="results.exports_sweep")
def results_exports_sweep_task() -> None:
    """Beat, hourly: queue again the exports whose task was lost, remove files past a day."""
    export_jobs.export_jobs_requeue()
    export_jobs.export_files_expire()
