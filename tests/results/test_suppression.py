"""Complementary suppression holds: a reader who subtracts published group figures from each
other, and from the overall ones, recovers no group under the minimum size."""

import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from responses.results import analysis, suppression

ASSIGNED = ["", "agi_lab", "academia", "civil_society", "other"]
STATED = ["", "agi_lab", "academia", "civil_society", "other", "prefer_not_to_say"]
GENDER = ["", "man", "woman", "another", "prefer_not_to_say"]
KEYS = {name: [key for key, _ in spec["groups"]] for name, spec in analysis.GROUPINGS.items()}


def atoms_frame(cells: dict[tuple, int]) -> pd.DataFrame:
    rows = [(a, s, g, n) for (a, s, g), n in cells.items()]
    frame = pd.DataFrame(rows, columns=["assigned", "stated", "gender", "n"])
    return analysis.with_group_columns(frame)


def published_cells(frame: pd.DataFrame, min_size: int, withheld: dict) -> np.ndarray:
    """Overall and every shown group, as 0/1 vectors over the frame's rows."""
    vectors = [np.ones(len(frame))]
    for name, keys in KEYS.items():
        for key in keys:
            member = (frame[name] == key).to_numpy(dtype=float)
            size = member @ frame["n"].to_numpy()
            if size >= min_size and key not in withheld[name]:
                vectors.append(member)
    return np.array(vectors)


def subtraction_leaks(published: np.ndarray, n: np.ndarray, min_size: int) -> list:
    """Every sum and difference of up to four published cells that is a set of people (0/1
    per row) with more than none and fewer than `min_size` of them, other than everyone (the
    overall figures, which are the survey's result)."""
    coefficients = []
    for size in range(1, min(4, len(published)) + 1):
        for chosen in itertools.combinations(range(len(published)), size):
            for signs in itertools.product((1, -1), repeat=size):
                row = np.zeros(len(published))
                row[list(chosen)] = signs
                coefficients.append(row)
    vectors = np.array(coefficients) @ published
    people = np.isin(vectors, (0, 1)).all(axis=1) & ~(vectors == 1).all(axis=1)
    totals = vectors @ n
    return [c.tolist() for c in np.array(coefficients)[people & (totals > 0) & (totals < min_size)]]


def rank_leaks(published: np.ndarray, n: np.ndarray, min_size: int) -> list:
    """Every set of rows under the minimum (not all rows) whose indicator is a linear
    combination of the published cells, by matrix rank."""
    small = [i for i in range(len(n)) if n[i] < min_size]
    rank = np.linalg.matrix_rank(published)
    leaks = []
    for size in range(1, min_size):
        for chosen in itertools.combinations(small, size):
            if n[list(chosen)].sum() >= min_size or len(chosen) == len(n):
                continue
            vector = np.zeros(len(n))
            vector[list(chosen)] = 1
            if np.linalg.matrix_rank(np.vstack([published, vector])) == rank:
                leaks.append(chosen)
    return leaks


cells_strategy = st.dictionaries(
    st.tuples(st.sampled_from(ASSIGNED), st.sampled_from(STATED), st.sampled_from(GENDER)),
    st.integers(1, 12),
    min_size=1,
    max_size=14,
)


@settings(max_examples=200, deadline=None)
@given(cells=cells_strategy, min_size=st.integers(2, 6))
def test_suppression_no_subtraction_recovers_a_small_group(cells, min_size):
    frame = atoms_frame(cells)
    withheld = suppression.withheld_groups(frame, KEYS, min_size)
    published = published_cells(frame, min_size, withheld)
    n = frame["n"].to_numpy(dtype=float)
    assert subtraction_leaks(published, n, min_size) == []
    assert rank_leaks(published, n, min_size) == []


def _paper_like():
    # 9 AGI lab, 8 academia, 2 civil society (stated nonprofit), 6 other; gender mixed.
    return atoms_frame(
        {
            ("agi_lab", "agi_lab", "man"): 6,
            ("agi_lab", "agi_lab", "woman"): 3,
            ("academia", "academia", "man"): 5,
            ("academia", "academia", "woman"): 3,
            ("civil_society", "civil_society", "woman"): 2,
            ("other", "other", "man"): 6,
        }
    )


def test_suppression_primary_alone_leaks_by_subtraction():
    # The checker has teeth: withholding only the small groups gives civil society away.
    frame = _paper_like()
    primary = {name: {} for name in KEYS}
    primary["assigned_sector"]["civil_society"] = suppression.PRIMARY
    primary["stated_sector"]["civil_society"] = suppression.PRIMARY
    published = published_cells(frame, 5, primary)
    n = frame["n"].to_numpy(dtype=float)
    assert subtraction_leaks(published, n, 5) != []


def test_suppression_withholds_a_complement_of_each_small_group():
    withheld = suppression.withheld_groups(_paper_like(), KEYS, 5)
    assert withheld["assigned_sector"]["civil_society"] == suppression.PRIMARY
    assert suppression.COMPLEMENTARY in withheld["assigned_sector"].values()
    # "Everyone else" minus academia and other would also give civil society back.
    assert withheld["stated_sector"] == withheld["assigned_sector"]


def test_suppression_keeps_every_group_when_none_is_small():
    frame = atoms_frame({("agi_lab", "agi_lab", "man"): 7, ("academia", "academia", "woman"): 8})
    withheld = suppression.withheld_groups(frame, KEYS, 5)
    assert withheld == {name: {} for name in KEYS}


def test_suppression_of_an_empty_survey_withholds_nothing():
    frame = atoms_frame({})
    assert suppression.withheld_groups(frame, KEYS, 5) == {name: {} for name in KEYS}


def test_suppression_in_span_finds_a_difference():
    published = np.array([[1, 1, 1], [1, 1, 0]], dtype=float)
    assert suppression.in_span(published, np.array([0, 0, 1.0]))
    assert not suppression.in_span(published, np.array([0, 1, 0.0]))


def test_suppression_refuses_a_grouping_that_would_subtract_to_a_small_group():
    # Late = AGI lab (6, shown) + two others: late minus AGI lab gives those two away.
    rows = [("agi_lab", True, 6), ("academia", False, 6), ("other", True, 2)]
    frame = pd.DataFrame(
        [(sector, sector, "", late, n) for sector, late, n in rows],
        columns=["assigned", "stated", "gender", "late", "n"],
    )
    frame = analysis.with_group_columns(frame)
    withheld = suppression.withheld_groups(frame, KEYS, 5)
    shown = {
        name: [k for k in keys if k not in withheld[name] and (frame[name] == k).any()]
        for name, keys in KEYS.items()
    }
    assert "agi_lab" in shown["assigned_sector"]
    assert not suppression.grouping_addable(frame, shown, "late", [False, True], 5)
    frame.loc[frame["assigned"] == "other", "late"] = False
    assert suppression.grouping_addable(frame, shown, "late", [False, True], 5)
