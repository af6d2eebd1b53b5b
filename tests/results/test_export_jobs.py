"""Downloads built whole (XLSX, SAV, DTA...) of a panel above EXPORT_JOB_ABOVE become jobs:
the file is written privately, offered on the job's page, served to the survey's researchers
only, and removed after a day. Smaller ones, and the streamed CSVs, download at once."""

import os
import resource
import signal
import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from responses.models import Job
from responses.results.exports import registry
from responses.results.services import export_jobs
from responses.results.views import exports as views
from tests.factories import respond

pytestmark = pytest.mark.django_db

Status = Job.Status


@pytest.fixture
def large(settings, survey, tmp_path):
    """A survey above the threshold (lowered to one response), exporting into tmp_path."""
    settings.EXPORT_JOB_ABOVE = 1
    settings.EXPORTS_DIR = tmp_path / "exports"
    respond(survey, answers={1: 2, 2: 1}, sector="academia")
    respond(survey, answers={1: -1, 2: 0}, sector="agi_lab")
    return survey


def export_url(survey, key="xlsx"):
    return reverse("research:results_export", args=[survey.slug, key])


def job_url(job, name="results_export_job"):
    return reverse(f"research:{name}", args=[job.survey.slug, job.pk])


def requested(client, survey, capture, key="xlsx") -> Job:
    with capture(execute=True):
        response = client.post(export_url(survey, key))
    job = Job.objects.get(kind=export_jobs.JOB_EXPORT)
    assert response.url == job_url(job)
    return job


def test_large_export_offers_a_job_and_writes_nothing_on_get(researcher_client, large):
    response = researcher_client.get(export_url(large))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"Prepare the file" in response.content
    assert not Job.objects.exists()


def test_export_job_writes_the_file_and_serves_it_to_the_researcher(
    researcher_client, large, django_capture_on_commit_callbacks
):
    job = requested(researcher_client, large, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    expected = registry.export_bytes(key="xlsx", survey=large)
    assert (job.status, job.progress, job.error) == (Status.DONE, 100, "")
    page = researcher_client.get(job_url(job))
    assert f'href="{job_url(job, "results_export_file")}"'.encode() in page.content
    download = researcher_client.get(job_url(job, "results_export_file"))
    body = b"".join(download.streaming_content)
    download.close()
    assert download["Content-Disposition"] == 'attachment; filename="agi-responses-wide.xlsx"'
    assert download["Cache-Control"] == "no-store, private"
    assert download["Content-Type"] == registry.XLSX
    assert len(body) == job.result["size"] and _cells(body) == _cells(expected)


def test_export_job_is_listed_on_the_results_page(
    researcher_client, large, django_capture_on_commit_callbacks
):
    job = requested(researcher_client, large, django_capture_on_commit_callbacks, key="sav")
    page = researcher_client.get(reverse("research:results", args=[large.slug]))
    assert f'href="{job_url(job)}"'.encode() in page.content
    assert b"agi-responses.sav" in page.content


def test_export_job_refuses_another_researcher(
    researcher_client, large, other_researcher, client, django_capture_on_commit_callbacks
):
    job = requested(researcher_client, large, django_capture_on_commit_callbacks)
    client.force_login(other_researcher)
    assert client.get(job_url(job)).status_code == 404
    assert client.get(job_url(job, "results_export_file")).status_code == 404
    assert client.post(job_url(job, "results_export_retry")).status_code == 404


def test_export_job_refuses_a_recompute_job_id(researcher_client, large):
    recompute = Job.objects.create(survey=large, kind="results.recompute")
    assert researcher_client.get(job_url(recompute)).status_code == 404
    assert researcher_client.get(job_url(recompute, "results_export_file")).status_code == 404


def _without_space(limit: int):
    """Files above `limit` bytes fail to write (EFBIG), as on a full disk."""
    previous = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, previous[1]))
    return lambda: (
        resource.setrlimit(resource.RLIMIT_FSIZE, previous),
        signal.signal(signal.SIGXFSZ, handler),
    )


def test_failed_export_job_shows_its_message_leaves_no_file_and_retries(
    researcher_client, large, settings, django_capture_on_commit_callbacks
):
    # The codebook is built in memory (XLSX and SAV writers use temporary files of their
    # own): only our own write of the file meets the limit.
    job = export_jobs.export_job_create(survey=large, key="codebook")
    assert len(registry.export_bytes(key="codebook", survey=large)) > 4000
    restore = _without_space(4000)
    try:
        export_jobs.export_job_run(job=job)
    finally:
        restore()
    assert job.status == Status.FAILED
    assert job.error == export_jobs.ERROR_EXPORT_FAILED.format(error=OSError(27, "File too large"))
    assert list(settings.EXPORTS_DIR.iterdir()) == []  # nothing half-written
    page = researcher_client.get(job_url(job))
    assert job.error.encode() in page.content and b"Try again" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = researcher_client.post(job_url(job, "results_export_retry"))
    job.refresh_from_db()
    assert response.url == job_url(job)
    assert (job.status, job.error) == (Status.DONE, "")
    assert [path.name for path in settings.EXPORTS_DIR.iterdir()] == [job.result["file"]]


