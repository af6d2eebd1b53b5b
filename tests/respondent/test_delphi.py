"""The one rule for when a revised answer in a Delphi round needs a reason."""

import pytest

from responses.choices import DONT_KNOW
from responses.respondent.delphi import reason_required


@pytest.mark.parametrize(
    ("previous", "new", "expected"),
    [
        (1, 1, False),  # kept
        (1, 2, False),  # one point, same side
        (0, 2, True),  # two points
        (-1, 1, True),  # crosses and two points
        (-2, 2, True),
        (1, 0, False),  # to neutral is no crossing
        (0, -1, False),
    ],
)
def test_reason_required_by_distance_and_crossing(previous, new, expected):
    assert reason_required(previous=previous, new=new, points=2, on_crossing=True) is expected


def test_reason_required_crossing_by_one_point_only_with_crossing_on():
    # -1 to 1 is two points; with points 3 only the crossing asks.
    assert reason_required(previous=-1, new=1, points=3, on_crossing=True)
    assert not reason_required(previous=-1, new=1, points=3, on_crossing=False)


def test_reason_required_never_by_distance_when_points_zero():
    assert not reason_required(previous=0, new=2, points=0, on_crossing=True)
    assert not reason_required(previous=-2, new=2, points=0, on_crossing=False)
    assert reason_required(previous=-2, new=2, points=0, on_crossing=True)


@pytest.mark.parametrize(
    ("previous", "new"), [(DONT_KNOW, 2), (-2, DONT_KNOW), (None, 2), (2, None)]
)
def test_reason_required_never_for_dont_know_or_no_answer(previous, new):
    assert not reason_required(previous=previous, new=new, points=1, on_crossing=True)
