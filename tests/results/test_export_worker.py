"""An export job through a real Celery worker on Redis and PostgreSQL: the worker writes the
file (EXPORTS_DIR, shared with the web process), the web process serves it."""

import time

import pytest
from django.urls import reverse

from responses.models import Job
from responses.results.exports import registry
from tests.factories import respond

pytestmark = pytest.mark.worker


def test_export_job_runs_on_the_real_worker(celery_worker, client, researcher, survey, settings):
    settings.EXPORT_JOB_ABOVE = 1
    for value in (2, -1, 0):
        respond(survey, answers={1: value, 2: 1})
    client.force_login(researcher)
    client.post(reverse("research:results_export", args=[survey.slug, "dta"]))
    job = Job.objects.get()
    for _ in range(300):
        job.refresh_from_db()
        if job.status in ("done", "failed"):
            break
        time.sleep(0.1)
    assert (job.status, job.progress, job.error) == ("done", 100, "")
    download = client.get(reverse("research:results_export_file", args=[survey.slug, job.pk]))
    body = b"".join(download.streaming_content)
    download.close()
    assert len(body) == job.result["size"] == len(registry.export_bytes(key="dta", survey=survey))
