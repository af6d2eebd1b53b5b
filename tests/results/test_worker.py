"""The recompute job through a real Celery worker on Redis and PostgreSQL."""

import time

import pytest
from django.urls import reverse

from responses.models import Job, ResultsSnapshot
from tests.factories import STATEMENT_49, respond

pytestmark = pytest.mark.worker


def test_recompute_job_runs_on_the_real_worker(celery_worker, client, researcher, survey):
    for value in STATEMENT_49:
        respond(survey, answers={49: value})
    client.force_login(researcher)
    response = client.post(reverse("research:results_recompute", args=[survey.slug]))
    job = Job.objects.get()
    assert response.status_code == 302
    for _ in range(300):
        job.refresh_from_db()
        if job.status in ("done", "failed"):
            break
        time.sleep(0.1)
    assert (job.status, job.progress, job.error) == ("done", 100, "")
    snapshot = ResultsSnapshot.objects.get(pk=job.result["snapshot_id"])
    row = snapshot.tables["statements"][48]
    assert (row["statement"], row["n"], round(row["mean"], 2), row["median"]) == (49, 37, 0.64, 1)
    page = client.get(reverse("research:results_job", args=[survey.slug, job.pk]))
    assert b"Done" in page.content
