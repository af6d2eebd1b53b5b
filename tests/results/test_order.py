"""Order effects from the order each response was shown."""

import pytest

from responses.models import Response
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
    order = snapshots.snapshot_create(survey=survey).tables["order"]
    first, second = order["positions"][0], order["positions"][1]
    # Position 1: statement 1 answered 2, then statement 2 left blank.
    assert (first["position"], first["shown"], first["mean"]) == (1, 2, 2.0)
    assert first["blank_pct"] == 50.0
    assert (second["shown"], second["mean"], second["dont_know_pct"]) == (2, -2.0, 50.0)


def test_order_effects_flag_a_statement_that_depends_on_position(survey):
    for i in range(12):
        respond(survey, answers={1: 2 if i < 6 else -2})
        _reorder(survey, [1] if i < 6 else [*range(2, 21), 1])
    order = snapshots.snapshot_create(survey=survey).tables["order"]
    row = next(row for row in order["statements"] if row["statement"] == 1)
    assert row["rho"] == pytest.approx(-1.0)
    assert order["flagged"] == [1]
