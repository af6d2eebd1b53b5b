"""Group views: each grouping's groups, their per-statement figures and the tests between them.

The groupings (their keys are codes: `compute_results --by` and the exports use them):
- assigned_sector: the sector the researchers gave each expert;
- stated_sector: the sector the respondent stated, collapsed as in the paper's code
  (results/group_keys.py, docs/statistics.md);
- gender;
- agi_lab_vs_rest: the paper's Table 5, "AGI lab vs everyone else", where everyone else is
  academia plus civil society (stated), so "other" and blank are in neither group;
- agi_lab_vs_all_others: AGI lab against every other respondent, the inclusive reading.
Groups with fewer respondents than Survey.min_group_size are withheld, and so are the groups
that would let a reader recover one of them by subtraction (complementary suppression,
results/suppression.py).
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from ...choices import OPTION_NAMES
from .. import suppression
from ..groupings import GROUPINGS
from .descriptive import clean, matrix, statistics
from .inference import (
    chi_square_many,
    holm,
    kruskal_many,
    mann_whitney_many,
    mean_difference_many,
    permutation_chi_square,
    seeded_rng,
)

GROUP_FIGURES = OPTION_NAMES + [
    "n", "m", "mean", "se", "median", "q1", "q3", "iqr", "total_agree_pct",
    "total_disagree_pct", "agree_ci_low", "agree_ci_high", "mean_ci_low", "mean_ci_high",
    "tastle_wierman",
]  # fmt: skip
COUNT_FIGURES = set(OPTION_NAMES) | {"n", "m"}


def with_group_keys(frame: pd.DataFrame) -> pd.DataFrame:
    stated = frame["stated"]
    frame["assigned_sector"] = frame["assigned"]
    frame["stated_sector"] = stated
    frame["agi_lab_vs_rest"] = np.select(
        [stated == "agi_lab", stated.isin(["academia", "civil_society"])],
        ["agi_lab", "rest"],
        default="",
    )
    frame["agi_lab_vs_all_others"] = np.where(stated == "agi_lab", "agi_lab", "all_others")
    return frame


def _cube(answers: pd.DataFrame, name: str, keys: list[str], ids: list[int]) -> np.ndarray:
    """Counts as an array groups × statements × six answers."""
    cube = np.zeros((len(keys), len(ids), 6))
    if keys and not answers.empty:
        counts = matrix(answers[answers[name].isin(keys)], ids, [name])
        index = pd.MultiIndex.from_product([keys, ids])
        cube = counts.reindex(index, fill_value=0).to_numpy(dtype=float)
        cube = cube.reshape(len(keys), len(ids), 6)
    return cube


def with_group_columns(sizes: pd.DataFrame) -> pd.DataFrame:
    """A copy of respondent counts by (assigned, stated, gender) with a column per grouping."""
    return with_group_keys(sizes.copy())


def withheld_by_grouping(sizes: pd.DataFrame, min_size: int) -> dict[str, dict[str, str]]:
    """The groups each grouping withholds: too small, or able to give a small one away by
    subtraction (results/suppression.py)."""
    keys = {name: [key for key, _ in spec["groups"]] for name, spec in GROUPINGS.items()}
    return suppression.withheld_groups(sizes, keys, min_size)


def _shown_groups(name: str, sizes: pd.DataFrame, min_size: int, withheld: dict) -> list[dict]:
    size_by_key = sizes.groupby(name)["n"].sum() if len(sizes) else pd.Series(dtype=int)
    return [
        {"key": key, "label": label, "respondents": int(size_by_key.get(key, 0))}
        for key, label in GROUPINGS[name]["groups"]
        if key not in withheld and int(size_by_key.get(key, 0)) >= min_size
    ]


def _permutation_tests(cube: np.ndarray, fingerprint: str, name: str, numbers, permutations: int):
    """Per statement: the permutation p of the scale's distribution (DK out) and of DK.
    Each statement draws from a generator of its own (the fingerprint, the grouping, the
    statement's number, as the fingerprint has it: the same on every database), so its
    p-values depend on its own answers only and the statements can be tested in threads:
    numpy releases the GIL while it draws, which is nearly all of the time
    (bench/RESULTS.md)."""
    if not permutations or cube.shape[0] < 2:
        return [None] * cube.shape[1], [None] * cube.shape[1]

    def tests(i: int) -> tuple:
        rng = seeded_rng(fingerprint, name, numbers[i])
        table = cube[:, i, :]
        known = np.stack([table[:, :5].sum(axis=1), table[:, 5]], axis=1)
        return (
            permutation_chi_square(table[:, :5], rng, permutations),
            permutation_chi_square(known, rng, permutations),
        )

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        results = list(pool.map(tests, range(cube.shape[1])))
    return [scale for scale, _ in results], [dk for _, dk in results]


def group_view(
    name, answers, sizes, statements, min_size, withheld=None, *, fingerprint="", permutations=0
):
    """One grouping's table; `withheld` (group key -> why) as withheld_by_grouping gives it,
    computed here when not given."""
    spec = GROUPINGS[name]
    if withheld is None:
        withheld = withheld_by_grouping(sizes, min_size)[name]
    shown = _shown_groups(name, sizes, min_size, withheld)
    keys = [group["key"] for group in shown]
    cube = _cube(answers, name, keys, [statement["id"] for statement in statements])
    shape = (len(keys), len(statements))
    figures = {k: v.reshape(shape) for k, v in statistics(cube.reshape(-1, 6)).items()}
    tests = {"chi_square": chi_square_many(cube[:, :, :5].transpose(1, 0, 2))}
    if len(keys) >= 3:
        tests["kruskal_wallis"] = kruskal_many(cube[:, :, :5].transpose(1, 0, 2))
    pair = spec["pair"] if spec["pair"] and all(key in keys for key in spec["pair"]) else None
    if pair:
        first, second = cube[keys.index(pair[0]), :, :5], cube[keys.index(pair[1]), :, :5]
        tests["mann_whitney"] = mann_whitney_many(first, second)
        tests["mean_difference"] = mean_difference_many(first, second)
    numbers = [statement["number"] for statement in statements]
    scale_p, dk_p = _permutation_tests(cube, fingerprint, name, numbers, permutations)
    rows = []
    for i, statement in enumerate(statements):
        row = _group_row(i, statement, keys, figures, tests)
        row["permutation"] = {"p": scale_p[i]}
        row["dont_know_test"] = {"p": dk_p[i]}
        rows.append(row)
    for test in [*tests, "permutation", "dont_know_test"]:
        if test != "mean_difference":
            _adjust(rows, test)
    return {
        "name": name,
        "label": spec["label"],
        "groups": shown,
        "withheld_groups": len(withheld),
        "withheld_complementary": sum(1 for why in withheld.values() if why != "small"),
        "pair": list(pair) if pair else None,
        "permutations": permutations,
        "statements": rows,
    }


def _group_row(i: int, statement: dict, keys, figures, tests) -> dict:
    groups = {}
    for g, key in enumerate(keys):
        cell = {name: clean(figures[name][g, i]) for name in GROUP_FIGURES}
        for name in COUNT_FIGURES:
            cell[name] = int(cell[name])
        cell["counts"] = {name: cell[name] for name in OPTION_NAMES}
        groups[key] = cell
    row = {"statement": statement["number"], "title": statement["title"], "groups": groups}
    for test, values in tests.items():
        row[test] = {key: clean(column[i]) for key, column in values.items()}
    if row["chi_square"]["dof"] is not None:
        row["chi_square"]["dof"] = int(row["chi_square"]["dof"])
    return row


def _adjust(rows: list[dict], test: str) -> None:
    adjusted = holm([row[test]["p"] for row in rows])
    for row, p in zip(rows, adjusted, strict=True):
        row[test]["p_holm"] = p
        row[test]["significant"] = p is not None and p < 0.05
