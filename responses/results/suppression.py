"""Complementary suppression: which groups the results may show so that no reader recovers a
group smaller than the survey's minimum size by subtracting published figures from each
other. Pure: a table of respondent counts in, the withheld group keys out.

Every published figure of a group (its size, its counts per statement and answer, hence its
percentages and means, rounded or not) is a sum over the respondents of that group. A reader
holding the overall figures and the shown groups of every grouping can form any linear
combination of them: overall minus the shown groups, "everyone else" minus its parts, one
grouping against another. What such a combination can isolate is a union of *classes*:
respondents who belong to exactly the same published sets. A set of classes T is recovered
exactly when its indicator lies in the row space of the published sets' indicators.

So: withhold every group under the minimum size (primary suppression); then, while some
union of classes with fewer than `min_size` respondents (but more than none) lies in that
row space, withhold one more group (complementary suppression): the smallest whose removal
breaks that recovery. The overall figures are the survey's result and are never withheld.

Finding a recoverable small union: only classes under the minimum can be in one. The vectors
of the row space supported on those classes form a subspace W; a 0/1 vector of W is fixed by
its entries at W's pivot columns, so we enumerate those (at most min_size - 1 ones, since
every class holds a respondent) instead of every subset.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

PRIMARY = "small"
COMPLEMENTARY = "complementary"
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class _Cell:
    grouping: str
    key: str
    size: int
    order: int


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis of {x : matrix @ x = 0}, as columns."""
    columns = matrix.shape[1]
    if matrix.size == 0:
        return np.eye(columns)
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > _TOLERANCE * max(1.0, singular.max(initial=0))).sum())
    return vt[rank:].T


