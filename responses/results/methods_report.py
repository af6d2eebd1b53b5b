"""The methods report of a survey, written from its own records: the sample, the emails and
their dates, the AAPOR dispositions and rates (overall, by assigned sector, by wave), early
against late respondents, item non-response, the randomisation, the consensus rule and when
it was fixed, the missing-data handling and the statistics used, mapped to the CREDES and
ACCORD reporting items. Plain data; exports/methods_text.py and the templates format it."""

from ..choices import SECTOR_GROUPS
from ..models import Survey
from . import analysis, methods, selectors, suppression
from .exports import study
from .selectors import dispositions

SECTOR_LABELS = dict([*SECTOR_GROUPS, ("", "Not assigned")])
MISSING_DATA = [
    "Only submitted questionnaires count; a saved but unsubmitted one is a partial or a "
    "break-off in the dispositions and contributes nothing to the results.",
    "A statement left blank is item non-response: it is excluded from that statement's "
    "figures and from nothing else. Nothing is imputed.",
    '"I don\'t know" is an answer: it counts in the percentage base n, but not in the mean, '
    "median, variance, standard error or quartiles, which use the five scale points.",
]
STATISTICS = [
    'Percentages of each answer over n (every answer, "I don\'t know" included).',
    "Mean, median, sample variance (n - 1), standard error SD/sqrt(m), quartiles by linear "
    "interpolation, over the m answers on the scale (-2 to 2).",
    "Group comparisons: chi-square tests of the answer distributions with Cramér's V, and "
    "Mann-Whitney U tests (normal approximation, tie and continuity corrected) with the "
    "rank-biserial correlation for two groups; p-values adjusted across statements with "
    "Holm's method.",
    "Groups under the survey's minimum size are withheld, and so is any group that would let "
    "a reader recover one of them by subtraction (complementary suppression).",
]
# (reporting item, the section of this report that gives it, or None: write it yourself)
CREDES = [
    ("Purpose and rationale of the Delphi study", None),
    ("Expert panel: selection and description", "sample"),
    ("Description of the methods (rounds, survey design)", "randomisation"),
    ("Procedure: invitations, reminders, dates", "emails"),
    ("Definition and attainment of consensus", "consensus"),
    ("Results, with the response rate", "rates"),
    ("Discussion of limitations (non-response)", "early-late"),
    ("Adequacy of conclusions", None),
    ("Publication and dissemination", None),
]
# Asked of a Delphi study only, answered by the Rounds section.
CREDES_ROUNDS = [
    ("Number of rounds, the panel and the statements of each", "rounds"),
    ("Information given to the experts between rounds (feedback)", "rounds"),
    ("Response rate of each round", "rounds"),
    ("Stopping rule: consensus or stability", "rounds"),
]
ACCORD = [
    ("Participants: selection, recruitment and number invited", "sample"),
    ("Consensus process: rounds, mode, timing and reminders", "emails"),
    ("Anonymity and the order of items shown", "randomisation"),
    ("Definition of consensus, set in advance", "consensus"),
    ("Response rate of each round and attrition", "rates"),
    ("Handling of missing data", "missing"),
    ("Statistical analysis", "statistics"),
    ("Steering group, funding and conflicts of interest", None),
]


def _rates(counts: dict) -> list[dict]:
    values = methods.outcome_rates(counts)
    return [
        {"name": name, "formula": formula, "meaning": meaning, "value": values[name]}
        for name, formula, meaning in methods.RATE_DEFINITIONS
    ]


def _wave(submitted_at, reminders: list) -> int:
    return sum(1 for at in reminders if at < submitted_at)


def _dispositions(survey: Survey, rows: list[dict]) -> tuple[dict, list[dict]]:
    statements = survey.statements.count()
    for row in rows:
        row["code"] = methods.disposition(
            row["case"], statements=statements, partial_threshold=survey.partial_threshold
        )
    overall = methods.disposition_table([row["code"] for row in rows])
    by_sector = []
    for code, label in SECTOR_LABELS.items():
        codes = [row["code"] for row in rows if row["sector"] == code]
        if codes:
            counts = methods.disposition_table(codes)
            by_sector.append(
                {
                    "code": code,
                    "label": label,
                    "fielded": len(codes),
                    "counts": counts,
                    "rates": methods.outcome_rates(counts),
                }
            )
    return overall, by_sector


