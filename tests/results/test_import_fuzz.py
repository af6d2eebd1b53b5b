"""Fuzzing the import of responses (results/services/imports.py, which `import_responses`
calls): FUZZ_EXAMPLES generated wide files, CSV and XLSX, well formed or damaged. Each is
imported or refused with ImportRefused, never another error; a refused one changes nothing.
Each example runs in a savepoint rolled back after it."""

import zlib

import pytest
from django.db import connection, transaction
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from responses.models import Answer, AnswerCount, Expert, GroupSize, Invitation, Response, Survey
from responses.results.exports.respondents import WIDE_FIXED, WIDE_TAIL
from responses.results.services.imports import responses_import
from responses.uploads import ImportRefused
from tests import strategies

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

HEADER = WIDE_FIXED + [f"S{number}" for number in range(1, 51)] + WIDE_TAIL
CELLS = st.one_of(
    strategies.value_of("-2", "-1", "0", "1", "2", "-88", "DK", "", "2.0"),
    strategies.value_of(
        "R1", "R2", "agi_lab", "academia", "civil_society", "man", "woman", "3 1 2"
    ),
    strategies.nasty_text,
)


def snapshot(survey):
    """Every row an import of responses can write."""
    counted = [Expert, Invitation, Response, Answer]
    return strategies.rows_of(
        [(f"SELECT COUNT(*) FROM {model._meta.db_table}", []) for model in counted]
        + [
            (f"SELECT id, n FROM {model._meta.db_table} ORDER BY id", [])
            for model in (AnswerCount, GroupSize)
        ]
        + [(f"SELECT results_stale_since FROM {Survey._meta.db_table} WHERE id = %s", [survey.pk])]
    )


@pytest.mark.parametrize("shard", range(strategies.SHARDS // 2))
def test_response_import_fuzz_never_fails_and_refusals_change_nothing(
    survey, shard, record_property
):
    sent = 0

    @settings(strategies.FUZZ, max_examples=strategies.FUZZ_EXAMPLES // (strategies.SHARDS // 2))
    @seed(zlib.crc32(b"response import") + shard)
    @given(upload=strategies.uploads_of(HEADER, CELLS))
    def run(upload):
        nonlocal sent
        filename, data = upload
        with transaction.atomic():
            before = snapshot(survey)
            sent += 1
            try:
                responses_import(survey=survey, data=data, filename=filename)
            except ImportRefused as refused:
                assert str(refused)
                assert snapshot(survey) == before
            transaction.set_rollback(True)

    with strategies.quiet():
        run()
    record_property(f"fuzz {connection.vendor}", {"response import": sent})
    assert sent >= strategies.FUZZ_EXAMPLES // (strategies.SHARDS // 2)
