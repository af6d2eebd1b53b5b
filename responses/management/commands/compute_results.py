import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from responses.broker import BrokerUnavailable
from responses.management import survey_from_option
from responses.models import Job, ResultsSnapshot
from responses.results.exports import group_rows, rows, writers
from responses.results.groupings import GROUPINGS  # not analysis: pandas and scipy load later
from responses.results.services.snapshots import recompute_job_create, snapshot_refresh

ERROR_BY = "No grouping {by}: choose one of {names}."
ERROR_OUTPUT = "Cannot write {path}: {error}"
ERROR_TIMEOUT = "The worker did not finish job {job} within {seconds} s (is a worker running?)."
WARNING_QUEUED_LATER = (
    "The task queue is unreachable: job {job} is saved and starts when the worker is back "
    "(the beat queues it again every minute). Waiting for it."
)


class Command(BaseCommand):
    # An offline job: the system checks import the URLconf and every view (about 0.4 s of
    # start-up); `check`, `runserver` and the deploy run them, not each export.
    requires_system_checks = []
    help = (
        "Compute a results snapshot from the kept counts (as the automatic refresh does; "
        "they are recounted first if they no longer match the responses) and write one CSV "
        "row per statement, or with --by one row per statement and group of that grouping. "
        "--recount runs the Recompute button's job instead (eager without REDIS_URL, through "
        "the worker with it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--survey", required=True, help="Survey slug.")
        parser.add_argument("--output", required=True, help="CSV file to write.")
        parser.add_argument(
            "--by",
            choices=list(GROUPINGS),
            help="A grouping: one row per statement and group (the paper's Tables 4-6).",
        )
        parser.add_argument(
            "--recount",
            action="store_true",
            help="Recount every answer first and compute the order effects (the Recompute "
            "button; about twice the time).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=600,
            help="With --recount: seconds to wait for the worker.",
        )

    def handle(self, *args, survey, output, timeout, by=None, recount=False, **options):
        if by is not None and by not in GROUPINGS:
            raise CommandError(ERROR_BY.format(by=by, names=", ".join(GROUPINGS)))
        found = survey_from_option(survey)
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(ERROR_OUTPUT.format(path=path, error="no such directory"))
        snapshot = self._recompute(found, timeout) if recount else snapshot_refresh(survey=found)
        try:
            with path.open("w", newline="", encoding="utf-8") as stream:
                if by:
                    writers.write_csv(group_rows.group_rows(snapshot.tables, by), stream)
                else:
                    writers.write_csv(rows.statement_rows(snapshot.tables), stream)
        except OSError as error:
            raise CommandError(ERROR_OUTPUT.format(path=path, error=error)) from None
        self.stdout.write(
            f"{snapshot.respondents} respondents, fingerprint {snapshot.fingerprint}; "
            f"wrote {len(snapshot.tables['statements'])} statements to {path}."
        )

    def _recompute(self, survey, timeout: int) -> ResultsSnapshot:
        try:
            job = recompute_job_create(survey=survey)
        except BrokerUnavailable as error:
            job = Job.objects.get(pk=error.ids[0])
            self.stderr.write(WARNING_QUEUED_LATER.format(job=job.pk))
        job = self._wait(job, timeout)
        if job.status == Job.Status.FAILED:
            raise CommandError(job.error)
        return ResultsSnapshot.objects.get(pk=job.result["snapshot_id"])

    def _wait(self, job: Job, timeout: int) -> Job:
        deadline = time.monotonic() + timeout
        while True:
            job.refresh_from_db()
            if job.status in (Job.Status.DONE, Job.Status.FAILED):
                return job
            if time.monotonic() > deadline:
                raise CommandError(ERROR_TIMEOUT.format(job=job.pk, seconds=timeout))
            time.sleep(0.2)