def _early_late_safe(survey: Survey) -> bool:
    atoms = analysis.with_group_columns(dispositions.respondent_atoms(survey=survey))
    withheld = analysis.withheld_by_grouping(atoms, survey.min_group_size)
    shown = {
        name: [key for key, _ in spec["groups"] if key not in withheld[name]]
        for name, spec in analysis.GROUPINGS.items()
    }
    shown = {  # the groups large enough: withheld_by_grouping lists the others
        name: [key for key in keys if atoms.loc[atoms[name] == key, "n"].sum() > 0]
        for name, keys in shown.items()
    }
    return suppression.grouping_addable(atoms, shown, "late", [False, True], survey.min_group_size)


def _early_late(survey: Survey) -> dict:
    statements = selectors.survey_statements(survey=survey)
    ids = [statement["id"] for statement in statements]
    early, late, early_n, late_n = dispositions.early_late_counts(survey=survey, statement_ids=ids)
    # Both or neither: the overall figures minus one group give the other. And only if,
    # beside the results' groups, no subtraction gives a small group away.
    shown = min(early_n, late_n) >= survey.min_group_size and _early_late_safe(survey)
    rows = methods.early_late(early, late, statements) if shown else []
    return {
        "shown": shown,
        "early_n": early_n,
        "late_n": late_n,
        "rows": [row for row in rows if row["early_n"] or row["late_n"]],
    }


def consensus_text(rule: dict) -> str:
    if not rule:
        return "No consensus rule was set."
    kind, threshold = rule.get("kind"), rule.get("threshold")
    texts = {
        "agree_pct": f"at least {threshold}% agreement (somewhat or strongly agree)",
        "70_15": "at least 70% agreement and at most 15% disagreement",
        "iqr": "an interquartile range of at most 1",
        "median_iqr": "a median of at least 1 with an interquartile range of at most 1",
    }
    text = texts.get(kind, f"the rule {kind}")
    if rule.get("every_sector"):
        text += ", within every sector"
    return f"Consensus: {text}."


def rounds_report(survey: Survey) -> list[dict]:
    """Each round of the survey's Delphi study from its records (empty outside a study)."""
    rounds = study.rounds_of(survey)
    if len(rounds) == 1:
        return []
    described = [study.round_description(r) for r in rounds]
    for row in described:
        row["consensus"] = consensus_text(row["rule"])
    return described


def methods_report(*, survey: Survey) -> dict:
    rows = dispositions.cases(survey=survey)
    overall, by_sector = _dispositions(survey, rows)
    waves, reminders = dispositions.sends(survey=survey)
    submitted = [
        _wave(row["submitted_at"], reminders.get(row["invitation"], []))
        for row in rows
        if row["code"] == methods.COMPLETE
    ]
    snapshot = selectors.snapshot_latest(survey=survey)
    return {
        "survey": survey,
        "experts": survey.experts.count(),
        "opened_at": dispositions.opened_at(survey=survey),
        "fielded": len(rows),
        "dispositions": [
            {"code": code, "aapor": aapor, "label": label, "rule": rule, "n": overall[code]}
            for code, aapor, label, rule in methods.DISPOSITIONS
        ],
        "letters": methods.LETTERS,
        "rates": _rates(overall),
        "by_sector": by_sector,
        "rate_names": [name for name, *_ in methods.RATE_DEFINITIONS],
        "waves": methods.waves(submitted, len(rows), waves),
        "early_late": _early_late(survey),
        "item_nonresponse": methods.item_nonresponse(snapshot.tables) if snapshot else None,
        "snapshot": snapshot,
        "statements": survey.statements.count(),
        "sections": survey.sections.count(),
        "consensus": consensus_text(survey.consensus_rule),
        "deviations": list(survey.deviations.order_by("created_at")),
        "missing": MISSING_DATA,
        "statistics": STATISTICS,
        "rounds": (rounds := rounds_report(survey)),
        "stopping": study.stopping_text(study.rounds_of(survey)) if rounds else "",
        "credes": CREDES + (CREDES_ROUNDS if rounds else []),
        "accord": ACCORD,
    }
