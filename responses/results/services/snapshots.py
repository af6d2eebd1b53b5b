"""Results snapshots and the jobs that compute them.

A submission only marks the survey stale (one UPDATE, no broker call while the expert
waits). The beat task `results.refresh_stale` runs every minute and recomputes each stale
survey once, however many submissions arrived: that is the coalescing. A recompute first
*claims* the stale mark with a conditional update (clearing it), so a submission that
arrives while it computes sets the mark again and is picked up by the next tick; if the
computation fails, the mark is put back.
"""

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ...audit import audit_log
from ...broker import publish_after_commit
from ...models import Job, ResultsSnapshot, Survey
from .. import selectors
from ..selectors import JOB_RECOMPUTE
from ..selectors.agreement import agreement_indices
from .counts import counts_rebuild

logger = logging.getLogger(__name__)

ERROR_JOB_FAILED = "The computation failed: {error}"
# A job still pending this long after its creation lost its task: the beat queues it again.
REQUEUE_AFTER = timedelta(minutes=1)


@transaction.atomic
def count_tables_checked(*, survey: Survey, rebuild: bool = False):
    """The kept counts, recounted from the answers first when they no longer match the
    survey's submitted responses (a submitted response was deleted), or with `rebuild`."""
    if rebuild or not selectors.counts_fresh(survey_id=survey.pk):
        counts_rebuild(survey=survey)
    return selectors.count_tables(survey_id=survey.pk)


def _analysis_prefetch() -> threading.Thread:
    """Import the analysis (pandas, scipy.stats: about 1.5 s of CPU) in a thread while this
    one waits on the database. Importing it again afterwards waits for that import to end
    (the module locks); once loaded, the thread has nothing to do."""
    loading = threading.Thread(
        target=importlib.import_module, args=("responses.results.analysis",), daemon=True
    )
    loading.start()
    return loading


def snapshot_create(
    *,
    survey: Survey,
    progress: Callable[[int], None] | None = None,
    rebuild: bool = False,
    permutations: int | None = None,
    order_effects: bool = False,
):
    """Read the counts, compute every table, and store one snapshot.

    The counts are those kept at each submission (results/services/counts.py), recounted
    from the answers first when they no longer match the submitted responses (a deletion),
    or always with `rebuild`: the manual recompute, exact and slower. The beat's refresh
    reads the kept counts. `permutations`: draws of each permutation test (None: the
    default, analysis.inference.PERMUTATIONS; 0 leaves them out, and the respondent-level
    test of the agreement index with them; the benchmark times them apart);
    `order_effects`: read every answer with the position it was shown at, a cost like a
    recount's (about 2.5 s at 5M answers), so only the manual recompute and
    `compute_results --recount` ask for it; otherwise the latest snapshot's order-effects table is
    carried over, with the time it was computed (`order_computed_at`)."""
    # pandas and scipy load where computed, not at start-up, and while the database works:
    # each read makes its DataFrame after its query, and the first to do so waits for the
    # import, so the refresh's longest query goes first: the respondent-level test's read of
    # every answer, grouped by respondent. That test is a permutation test too, so it comes
    # with the draws.
    loading = _analysis_prefetch()
    progress = progress or (lambda percent: None)
    tested = permutations is None or permutations > 0
    agreement = agreement_indices(survey_id=survey.pk) if tested else None
    answers, sizes = count_tables_checked(survey=survey, rebuild=rebuild)
    order = selectors.order_counts(survey_id=survey.pk) if order_effects else None
    previous = None if order_effects else selectors.snapshot_latest(survey=survey)
    statements = selectors.survey_statements(survey=survey)
    loading.join()
    from .. import analysis
    from ..analysis.inference import PERMUTATIONS

    if permutations is None:
        permutations = PERMUTATIONS
    progress(40)
    tables = analysis.results_tables(
        answers,
        sizes,
        statements,
        survey.min_group_size,
        consensus_rule=survey.consensus_rule,
        permutations=permutations,
        order_counts=order,
        agreement=agreement,
    )
    if order_effects:
        tables["order_computed_at"] = timezone.now().isoformat()
    elif previous is not None and previous.tables.get("order") is not None:
        tables["order"] = previous.tables["order"]
        tables["order_computed_at"] = previous.tables.get("order_computed_at")
    progress(80)
    return ResultsSnapshot.objects.create(
        survey=survey,
        respondents=tables["respondents"],
        fingerprint=tables["fingerprint"],
        code_version=analysis.CODE_VERSION,
        tables=tables,
    )


def tables_with_tests(*, survey: Survey) -> dict:
    """The results with the researchers' test responses counted, computed for one page and
    never stored: the snapshot and the kept counts stay the fielded panel's alone. No
    permutation tests or order effects, so it stays quick."""
    from .. import analysis

    answers, sizes = selectors.count_tables_with_tests(survey=survey)
    return analysis.results_tables(
        answers,
        sizes,
        selectors.survey_statements(survey=survey),
        survey.min_group_size,
        consensus_rule=survey.consensus_rule,
        permutations=0,
        order_counts=None,
    )


