"""The consensus definitions and the survey's pre-registered rule, checked and labelled; pure
and free of pandas, so forms, views and services use it without loading the analysis
(results/analysis/consensus.py builds the consensus table from it).

A rule is {"kind": one of DEFINITIONS, "threshold": percent (agree_pct only),
"every_sector": bool}; {} is no rule. Agreement percentages have the base n (DK included),
as the paper's. With `every_sector`, the rule must also hold within every assigned sector
shown (withheld sectors cannot be checked and are not). The rule's fingerprint is the
SHA-256 of its canonical JSON: what is frozen when the survey opens.

Across Delphi rounds the rule also says when a statement settles: "stop": "consensus" (the
default: the definition holds) or "stability" with "stability_pct" (at most that share of
the experts who answered both rounds changed their answer). The default is left out of the
canonical form, so a rule frozen before "stop" existed keeps its fingerprint.
"""

import hashlib
import json

DEFAULT_THRESHOLD = 75
DEFINITIONS = {
    "agree_pct": "≥ {threshold}% agree",
    "agree70_disagree15": "≥ 70% agree and ≤ 15% disagree",
    "iqr": "IQR ≤ 1",
    "median_iqr": "median ≥ 1 and IQR ≤ 1",
}
ERROR_KIND = "Choose one of the consensus definitions."
ERROR_THRESHOLD = "The agreement threshold is a whole percentage from 50 to 100."
DEFAULT_STABILITY_PCT = 15
STOPS = {
    "consensus": "a statement settles when consensus holds",
    "stability": "a statement settles when at most {stability_pct}% of the experts changed",
}
ERROR_STOP = "Choose when a statement settles: at consensus or at stability."
ERROR_STABILITY = "The stability share is a whole percentage from 0 to 100."


def rule_clean(rule: dict) -> dict:
    """The rule in its canonical form; raises ValueError with a clear message."""
    if not rule:
        return {}
    kind = rule.get("kind")
    if kind not in DEFINITIONS:
        raise ValueError(ERROR_KIND)
    clean = {"kind": kind, "every_sector": bool(rule.get("every_sector", False))}
    if kind == "agree_pct":
        threshold = rule.get("threshold", DEFAULT_THRESHOLD)
        if isinstance(threshold, bool) or not isinstance(threshold, int):
            raise ValueError(ERROR_THRESHOLD)
        if not 50 <= threshold <= 100:
            raise ValueError(ERROR_THRESHOLD)
        clean["threshold"] = threshold
    return clean | _stop_clean(rule)


def _stop_clean(rule: dict) -> dict:
    stop = rule.get("stop", "consensus")
    if stop not in STOPS:
        raise ValueError(ERROR_STOP)
    if stop == "consensus":
        return {}
    share = rule.get("stability_pct", DEFAULT_STABILITY_PCT)
    if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
        raise ValueError(ERROR_STABILITY)
    return {"stop": stop, "stability_pct": share}


def rule_fingerprint(rule: dict) -> str:
    canonical = json.dumps(rule_clean(rule), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def rule_label(rule: dict) -> str:
    if not rule:
        return ""
    label = DEFINITIONS[rule["kind"]].format(threshold=rule.get("threshold", DEFAULT_THRESHOLD))
    label += ", within every sector" if rule.get("every_sector") else ""
    if rule.get("stop") == "stability":
        share = rule.get("stability_pct", DEFAULT_STABILITY_PCT)
        label += "; across rounds, " + STOPS["stability"].format(stability_pct=share)
    return label


def holds(kind: str, figures: dict, threshold: int = DEFAULT_THRESHOLD) -> bool | None:
    """Whether one definition holds on one row of figures; None when undefined (no
    answers)."""
    agree, disagree = figures.get("total_agree_pct"), figures.get("total_disagree_pct")
    iqr, median = figures.get("iqr"), figures.get("median")
    if kind == "agree_pct":
        return None if agree is None else agree >= threshold
    if kind == "agree70_disagree15":
        return None if agree is None else agree >= 70 and disagree <= 15
    if iqr is None:
        return None
    if kind == "iqr":
        return iqr <= 1
    return median >= 1 and iqr <= 1
