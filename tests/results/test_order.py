"""Order effects from the order each response was shown."""

import pytest
from django.urls import reverse

from responses.models import Response, ResultsSnapshot
from responses.results.services import snapshots
from tests.factories import respond

pytestmark = pytest.mark.django_db


def _reorder(survey, numbers_first):
    """Show the given statements first in the last response, in that order."""
    response = Response.objects.order_by("-pk").first()
    ids = dict(survey.statements.values_list("number", "pk"))
    first = [ids[number] for number in numbers_first]
    response.statement_order = first + [pk for pk in response.statement_order if pk not in first]
    response.save()


def test_order_effects_by_position_count_dont_know_and_blank(survey):
    respond(survey, answers={1: 2, 2: -88})
    _reorder(survey, [1, 2])
    respond(survey, answers={1: -2})
    _reorder(survey, [2, 1])
    order = snapshots.snapshot_create(survey=survey, order_effects=True).tables["order"]
    first, second = order["positions"][0], order["positions"][1]
    # Position 1: statement 1 answered 2, then statement 2 left blank.
    assert (first["position"], first["shown"], first["mean"]) == (1, 2, 2.0)
    assert first["blank_pct"] == 50.0
    assert (second["shown"], second["mean"], second["dont_know_pct"]) == (2, -2.0, 50.0)


def test_order_effects_flag_a_statement_that_depends_on_position(survey):
    for i in range(12):
        respond(survey, answers={1: 2 if i < 6 else -2})
        _reorder(survey, [1] if i < 6 else [*range(2, 21), 1])
    order = snapshots.snapshot_create(survey=survey, order_effects=True).tables["order"]
    row = next(row for row in order["statements"] if row["statement"] == 1)
    assert row["rho"] == pytest.approx(-1.0)
    assert order["flagged"] == [1]


def test_order_effects_are_skipped_by_the_default_snapshot(survey):
    respond(survey, answers={1: 2})
    assert snapshots.snapshot_create(survey=survey).tables["order"] is None


def test_order_effects_carry_over_with_the_time_they_were_computed(survey):
    respond(survey, answers={1: 2})
    computed = snapshots.snapshot_create(survey=survey, order_effects=True).tables
    respond(survey, answers={1: -2})
    later = snapshots.snapshot_create(survey=survey).tables
    assert later["order"] == computed["order"]
    assert later["order_computed_at"] == computed["order_computed_at"]
    assert later["respondents"] == 2


def test_order_effects_are_computed_by_the_recompute_job(
    survey, researcher, django_capture_on_commit_callbacks
):
    respond(survey, answers={1: 2})
    with django_capture_on_commit_callbacks(execute=True):
        job = snapshots.recompute_job_create(survey=survey, actor=researcher)
    job.refresh_from_db()
    tables = ResultsSnapshot.objects.get(pk=job.result["snapshot_id"]).tables
    assert tables["order"]["positions"][0]["shown"] == 1
    assert tables["order_computed_at"]


def test_results_page_says_when_order_effects_were_computed(
    client, researcher, survey, django_capture_on_commit_callbacks
):
    respond(survey, answers={1: 2})
    client.force_login(researcher)
    url = reverse("research:results", args=[survey.slug])
    assert "press Recompute to compute them" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        snapshots.recompute_job_create(survey=survey, actor=researcher)
    respond(survey, answers={1: 1})
    html = client.get(url).content.decode()
    assert "by the last Recompute: later submissions are not in this table" in html


def test_order_effects_equal_those_of_pandas_pivot_tables():
    # The numpy sums replaced a pandas pivot_table per statement: the same tables, the same
    # figures, on counts with every statement at many positions and missing cells.
    import numpy as np
    import pandas as pd

    from responses.results.analysis.order import SCALE, order_effects, spearman_from_counts

    rng = np.random.default_rng(11)
    size = 600
    counts = pd.DataFrame(
        {
            "statement_id": rng.integers(1, 6, size),
            "position": rng.integers(1, 8, size),
            "value": rng.choice([*SCALE, -88, -99], size),
            "n": rng.integers(0, 30, size),
        }
    ).drop_duplicates(["statement_id", "position", "value"])
    statements = [{"id": pk, "number": pk, "title": f"S{pk}"} for pk in range(1, 7)]
    result = order_effects(counts, statements)
    scale = counts[counts["value"].isin(SCALE)]
    for row, statement in zip(result["statements"], statements, strict=True):
        own = scale[scale["statement_id"] == statement["id"]]
        pivot = own.pivot_table(index="position", columns="value", values="n", aggfunc="sum")
        pivot = pivot.reindex(columns=SCALE, fill_value=0).fillna(0).to_numpy()
        expected = spearman_from_counts(pivot) if len(pivot) > 1 else (None, None)
        assert (row["rho"], row["p"]) == expected
    assert result["statements"][-1]["rho"] is None  # statement 6 was never shown
    for row in result["positions"]:
        mine = counts[counts["position"] == row["position"]]
        by_value = mine.groupby("value")["n"].sum()
        on_scale = by_value.reindex(SCALE, fill_value=0)
        assert row["shown"] == by_value.sum()
        assert row["mean"] == (on_scale * np.array(SCALE)).sum() / on_scale.sum()
        assert row["dont_know_pct"] == 100 * by_value.get(-88, 0) / by_value.sum()
        assert row["blank_pct"] == 100 * by_value.get(-99, 0) / by_value.sum()