def stale_mark_claim(*, survey: Survey):
    """Clear the stale mark if it is set; returns the mark (None when not stale)."""
    mark = Survey.objects.filter(pk=survey.pk).values_list("results_stale_since", flat=True).first()
    if mark is None:
        return None
    claimed = Survey.objects.filter(pk=survey.pk, results_stale_since=mark).update(
        results_stale_since=None
    )
    return mark if claimed else None


def stale_mark_restore(*, survey: Survey, mark) -> None:
    if mark is not None:
        Survey.objects.filter(pk=survey.pk, results_stale_since__isnull=True).update(
            results_stale_since=mark
        )


def snapshot_refresh(
    *, survey: Survey, progress=None, rebuild: bool = False, order_effects: bool = False
) -> ResultsSnapshot:
    mark = stale_mark_claim(survey=survey)
    try:
        return snapshot_create(
            survey=survey, progress=progress, rebuild=rebuild, order_effects=order_effects
        )
    except Exception:
        stale_mark_restore(survey=survey, mark=mark)
        raise


def refresh_has_worker() -> bool:
    """Whether a worker and its beat refresh stale results. Eager Celery (`make run`) has
    neither: nothing would ever refresh them, so the results are computed when opened."""
    return not settings.CELERY_TASK_ALWAYS_EAGER


def snapshot_current(*, survey: Survey) -> ResultsSnapshot | None:
    """The latest snapshot, brought up to date first when nothing else will: without a
    worker, a stale survey (or one with submissions and no snapshot yet) is recomputed now,
    from the kept counts. A failure leaves the stale mark for the Recompute button."""
    latest = selectors.snapshot_latest(survey=survey)
    if refresh_has_worker():
        return latest
    stale = Survey.objects.filter(pk=survey.pk, results_stale_since__isnull=False).exists()
    if stale or (latest is None and selectors.submitted_count(survey=survey)):
        try:
            latest = snapshot_refresh(survey=survey)
        except Exception:
            logger.exception("results of survey %s could not be refreshed", survey.pk)
        survey.refresh_from_db(fields=["results_stale_since"])
    return latest


def stale_surveys_refresh() -> list[int]:
    """Recompute every stale survey once; returns their ids."""
    refreshed = []
    for survey in Survey.objects.filter(results_stale_since__isnull=False).order_by("pk"):
        if stale_mark_claim(survey=survey) is None:
            continue  # another beat worker took it
        try:
            snapshot_create(survey=survey)
        except Exception:
            stale_mark_restore(survey=survey, mark=survey.results_stale_since)
            raise
        refreshed.append(survey.pk)
    return refreshed


def _job_enqueue(job_ids: list[int], *, expires: int | None = None) -> None:
    from ..tasks import results_job_run_task

    def send_all():
        for job_id in job_ids:
            results_job_run_task.apply_async(kwargs={"job_id": job_id}, expires=expires)

    if job_ids:
        publish_after_commit(send_all, ids=job_ids)


@transaction.atomic
def recompute_job_create(*, survey: Survey, actor=None) -> Job:
    """A manual recompute: a job row, run by a worker after this transaction commits.
    Raises BrokerUnavailable once the job is saved if the broker cannot take its task:
    the job then waits, pending, for `recompute_jobs_requeue`."""
    job = Job.objects.create(survey=survey, kind=JOB_RECOMPUTE, created_by=actor)
    audit_log(action="results.recompute_requested", survey=survey, actor=actor)
    _job_enqueue([job.pk])
    return job


def recompute_jobs_requeue(*, now=None) -> int:
    """The beat's job: publish again the task of every recompute job still pending a minute
    after it was created (the broker was down, or the worker lost it); returns how many.
    It never runs a job twice: the task claims it by a conditional update. The tasks expire
    before the next pass, which publishes again whatever is still pending."""
    now = now or timezone.now()
    ids = list(
        Job.objects.filter(
            kind=JOB_RECOMPUTE, status=Job.Status.PENDING, created_at__lt=now - REQUEUE_AFTER
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _job_enqueue(ids, expires=settings.RESULTS_REFRESH_SECONDS)
    return len(ids)


def _job_progress(job_id: int) -> Callable[[int], None]:
    def report(percent: int) -> None:
        Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(progress=percent)

    return report


def recompute_job_run(*, job: Job) -> Job:
    """Claimed by a conditional update, so a redelivered task never runs a job twice.
    Recounts the survey from its answers (counts_rebuild), so researchers can always repair
    the kept counts by hand, and computes the order effects (which the refreshes skip)."""
    claimed = Job.objects.filter(pk=job.pk, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING, progress=5
    )
    if not claimed:
        return job
    try:
        snapshot = snapshot_refresh(
            survey=job.survey, progress=_job_progress(job.pk), rebuild=True, order_effects=True
        )
    except Exception as error:
        # Not re-raised: the failure is shown on the job page, and a retry would fail again.
        logger.exception("results job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            error=ERROR_JOB_FAILED.format(error=error),
        )
        job.refresh_from_db()
        return job
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        result={"snapshot_id": snapshot.pk, "fingerprint": snapshot.fingerprint},
    )
    job.refresh_from_db()
    return job