def _rref_rows(matrix: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form (rows spanning the same space) and the pivot columns."""
    rows = matrix.astype(float).copy()
    pivots, r = [], 0
    for column in range(rows.shape[1]):
        if r == rows.shape[0]:
            break
        best = r + int(np.argmax(np.abs(rows[r:, column])))
        if abs(rows[best, column]) < _TOLERANCE:
            continue
        rows[[r, best]] = rows[[best, r]]
        rows[r] /= rows[r, column]
        others = [i for i in range(rows.shape[0]) if i != r]
        rows[others] -= np.outer(rows[others, column], rows[r])
        pivots.append(column)
        r += 1
    return rows[:r], pivots


def in_span(published: np.ndarray, vector: np.ndarray) -> bool:
    """Whether `vector` is a linear combination of the rows of `published`."""
    if published.size == 0:
        return not vector.any()
    coefficients, *_ = np.linalg.lstsq(published.T, vector, rcond=None)
    return bool(np.allclose(published.T @ coefficients, vector, atol=1e-7))


def recoverable_small_set(published: np.ndarray, sizes: np.ndarray, min_size: int):
    """A 0/1 vector over the classes that the published rows combine to, holding between 1
    and min_size - 1 respondents and not every class; None when there is none."""
    small = np.flatnonzero(sizes < min_size)
    if not len(small):
        return None
    null = _null_space(published)  # classes × d; v is in the row space iff null.T @ v == 0
    within = _null_space(null[small].T) if null.shape[1] else np.eye(len(small))
    if not within.shape[1]:
        return None
    basis, pivots = _rref_rows(within.T)
    for ones in range(1, min(min_size - 1, len(pivots)) + 1):
        for chosen in itertools.combinations(range(len(pivots)), ones):
            values = basis[list(chosen)].sum(axis=0)
            if not np.all((np.abs(values) < 1e-7) | (np.abs(values - 1) < 1e-7)):
                continue
            vector = np.zeros(len(sizes))
            vector[small] = np.round(values)
            total = float(vector @ sizes)
            if 0 < total < min_size and not vector.all():
                return vector
    return None


def _classes(atoms: pd.DataFrame, cells: list[_Cell]) -> tuple[np.ndarray, np.ndarray]:
    """(membership: cells × classes, class sizes): atoms with the same membership merged."""
    membership = np.array(
        [(atoms[cell.grouping] == cell.key).to_numpy() for cell in cells], dtype=float
    ).reshape(len(cells), len(atoms))
    signatures: dict[bytes, int] = {}
    columns, sizes = [], []
    for index, column in enumerate(membership.T):
        key = column.tobytes()
        if key not in signatures:
            signatures[key] = len(columns)
            columns.append(column)
            sizes.append(0)
        sizes[signatures[key]] += int(atoms["n"].iloc[index])
    matrix = np.array(columns).T if columns else np.zeros((len(cells), 0))
    return matrix.reshape(len(cells), len(columns)), np.array(sizes, dtype=float)


def _published(matrix: np.ndarray, shown: list[bool]) -> np.ndarray:
    overall = np.ones((1, matrix.shape[1]))
    return np.vstack([overall, matrix[[i for i, keep in enumerate(shown) if keep]]])


def _withhold_one(matrix, cells, shown, leak) -> None:
    """Withhold the smallest shown set (all cells with the same members at once) whose
    removal breaks the recovery of `leak`; failing one, the smallest the recovery uses."""
    candidates = {}
    for i in range(len(cells)):
        if shown[i]:
            candidates.setdefault(matrix[i].tobytes(), []).append(i)
    ranked = sorted(candidates.values(), key=lambda group: min(_rank(cells[i]) for i in group))
    for group in ranked:
        trial = [keep and i not in group for i, keep in enumerate(shown)]
        if not in_span(_published(matrix, trial), leak):
            break
    else:
        group = ranked[0]
    for i in group:
        shown[i] = False


def _rank(cell: _Cell) -> tuple:
    return (cell.size, -cell.order, cell.key)


def withheld_groups(
    atoms: pd.DataFrame, groupings: dict[str, list[str]], min_size: int
) -> dict[str, dict[str, str]]:
    """For each grouping, {group key: PRIMARY or COMPLEMENTARY} of the groups to withhold.

    `atoms` has one row per combination of group keys with its respondent count `n` and a
    column per grouping giving the row's key in it; `groupings` lists each grouping's keys
    that may be shown, in order (earlier groupings are kept in preference at equal sizes)."""
    atoms = atoms[atoms["n"] > 0].reset_index(drop=True)
    cells, withheld = [], {name: {} for name in groupings}
    for order, (name, keys) in enumerate(groupings.items()):
        for key in keys:
            size = int(atoms.loc[atoms[name] == key, "n"].sum()) if len(atoms) else 0
            if size >= min_size:
                cells.append(_Cell(name, key, size, order))
            elif size:
                withheld[name][key] = PRIMARY
    matrix, sizes = _classes(atoms, cells)
    shown = [True] * len(cells)
    while (leak := recoverable_small_set(_published(matrix, shown), sizes, min_size)) is not None:
        _withhold_one(matrix, cells, shown, leak)
    for cell, keep in zip(cells, shown, strict=True):
        if not keep:
            withheld[cell.grouping][cell.key] = COMPLEMENTARY
    return withheld


def grouping_addable(
    atoms: pd.DataFrame, shown: dict[str, list[str]], name: str, keys: list, min_size: int
) -> bool:
    """Whether one more grouping (column `name` of `atoms`, groups `keys`) can be published
    beside the groups already `shown` without any subtraction recovering a small group."""
    atoms = atoms[atoms["n"] > 0].reset_index(drop=True)
    pairs = [(grouping, key) for grouping, group_keys in shown.items() for key in group_keys]
    pairs += [(name, key) for key in keys]
    cells = [_Cell(grouping, key, 0, 0) for grouping, key in pairs]
    matrix, sizes = _classes(atoms, cells)
    published = _published(matrix, [True] * len(cells))
    return recoverable_small_set(published, sizes, min_size) is None
