"""Downloads too large to build on a request: a job writes the file, a page offers it.

The CSV exports stream and never come here. An export built whole in memory (XLSX, SAV,
DTA, the codebooks, the files across rounds) of a survey with more than EXPORT_JOB_ABOVE
counted responses becomes a Job: the task writes it under EXPORTS_DIR (private, never served
as static or media) and `export_file` hands it to the view that checks the researcher. The
file is written to a temporary name and renamed once complete, so a failure leaves nothing
half-written; files older than EXPORT_KEEP_HOURS are removed by the beat and by the next job.
"""

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ...audit import audit_log
from ...broker import publish_after_commit
from ...models import Job, Survey
from .. import selectors
from ..exports import registry

logger = logging.getLogger(__name__)

JOB_EXPORT = "results.export"
ERROR_EXPORT_FAILED = "The file could not be written: {error}"
ERROR_NOT_RETRYABLE = "Only a failed export can be tried again."
ERROR_EXPORT_DIRECT = "This export is made as it is downloaded: it needs no job."
ERROR_NO_RESULTS = "No results are computed yet: compute them, then download the bundle."
# The replication bundle holds every registered export, so it is not one of them itself.
BUNDLE = registry.Exporter(
    "bundle", "Replication bundle (zip)", "replication.zip", "application/zip", False, None
)


def job_exporter(key: str) -> registry.Exporter | None:
    """The export a job may write: a registered one, or the replication bundle."""
    return BUNDLE if key == BUNDLE.key else registry.EXPORTERS.get(key)


class ExportRefused(Exception):
    """The file cannot be made (registry.export_refusal says why)."""


def export_job_needed(*, survey: Survey, key: str, include_test: bool = False) -> bool:
    """Whether the export `key` is built whole from the responses of a panel above the
    threshold (the snapshot's tables are small whatever the panel)."""
    exporter = job_exporter(key)
    if exporter.streams or exporter.from_snapshot:
        return False
    counted = selectors.counted_responses(survey=survey, include_tests=include_test)
    return counted.count() > settings.EXPORT_JOB_ABOVE


def export_jobs(*, survey: Survey):
    return Job.objects.filter(survey=survey, kind=JOB_EXPORT)


def _enqueue(job_ids: list[int]) -> None:
    from ..tasks import results_export_run_task

    def send_all():
        for job_id in job_ids:
            results_export_run_task.delay(job_id=job_id)

    publish_after_commit(send_all, ids=job_ids)


@transaction.atomic
def export_job_create(*, survey: Survey, key: str, include_test: bool = False, actor=None) -> Job:
    """A job writing the export `key`, run after this transaction commits. Raises
    BrokerUnavailable once the job is saved if the broker cannot take its task: the job
    then waits, pending, for `export_jobs_requeue`."""
    exporter = job_exporter(key)
    if exporter.streams or exporter.from_snapshot:
        raise ValueError(ERROR_EXPORT_DIRECT)
    job = Job.objects.create(
        survey=survey,
        kind=JOB_EXPORT,
        created_by=actor,
        result={"key": key, "include_test": include_test},
    )
    audit_log(action="results.export_requested", survey=survey, actor=actor, data={"key": key})
    _enqueue([job.pk])
    return job


@transaction.atomic
def export_job_retry(*, job: Job, actor=None) -> Job:
    """A failed export, pending again with its own settings; the same BrokerUnavailable."""
    reset = Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).update(
        status=Job.Status.PENDING, progress=0, error="", finished_at=None
    )
    if not reset:
        raise ValueError(ERROR_NOT_RETRYABLE)
    audit_log(action="results.export_retried", survey=job.survey, actor=actor)
    _enqueue([job.pk])
    job.refresh_from_db()
    return job


def export_jobs_requeue(*, now=None) -> int:
    """The beat's sweep: publish again the task of every export still pending a minute after
    its creation (the broker was down). The task claims the job, so none runs twice."""
    now = now or timezone.now()
    ids = list(
        Job.objects.filter(
            kind=JOB_EXPORT, status=Job.Status.PENDING, created_at__lt=now - timedelta(minutes=1)
        ).values_list("pk", flat=True)
    )
    if ids:
        _enqueue(ids)
    return len(ids)


def _bundle_chunks(survey: Survey) -> list[bytes]:
    from ..exports import bundle, methods_text  # pandas loads with them, not at start-up
    from .snapshots import snapshot_current

    snapshot = snapshot_current(survey=survey)
    if snapshot is None:
        raise ExportRefused(ERROR_NO_RESULTS)
    _, markdown, html = methods_text.methods_files(survey)
    return [
        bundle.bundle_bytes(
            survey=survey, snapshot=snapshot, methods_md=markdown, methods_html=html
        )
    ]


def _write(job: Job, path: Path) -> int:
    """The export's bytes into `path`, through a temporary file renamed when complete."""
    key, include_test = job.result["key"], job.result["include_test"]
    if key == BUNDLE.key:
        chunks = _bundle_chunks(job.survey)
    else:
        chunks = registry.export_chunks(key=key, survey=job.survey, include_test=include_test)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        # A generator left mid-way keeps its server-side cursor open (PostgreSQL).
        getattr(chunks, "close", lambda: None)()
        raise
    return path.stat().st_size


def export_job_run(*, job: Job) -> Job:
    """Claimed by a conditional update, so a redelivered task never writes twice."""
    claimed = Job.objects.filter(pk=job.pk, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING, progress=10
    )
    if not claimed:
        return job
    export_files_expire()
    key, include_test = job.result["key"], job.result["include_test"]
    filename = export_job_filename(key=key, slug=job.survey.slug)
    path = Path(settings.EXPORTS_DIR) / f"{job.pk}-{filename}"
    # The panel may have grown since the request: the file's limits are checked again.
    refusal = registry.export_refusal(key=key, survey=job.survey, include_test=include_test)
    try:
        if refusal:
            raise ExportRefused(refusal)
        path.parent.mkdir(parents=True, exist_ok=True)
        size = _write(job, path)
    except Exception as error:
        # Not re-raised: the failure is shown on the job page, with a retry button.
        logger.exception("export job %s failed", job.pk)
        refused = isinstance(error, ExportRefused)
        message = str(error) if refused else ERROR_EXPORT_FAILED.format(error=error)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), error=message
        )
    else:
        result = job.result | {"file": path.name, "filename": filename, "size": size}
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.DONE, progress=100, finished_at=timezone.now(), result=result
        )
    job.refresh_from_db()
    return job


def export_job_filename(*, key: str, slug: str) -> str:
    return f"{slug}-{job_exporter(key).filename}"


def export_file(*, job: Job) -> Path | None:
    """The finished export's file, if it is still kept."""
    name = job.result.get("file") if job.status == Job.Status.DONE else None
    path = Path(settings.EXPORTS_DIR) / name if name else None
    return path if path is not None and path.is_file() else None


def export_files_expire(*, now=None) -> int:
    """Remove every file under EXPORTS_DIR older than EXPORT_KEEP_HOURS (the leftovers of a
    worker that died mid-write among them); their jobs then say the file has expired."""
    directory = Path(settings.EXPORTS_DIR)
    if not directory.is_dir():
        return 0
    cutoff = (now or timezone.now()) - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
