"""Fuzzing the expert import: FUZZ_EXAMPLES generated files (tests/strategies.py: CSV and XLSX,
well formed or damaged, with every kind of bad cell), each uploaded, its preview shown and
its import confirmed, or else a staged upload that is expired, used or not the researcher's.

No step may give a 500. The preview changes nothing; a refused upload or confirmation (a
status of 400 or more) changes nothing either, and says why on the page. Each example runs
in a savepoint rolled back after it."""

import re
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from responses.fieldwork.services import experts, staging
from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import survey_create
from responses.models import AuditEvent, Expert, Invitation, Job
from tests import strategies
from tests.factories import research_url as url

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

HEADER = [*experts.REQUIRED_COLUMNS, "country"]
CELLS = st.one_of(
    strategies.value_of(
        "Ann Lab", "Carl Uni", "ann@lab.example", "carl@uni.example", "alice@example.org"
    ),
    strategies.value_of("agi_lab", "academia", "Civil Society", "other", "", "UK"),
    st.integers(0, 99).map(lambda n: f"expert{n}@x.example"),
    strategies.nasty_text,
)


def _staged_job(survey, researcher, hours_ago: int, status=Job.Status.PENDING) -> int:
    parsed = experts.experts_parse(
        survey=survey,
        data=b"name,email,sector,affiliation\nOld,old@x.example,,\n",
        filename="a.csv",
    )
    job = staging.import_stage(survey=survey, parsed=parsed, filename="a.csv", actor=researcher)
    created = timezone.now() - timedelta(hours=hours_ago)
    Job.objects.filter(pk=job.pk).update(created_at=created, status=status)
    return job.pk


@pytest.fixture
def other_jobs(survey, researcher, other_researcher) -> list[int]:
    """Staged uploads the confirmation must refuse: expired, already imported, another
    researcher's on another survey, and an id that is none."""
    invitation_create(survey=survey, email="alice@example.org", name="Alice")
    theirs = survey_create(slug="theirs", title="Theirs", owner=other_researcher)
    invitation_create(survey=theirs, email="carl@uni.example", name="Carl")
    used = _staged_job(survey, researcher, 1, status=Job.Status.DONE)
    others = _staged_job(theirs, other_researcher, 1)
    expired = _staged_job(survey, researcher, 25)  # last: the next staging deletes it
    return [expired, used, others, 10**9]


def snapshot():
    """Every row an import can write."""
    expert, invitation = Expert._meta.db_table, Invitation._meta.db_table
    return strategies.rows_of(
        [
            (f"SELECT id, email, name, sector, affiliation, attributes FROM {expert}", []),
            (f"SELECT id, survey_id, expert_id FROM {invitation} ORDER BY id", []),
            (f"SELECT id, status, result FROM {Job._meta.db_table} ORDER BY id", []),
            (f"SELECT COUNT(*) FROM {AuditEvent._meta.db_table}", []),
        ]
    )


def _refused_clearly(response) -> bool:
    """A refusal shows its message, or the form's error on the file; another researcher's
    upload is not found."""
    page = response.content
    if response.status_code in (302, 404):
        return True
    return b'role="alert"' in page or b'class="errorlist"' in page


@pytest.mark.parametrize("shard", range(strategies.SHARDS))
def test_expert_import_fuzz_never_fails_and_refusals_change_nothing(
    researcher_client, survey, other_jobs, shard, record_property
):
    sent = {"upload": 0, "preview": 0, "confirm": 0}

    @settings(strategies.FUZZ, max_examples=strategies.FUZZ_EXAMPLES // strategies.SHARDS)
    @seed(zlib.crc32(b"expert import") + shard)
    @given(upload=strategies.uploads_of(HEADER, CELLS), other=st.sampled_from(other_jobs))
    def run(upload, other):
        filename, data = upload
        with transaction.atomic():
            before = snapshot()
            file = SimpleUploadedFile(filename, data)
            response = researcher_client.post(url("import", survey), {"file": file})
            sent["upload"] += 1
            assert response.status_code in (302, 400)
            assert _refused_clearly(response)
            staged = re.fullmatch(r".*/import/(\d+)/", response.get("Location", ""))
            if staged is None:
                assert snapshot() == before
            job_id = int(staged.group(1)) if staged else other
            before = snapshot()
            preview = researcher_client.get(url("import_preview", survey, job_id))
            sent["preview"] += 1
            assert preview.status_code in (200, 302, 404, 410)
            assert snapshot() == before
            confirm = researcher_client.post(url("import_confirm", survey, job_id))
            sent["confirm"] += 1
            assert confirm.status_code in (302, 400, 404)
            if confirm.status_code >= 400:
                assert snapshot() == before
            assert _refused_clearly(confirm)
            transaction.set_rollback(True)

    with strategies.quiet():
        run()
    counts = {f"expert import: {step}": count for step, count in sent.items()}
    record_property(f"fuzz {connection.vendor}", counts)
    assert min(sent.values()) >= strategies.FUZZ_EXAMPLES // strategies.SHARDS
