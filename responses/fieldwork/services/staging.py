"""The checked expert list between its preview and its confirmation: a Job row, small and
short-lived.

Only a list without problems keeps its rows, since only it can be imported, and they are
compressed (a list repeats itself, and an XLSX can repeat one long text in every cell: the
job stays near the size of the upload, or far under it). A list with problems keeps the first
MAX_PROBLEMS of them to show. A staged list expires after STAGED_FOR: the preview says when,
the confirmation refuses it after, and the next upload or the beat task deletes it, since it
holds names and emails.
"""

import base64
import json
import zlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ...models import Job, Survey
from ...uploads import ImportRefused
from .experts import ERROR_HAS_PROBLEMS, ParsedList, experts_import

JOB_KIND = "experts_import"
STAGED_FOR = timedelta(hours=24)
MAX_PROBLEMS = 1_000
SAMPLE_ROWS = 20

ERROR_EXPIRED = (
    "This upload has expired: a checked file is kept for 24 hours. Upload the file again."
)
ERROR_ALREADY_USED = "This upload was already imported. Upload the file again to import more."


def _pack(rows: list[dict]) -> str:
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(zlib.compress(text.encode(), 6)).decode("ascii")


def _unpack(packed) -> list[dict]:
    return json.loads(zlib.decompress(base64.b64decode(packed)))


def import_stage(*, survey: Survey, parsed: ParsedList, filename: str, actor) -> Job:
    """Keep what the preview shows and the confirmation imports, server-side; delete the
    staged lists that have expired meanwhile."""
    staged_imports_delete_expired()
    problems = parsed.problems
    return Job.objects.create(
        survey=survey,
        kind=JOB_KIND,
        created_by=actor,
        result={
            "filename": filename[:200],
            "count": len(parsed.rows),
            "extra_columns": parsed.extra_columns,
            "sample": parsed.rows[:SAMPLE_ROWS],
            "problem_count": len(problems),
            "problems": problems[:MAX_PROBLEMS],
            "rows": "" if problems else _pack(parsed.rows),
        },
    )


def staged_expires_at(job: Job):
    return job.created_at + STAGED_FOR


def staged_expired(job: Job) -> bool:
    return timezone.now() >= staged_expires_at(job)


def import_confirm(*, survey: Survey, job_id: int, actor) -> int:
    """Claim the staged upload (once, before it expires), then import it. A second click
    imports nothing."""
    live = {"created_at__gt": timezone.now() - STAGED_FOR}
    with transaction.atomic():
        claimed = Job.objects.filter(
            pk=job_id, survey=survey, kind=JOB_KIND, created_by=actor, status=Job.Status.PENDING
        )
        if not claimed.filter(**live).update(status=Job.Status.RUNNING):
            raise ImportRefused(ERROR_EXPIRED if claimed.exists() else ERROR_ALREADY_USED)
        job = Job.objects.get(pk=job_id)
        if job.result["problem_count"]:
            raise ImportRefused(ERROR_HAS_PROBLEMS, job.result["problems"])
        count = experts_import(survey=survey, rows=_unpack(job.result["rows"]), actor=actor)
        job.status, job.progress, job.finished_at = Job.Status.DONE, 100, timezone.now()
        job.result = {"filename": job.result["filename"], "imported": count}
        job.save(update_fields=["status", "progress", "finished_at", "result"])
    return count


def staged_imports_delete_expired() -> int:
    """Staged lists past their time, imported or not (the audit log keeps the import)."""
    cutoff = timezone.now() - STAGED_FOR
    deleted, _ = Job.objects.filter(kind=JOB_KIND, created_at__lte=cutoff).delete()
    return deleted
