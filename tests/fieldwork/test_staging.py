"""The checked expert list between preview and confirmation (fieldwork/services/staging.py):
small, and gone after a day."""

import io
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from responses.fieldwork.services import experts, staging
from responses.fieldwork.tasks import staged_imports_expire_task
from responses.models import Invitation, Job
from tests.factories import research_url as url
from tests.factories import xlsx_row, xlsx_workbook

pytestmark = pytest.mark.django_db

GOOD = b"name,email,sector,affiliation\nAnn,ann@lab.example,agi_lab,Lab\n"


def upload(client, survey, data=GOOD, name="list.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(url("import", survey), {"file": file})


def staged(researcher, survey, data=GOOD, name="list.csv"):
    parsed = experts.experts_parse(survey=survey, data=data, filename=name)
    return staging.import_stage(survey=survey, parsed=parsed, filename=name, actor=researcher)


def aged(job, hours: int):
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    return Job.objects.get(pk=job.pk)


def test_stage_keeps_the_rows_compressed_for_the_confirmation(survey, researcher):
    job = staged(researcher, survey)
    assert set(job.result) == {
        "filename", "count", "extra_columns", "sample", "problem_count", "problems", "rows"
    }  # fmt: skip
    assert (job.result["count"], job.result["problem_count"]) == (1, 0)
    assert staging._unpack(job.result["rows"])[0]["email"] == "ann@lab.example"


def test_stage_of_a_list_with_problems_keeps_no_rows(survey, researcher):
    job = staged(researcher, survey, data=GOOD + b"Bob,nope,,\n")
    assert job.result["rows"] == ""
    assert job.result["problems"] == [
        {"line": 3, "message": experts.ERROR_EMAIL.format(email="nope")}
    ]


def test_stage_keeps_the_first_problems_and_counts_them_all(researcher_client, researcher, survey):
    lines = "".join(f"Bob,nope{n},,\n" for n in range(1500))
    job = staged(researcher, survey, data=b"name,email,sector,affiliation\n" + lines.encode())
    assert len(job.result["problems"]) == staging.MAX_PROBLEMS
    assert job.result["problem_count"] == 1500
    page = researcher_client.get(url("import_preview", survey, job.pk)).content.decode()
    assert "The file has 1500 problems." in page
    assert "The first 1000 are listed." in page


def test_stage_of_an_xlsx_repeating_one_long_text_stays_small(survey, researcher):
    # Every row's note is the same shared string of 1,000 characters: 2,000 rows of it.
    header = xlsx_row(1, ["name", "email", "sector", "affiliation", "note"])
    rows = "".join(
        xlsx_row(n, [f"E{n}", f"e{n}@x.example", "", ""])[:-6]
        + f'<c r="E{n}" t="s"><v>0</v></c></row>'
        for n in range(2, 2002)
    )
    data = xlsx_workbook(header + rows, strings=["n" * 1000])
    job = staged(researcher, survey, data=data, name="list.xlsx")
    assert job.result["count"] == 2000 and job.result["problem_count"] == 0
    assert len(json.dumps(job.result)) < len(data) + 30_000


def test_preview_says_until_when_the_upload_is_kept(researcher_client, researcher, survey):
    job = staged(researcher, survey)
    expires = timezone.localtime(job.created_at + timedelta(hours=24))
    page = researcher_client.get(url("import_preview", survey, job.pk)).content.decode()
    assert f"kept until {expires:%-d %B %Y, %H:%M} (UTC)" in page


def test_preview_of_an_expired_upload_says_so(researcher_client, researcher, survey):
    job = aged(staged(researcher, survey), 25)
    response = researcher_client.get(url("import_preview", survey, job.pk))
    assert response.status_code == 410
    assert staging.ERROR_EXPIRED in response.content.decode()


def test_confirm_refuses_an_expired_upload_clearly_and_imports_nothing(
    researcher_client, researcher, survey
):
    job = aged(staged(researcher, survey), 25)
    response = researcher_client.post(url("import_confirm", survey, job.pk))
    assert response.status_code == 400
    assert staging.ERROR_EXPIRED in response.content.decode()
    assert Invitation.objects.count() == 0
    assert Job.objects.get(pk=job.pk).status == Job.Status.PENDING


def test_confirm_within_a_day_imports(researcher_client, researcher, survey):
    job = aged(staged(researcher, survey), 23)
    response = researcher_client.post(url("import_confirm", survey, job.pk))
    assert response.status_code == 302
    assert list(Invitation.objects.values_list("expert__email", flat=True)) == ["ann@lab.example"]
    assert Job.objects.get(pk=job.pk).result == {"filename": "list.csv", "imported": 1}


def test_the_next_upload_deletes_expired_staged_lists(researcher_client, researcher, survey):
    old, fresh = staged(researcher, survey), staged(researcher, survey)
    aged(old, 25)
    assert upload(researcher_client, survey).status_code == 302
    assert not Job.objects.filter(pk=old.pk).exists()
    assert Job.objects.filter(pk=fresh.pk).exists()
    assert Job.objects.filter(kind=staging.JOB_KIND).count() == 2


def test_the_beat_task_deletes_expired_staged_lists_only(researcher, survey):
    old, fresh = staged(researcher, survey), staged(researcher, survey)
    aged(old, 25)
    other = Job.objects.create(survey=survey, kind="recompute")
    Job.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert staged_imports_expire_task() == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {fresh.pk, other.pk}
    assert old.pk not in Job.objects.values_list("pk", flat=True)


def test_the_beat_schedule_runs_the_expiry():
    entry = settings.CELERY_BEAT_SCHEDULE["fieldwork-staged-imports-expire"]
    assert (entry["task"], entry["schedule"]) == ("fieldwork.staged_imports_expire", 3600)
