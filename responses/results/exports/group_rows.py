"""Row generators of the group tables (the paper's Tables 4-6): one row per statement and
group of one grouping, from a snapshot's tables. Group keys are codes (`agi_lab`, `rest`,
`man`...); `consensus` is the survey's pre-registered rule applied to the group's own
figures (1 or 0; empty without a rule or where undefined); `p_permutation` the statement's
permutation p-value. A two-group comparison ends with the respondent-level test of the mean
agreement index (results/analysis/agreement.py): a row per group with statement `all`, n
its respondents and mean its mean index, then a row `<first>_minus_<second>` with the
difference as mean, its bootstrap interval as mean_ci_low/high and its permutation p."""

from ...choices import OPTION_NAMES
from ..consensus_rules import DEFAULT_THRESHOLD, holds
from .writers import latex_escape

GROUP_COLUMNS = (
    ["statement", "group", "n", "m", "mean", "se", "median", "q1", "q3", "total_agree_pct"]
    + OPTION_NAMES
    + ["agree_ci_low", "agree_ci_high", "mean_ci_low", "mean_ci_high", "iqr", "tastle_wierman"]
    + ["consensus", "p_permutation"]
)
ALL_STATEMENTS = "all"
ERROR_NO_GROUPING = "No grouping {name}: choose one of {names}."


def grouping_view(tables: dict, name: str) -> dict:
    for view in tables["groups"]:
        if view["name"] == name:
            return view
    names = ", ".join(view["name"] for view in tables["groups"])
    raise KeyError(ERROR_NO_GROUPING.format(name=name, names=names))


def _verdict(rule: dict, cell: dict):
    if not rule:
        return ""
    result = holds(rule["kind"], cell, rule.get("threshold", DEFAULT_THRESHOLD))
    return "" if result is None else int(result)


def group_rows(tables: dict, name: str):
    view = grouping_view(tables, name)
    rule = tables.get("consensus", {}).get("rule", {})
    yield list(GROUP_COLUMNS)
    for row in view["statements"]:
        for key, cell in row["groups"].items():
            values = {**cell, "statement": row["statement"], "group": key}
            values["consensus"] = _verdict(rule, cell)
            values["p_permutation"] = row.get("permutation", {}).get("p")
            yield _cells(values)
    yield from _agreement_rows(view)


def _cells(values: dict) -> list:
    return ["" if values.get(column) is None else values[column] for column in GROUP_COLUMNS]


def _agreement_rows(view: dict):
    test = view.get("agreement_index")
    if not test:
        return
    first, second = view["pair"]
    for key, n, mean in zip(view["pair"], test["n"], test["means"], strict=True):
        yield _cells({"statement": ALL_STATEMENTS, "group": key, "n": n, "mean": mean})
    yield _cells(
        {
            "statement": ALL_STATEMENTS,
            "group": f"{first}_minus_{second}",
            "n": sum(test["n"]),
            "mean": test["difference"],
            "mean_ci_low": test["ci_low"],
            "mean_ci_high": test["ci_high"],
            "p_permutation": test["p"],
        }
    )


def _fixed(value, digits: int) -> str:
    return "--" if value is None else f"{value:.{digits}f}"


def group_latex_rows(tables: dict, name: str):
    """Means (SE) by group and the permutation test's Holm-adjusted p, per statement; the
    header is LaTeX already, the cells plain text for the writer to escape."""
    view = grouping_view(tables, name)
    labels = [latex_escape(group["label"]) for group in view["groups"]]
    yield ["No.", "Statement"] + [f"{label} mean (SE)" for label in labels] + ["$p$ (Holm)"]
    keys = [group["key"] for group in view["groups"]]
    for row in view["statements"]:
        cells = [str(row["statement"]), row["title"]]
        for key in keys:
            cell = row["groups"][key]
            cells.append(f"{_fixed(cell['mean'], 2)} ({_fixed(cell['se'], 2)})")
        cells.append(_fixed(row.get("permutation", {}).get("p_holm"), 3))
        yield cells