def test_export_job_retry_refuses_a_job_that_did_not_fail(
    researcher_client, large, django_capture_on_commit_callbacks
):
    job = requested(researcher_client, large, django_capture_on_commit_callbacks)
    response = researcher_client.post(job_url(job, "results_export_retry"))
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [export_jobs.ERROR_NOT_RETRYABLE]
    assert Job.objects.get().status == Status.DONE


def test_export_job_fails_with_the_refusal_when_the_file_cannot_be_made(large, monkeypatch):
    monkeypatch.setattr(registry, "XLSX_MAX_ROWS", 3)  # a worksheet as small as the panel
    job = export_jobs.export_job_run(
        job=export_jobs.export_job_create(survey=large, key="long-xlsx")
    )
    rows = registry.respondents.long_row_count(large)
    assert job.error == registry.ERROR_XLSX_ROWS.format(rows=rows, limit=2)


def _cells(body: bytes) -> list:
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(body), read_only=True)
    return [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]


def test_small_export_downloads_at_once(researcher_client, survey, settings):
    respond(survey, answers={1: 2, 2: 1})
    response = researcher_client.get(export_url(survey))
    assert response["Content-Type"] == registry.XLSX
    assert response["Content-Disposition"] == 'attachment; filename="agi-responses-wide.xlsx"'
    # Compared by the cells: the file's own metadata carries the time it was made.
    assert _cells(response.content) == _cells(registry.export_bytes(key="xlsx", survey=survey))
    assert not Job.objects.exists()


def test_streamed_csv_never_becomes_a_job(researcher_client, large):
    response = researcher_client.get(export_url(large, "csv"))
    assert response.streaming and response["Content-Type"] == registry.CSV
    assert not Job.objects.exists()


def test_export_job_with_the_broker_down_says_so_and_waits(dead_broker, researcher_client, large):
    response = researcher_client.post(export_url(large))
    job = Job.objects.get()
    assert response.url == job_url(job)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [views.MESSAGE_EXPORT_LATER]
    assert (job.status, job.result) == (Status.PENDING, {"key": "xlsx", "include_test": False})


def test_export_files_older_than_a_day_are_removed_and_the_page_says_so(
    researcher_client, large, settings, django_capture_on_commit_callbacks
):
    job = requested(researcher_client, large, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    path = settings.EXPORTS_DIR / job.result["file"]
    day_ago = time.time() - settings.EXPORT_KEEP_HOURS * 3600 - 60
    os.utime(path, (day_ago, day_ago))
    assert export_jobs.export_files_expire() == 1
    assert not path.exists()
    response = researcher_client.get(job_url(job, "results_export_file"))
    assert response.url == job_url(job)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [views.MESSAGE_FILE_EXPIRED]
    page = researcher_client.get(job_url(job)).content
    assert (
        f'no longer kept (files are removed after a day): <a href="{export_url(large)}">'.encode()
        in page
    )


def test_export_files_of_today_are_kept(
    researcher_client, large, django_capture_on_commit_callbacks
):
    requested(researcher_client, large, django_capture_on_commit_callbacks)
    assert export_jobs.export_files_expire() == 0


def test_export_files_dir_is_neither_static_nor_media(settings):
    exports = os.path.realpath(settings.EXPORTS_DIR)
    for public in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        assert not exports.startswith(os.path.realpath(public))


def test_export_requeue_runs_a_job_whose_task_was_lost_once(
    large, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):
        job = export_jobs.export_job_create(survey=large, key="dta")
    later = timezone.now() + timezone.timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs.export_jobs_requeue(now=later) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs.export_jobs_requeue(now=later) == 0
    job.refresh_from_db()
    assert (job.status, job.result["filename"]) == (Status.DONE, "agi-responses.dta")


def test_large_replication_bundle_is_a_job_and_holds_the_data(
    researcher_client, large, django_capture_on_commit_callbacks
):
    import io
    import zipfile

    url = reverse("research:results_bundle", args=[large.slug])
    assert b"Prepare the file" in researcher_client.get(url).content
    with django_capture_on_commit_callbacks(execute=True):
        response = researcher_client.post(url)
    job = Job.objects.get()
    assert response.url == job_url(job)
    download = researcher_client.get(job_url(job, "results_export_file"))
    body = b"".join(download.streaming_content)
    download.close()
    assert download["Content-Disposition"] == 'attachment; filename="agi-replication.zip"'
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "agi/data/responses-wide.csv" in names and "agi/MANIFEST.txt" in names
