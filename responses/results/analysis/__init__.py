"""Aggregate results, computed exactly from count tables. Pure: count tables in, plain data
out; no queries, no transactions, no services (results/selectors.py reads the tables,
results/services/snapshots.py stores what `results_tables` returns).

Answers take six values, so every figure follows from how many answers each statement (and
each group) got of each value. Those counts, by (group key, statement, value), where the
group key packs assigned sector × stated sector × gender (results/group_keys.py), are kept as
answers are submitted (results/services/counts.py). Every table, group view and test is a
marginal of that crossed table, computed with pandas and numpy, never row by row.

- descriptive.py: the per-statement figures, intervals and consensus measures;
- inference.py: the tests between groups;
- groups.py: the paper's groupings and their tables;
- consensus.py: the common consensus definitions and the survey's pre-registered rule;
- order.py: order effects, by the position each statement was shown at.

Conventions: docs/statistics.md. Only submitted responses count; a NULL answer is "not
answered" and excluded from everything.
"""

import hashlib

import pandas as pd

from .agreement import agreement_by_grouping
from .consensus import consensus_table
from .descriptive import (
    EXTRA_COLUMNS,
    INTERVAL_COLUMNS,
    OPTION_NAMES,
    OPTIONS,
    RESULT_COLUMNS,
    VALUES,
    clean,
    headline,
    matrix,
    statement_table,
    statistics,
)
from .groups import (
    GROUPINGS,
    group_view,
    with_group_columns,
    with_group_keys,
    withheld_by_grouping,
)
from .inference import chi_square_many, holm, kruskal_many, mann_whitney_many
from .order import order_effects

CODE_VERSION = "analysis-2"
KEY_COLUMNS = ["assigned", "stated", "gender"]

__all__ = [
    "CODE_VERSION", "EXTRA_COLUMNS", "GROUPINGS", "INTERVAL_COLUMNS", "OPTIONS", "OPTION_NAMES",
    "RESULT_COLUMNS", "VALUES", "chi_square", "chi_square_many", "fingerprint", "holm",
    "kruskal_many", "mann_whitney", "mann_whitney_many", "results_tables", "statistics",
    "with_group_columns", "withheld_by_grouping",
]  # fmt: skip


def mann_whitney(first, second) -> dict:
    return {key: clean(values[0]) for key, values in mann_whitney_many(first, second).items()}


def chi_square(table) -> dict:
    return {key: clean(values[0]) for key, values in chi_square_many([table]).items()}


def fingerprint(answers: pd.DataFrame, sizes: pd.DataFrame, numbers: dict[int, int]) -> str:
    """SHA-256 of the count tables in a canonical order: the same answers give the same
    fingerprint on any database, in any survey with the same statements."""
    cells = answers.assign(statement=answers["statement_id"].map(numbers).fillna(-1))
    cells = cells[KEY_COLUMNS + ["statement", "value", "n"]].astype({"statement": "int64"})
    cells = cells.sort_values(KEY_COLUMNS + ["statement", "value"]).to_csv(index=False)
    groups = sizes[KEY_COLUMNS + ["n"]].sort_values(KEY_COLUMNS).to_csv(index=False)
    return hashlib.sha256(f"{cells}\n{groups}".encode()).hexdigest()


def results_tables(
    answers,
    sizes,
    statements: list[dict],
    min_group_size: int,
    *,
    consensus_rule: dict | None = None,
    permutations: int = 0,
    order_counts: pd.DataFrame | None = None,
    agreement: pd.DataFrame | None = None,
) -> dict:
    """Every table of the results page and exports, as plain JSON-ready data. With
    `permutations`, the group views carry permutation p-values from that many draws; with
    `order_counts` (by statement, position and value), the order effects; with `agreement`
    (each respondent's keys and agreement index), the respondent-level test per pair."""
    numbers = {statement["id"]: statement["number"] for statement in statements}
    digest = fingerprint(answers, sizes, numbers)
    respondents = int(sizes["n"].sum()) if len(sizes) else 0
    answers, sizes = with_group_keys(answers.copy()), with_group_keys(sizes.copy())
    ids = [statement["id"] for statement in statements]
    rows = statement_table(matrix(answers, ids), statements)
    withheld = withheld_by_grouping(sizes, min_group_size)
    groups = [
        group_view(
            name, answers, sizes, statements, min_group_size, withheld[name],
            fingerprint=digest, permutations=permutations,
        )
        for name in GROUPINGS
    ]  # fmt: skip
    if agreement is not None:
        agreement = with_group_keys(agreement.copy())
    agreement_by_grouping(agreement, groups, fingerprint=digest, permutations=permutations)
    rule = consensus_rule or {}
    consensus = consensus_table(rows, rule, groups[0])
    for row, entry in zip(rows, consensus["statements"], strict=True):
        row["consensus"] = entry["verdict"]
    return {
        "fingerprint": digest,
        "respondents": respondents,
        "min_group_size": min_group_size,
        "headline": headline(rows, respondents),
        "statements": rows,
        "groups": groups,
        "consensus": consensus,
        "order": None if order_counts is None else order_effects(order_counts, statements),
    }
