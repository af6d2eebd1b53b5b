"""Consensus: the common definitions side by side, and the survey's pre-registered rule's
verdict per statement. The definitions and the rule itself: results/consensus_rules.py."""

from ..consensus_rules import (
    DEFAULT_THRESHOLD,
    DEFINITIONS,
    holds,
    rule_clean,
    rule_fingerprint,
    rule_label,
)

__all__ = [
    "DEFAULT_THRESHOLD", "DEFINITIONS", "consensus_table", "holds", "rule_clean",
    "rule_fingerprint", "rule_label", "verdict",
]  # fmt: skip


def verdict(rule: dict, row: dict, sectors: list[dict] | None = None) -> bool | None:
    """The rule's verdict on a statement's row (and, with every_sector, on each sector's
    figures for it); None without a rule or where undefined."""
    if not rule:
        return None
    threshold = rule.get("threshold", DEFAULT_THRESHOLD)
    overall = holds(rule["kind"], row, threshold)
    if overall is None or not rule.get("every_sector"):
        return overall
    within = [holds(rule["kind"], cell, threshold) for cell in sectors or []]
    return overall and all(result is True for result in within)


def consensus_table(rows: list[dict], rule: dict, sector_view: dict | None) -> dict:
    """Per statement, every common definition and the pre-registered rule's verdict."""
    sector_rows = {row["statement"]: row for row in (sector_view or {}).get("statements", [])}
    table = []
    for row in rows:
        cells = list(sector_rows.get(row["statement"], {}).get("groups", {}).values())
        entry = {
            "statement": row["statement"],
            "title": row["title"],
            "definitions": {kind: holds(kind, row) for kind in DEFINITIONS},
            "verdict": verdict(rule, row, cells),
        }
        table.append(entry)
    return {
        "rule": rule,
        "rule_label": rule_label(rule),
        "definitions": {
            kind: label.format(threshold=DEFAULT_THRESHOLD) for kind, label in DEFINITIONS.items()
        },
        "statements": table,
        "reached": sum(1 for entry in table if entry["verdict"] is True),
    }
