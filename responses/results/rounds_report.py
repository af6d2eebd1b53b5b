"""The analysis across a Delphi study's rounds, read and computed: the selectors' count
tables of every round and round pair, through results/analysis/rounds.py. Plain data; the
page, its charts (charts/rounds.py) and its CSV (`across_rows`) format it."""

from ..choices import SECTOR_GROUPS
from ..models import Survey
from .analysis import rounds as analysis
from .selectors import rounds as selectors

SECTOR_LABELS = dict([*SECTOR_GROUPS, ("", "Not assigned")])
ACROSS_HEADER = [
    "statement", "title", "round", "n", "mean", "median", "iqr", "tastle_wierman",
    "agree_pct", "tvd", "pairs", "changed_pct", "wilcoxon_p", "mcnemar_p", "settled_round",
]  # fmt: skip


def rounds_report(*, survey: Survey) -> dict:
    """Every table across the rounds of `survey`'s study. The rule is the first round's,
    pre-registered before the study began."""
    tables = selectors.round_tables(survey=survey)
    first = tables[0]["round"]
    statements = list(first.statements.order_by("number").values("id", "number", "title"))
    ids = [statement["id"] for statement in statements]
    figures = [analysis.round_figures(table["answers"], ids) for table in tables]
    pairs = [{}] + [
        analysis.paired_figures(selectors.paired_counts(survey=table["round"]))
        for table in tables[1:]
    ]
    rule = first.consensus_rule or {}
    table = analysis.statement_rounds(statements, figures, pairs, rule)
    # A statement no round has an answer to has nothing to compare.
    table = [entry for entry in table if entry["rounds"]]
    statements = [s for s in statements if any(e["id"] == s["id"] for e in table)]
    report = {
        "rounds": [_round_summary(table) for table in tables],
        "statements": table,
        "rule": rule,
        "min_group_size": first.min_group_size,
        "attrition": None,
        "dropouts": None,
    }
    if len(tables) > 1:
        size = first.min_group_size
        counts = selectors.attrition_counts(survey=first)
        report["attrition"] = analysis.attrition(counts, SECTOR_LABELS, size)
        answers = selectors.stayer_answer_counts(survey=first)
        report["dropouts"] = analysis.dropouts_vs_stayers(answers, statements, size)
    return report


def _round_summary(table: dict) -> dict:
    sizes = table["sizes"]
    respondents = int(sizes["n"].sum()) if len(sizes) else 0
    return {"number": table["number"], "slug": table["round"].slug,
            "title": table["round"].title, "respondents": respondents}  # fmt: skip


def across_rows(report: dict):
    """The across-rounds table as rows, header first: one per statement and round."""
    yield list(ACROSS_HEADER)
    for statement in report["statements"]:
        for entry in statement["rounds"]:
            paired = entry["paired"] or {}
            yield [
                statement["number"], statement["title"], entry["round"], entry["n"],
                entry["mean"], entry["median"], entry["iqr"], entry["tastle_wierman"],
                entry["total_agree_pct"], entry["change"].get("tvd"), paired.get("pairs"),
                paired.get("changed_pct"), (paired.get("wilcoxon") or {}).get("p"),
                (paired.get("mcnemar") or {}).get("p"), statement["settled_round"],
            ]  # fmt: skip
