"""Fieldwork methods, pure: AAPOR final dispositions and outcome rates, early against late
respondents, item non-response. Counts in, rates out; no queries (results/selectors/dispositions.py
reads the counts).

Dispositions follow the AAPOR Standard Definitions (10th edition, 2023) for an internet
survey of specifically named persons. Every fielded invitation (sent by email, or reached by a
link passed on) gets one final code; test invitations and invitations never fielded are left
out of every rate.
"""

from dataclasses import dataclass

import numpy as np

from .analysis import holm, mann_whitney_many

COMPLETE, PARTIAL, REFUSAL, BREAK_OFF = "complete", "partial", "refusal", "break_off"
NON_CONTACT, OTHER, UNKNOWN = "non_contact", "other", "unknown"
# (code, AAPOR code, label, the rule that gives it)
DISPOSITIONS = [
    (COMPLETE, "1.1", "Complete", "submitted the questionnaire"),
    (
        PARTIAL,
        "1.2",
        "Partial",
        "did not submit but answered at least the survey's partial threshold of statements",
    ),
    (REFUSAL, "2.11", "Refusal", "declined the invitation, or withdrew after submitting"),
    (BREAK_OFF, "2.12", "Break-off", "started but answered fewer statements than the threshold"),
    (NON_CONTACT, "2.20", "Non-contact", "the invitation or a reminder bounced"),
    (OTHER, "2.30", "Other", "the link was revoked before any answer"),
    (UNKNOWN, "3.19", "Nothing ever returned", "no reply of any kind (unknown eligibility)"),
]
CODES = [code for code, *_ in DISPOSITIONS]

# (name, formula as AAPOR writes it, what it means)
RATE_DEFINITIONS = [
    ("RR1", "I / ((I+P) + (R+NC+O) + U)", "completes over every fielded case"),
    ("RR2", "(I+P) / ((I+P) + (R+NC+O) + U)", "RR1 counting partials as respondents"),
    ("RR3", "I / ((I+P) + (R+NC+O) + e·U)", "RR1 with the estimated eligible share e of U"),
    ("RR4", "(I+P) / ((I+P) + (R+NC+O) + e·U)", "RR3 counting partials"),
    ("RR5", "I / ((I+P) + (R+NC+O))", "RR3 with e = 0: every unknown case ineligible"),
    ("RR6", "(I+P) / ((I+P) + (R+NC+O))", "RR5 counting partials"),
    ("COOP1", "I / ((I+P) + R + O)", "completes over every contacted eligible case"),
    ("COOP2", "(I+P) / ((I+P) + R + O)", "COOP1 counting partials"),
    ("COOP3", "I / ((I+P) + R)", "COOP1 without the other cases"),
    ("COOP4", "(I+P) / ((I+P) + R)", "COOP3 counting partials"),
    ("REF1", "R / ((I+P) + (R+NC+O) + U)", "refusals and break-offs over every fielded case"),
    ("REF2", "R / ((I+P) + (R+NC+O) + e·U)", "REF1 with e·U"),
    ("REF3", "R / ((I+P) + (R+NC+O))", "REF1 without the unknown cases"),
    ("CON1", "((I+P) + R + O) / ((I+P) + R + O + NC + U)", "cases reached, over every case"),
    ("CON2", "((I+P) + R + O) / ((I+P) + R + O + NC + e·U)", "CON1 with e·U"),
    ("CON3", "((I+P) + R + O) / ((I+P) + R + O + NC)", "CON1 without the unknown cases"),
]
LETTERS = [
    ("I", "complete (1.1)"),
    ("P", "partial (1.2)"),
    ("R", "refusal and break-off (2.10)"),
    ("NC", "non-contact (2.20)"),
    ("O", "other (2.30)"),
    ("U", "unknown eligibility (3.19)"),
    ("e", "estimated share of U that is eligible: 1, since every invitee is a named expert"),
]


@dataclass(frozen=True)
class Case:
    """What the records say about one fielded invitation."""

    submitted: bool = False
    withdrawn: bool = False
    declined: bool = False
    started: bool = False
    answered: int = 0
    bounced: bool = False
    revoked: bool = False


def disposition(case: Case, *, statements: int, partial_threshold: int) -> str:
    """The final AAPOR disposition of one case; `partial_threshold` is a percentage of the
    survey's statements."""
    if case.withdrawn or (case.declined and not case.submitted):
        return REFUSAL
    if case.submitted:
        return COMPLETE
    if case.started or case.answered:
        enough = statements and 100 * case.answered >= partial_threshold * statements
        return PARTIAL if enough and case.answered else BREAK_OFF
    if case.bounced:
        return NON_CONTACT
    if case.revoked:
        return OTHER
    return UNKNOWN


def _ratio(numerator: float, denominator: float):
    return numerator / denominator if denominator else None


def outcome_rates(counts: dict[str, int], *, e: float = 1.0) -> dict[str, float | None]:
    """AAPOR's response, cooperation, refusal and contact rates from disposition counts
    (None where the denominator is 0)."""
    i, p = counts.get(COMPLETE, 0), counts.get(PARTIAL, 0)
    r = counts.get(REFUSAL, 0) + counts.get(BREAK_OFF, 0)
    nc, o, u = counts.get(NON_CONTACT, 0), counts.get(OTHER, 0), counts.get(UNKNOWN, 0)
    known = (i + p) + (r + nc + o)
    contacted = (i + p) + r + o
    return {
        "RR1": _ratio(i, known + u),
        "RR2": _ratio(i + p, known + u),
        "RR3": _ratio(i, known + e * u),
        "RR4": _ratio(i + p, known + e * u),
        "RR5": _ratio(i, known),
        "RR6": _ratio(i + p, known),
        "COOP1": _ratio(i, contacted),
        "COOP2": _ratio(i + p, contacted),
        "COOP3": _ratio(i, (i + p) + r),
        "COOP4": _ratio(i + p, (i + p) + r),
        "REF1": _ratio(r, known + u),
        "REF2": _ratio(r, known + e * u),
        "REF3": _ratio(r, known),
        "CON1": _ratio(contacted, contacted + nc + u),
        "CON2": _ratio(contacted, contacted + nc + e * u),
        "CON3": _ratio(contacted, contacted + nc),
    }


def disposition_table(codes: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(CODES, 0)
    for code in codes:
        counts[code] += 1
    return counts


def waves(submitted_waves: list[int], fielded: int, sends: list[dict]) -> list[dict]:
    """Completes by reminder wave (0 = before any reminder, w = after the w-th reminder and
    before the next), with the cumulative RR1 against every fielded case. `sends` gives
    each wave's first and last send time."""
    last = max([0, *submitted_waves, *(send["wave"] for send in sends)])
    by_wave = {send["wave"]: send for send in sends}
    rows, cumulative = [], 0
    for wave in range(last + 1):
        completes = sum(1 for w in submitted_waves if w == wave)
        cumulative += completes
        send = by_wave.get(wave, {})
        rows.append(
            {
                "wave": wave,
                "label": "Invitation" if wave == 0 else f"Reminder {wave}",
                "first_sent": send.get("first_sent"),
                "last_sent": send.get("last_sent"),
                "emails": send.get("emails", 0),
                "completes": completes,
                "cumulative": cumulative,
                "cumulative_rr1": _ratio(cumulative, fielded),
            }
        )
    return rows


def early_late(early: np.ndarray, late: np.ndarray, statements: list[dict]) -> list[dict]:
    """Per statement, early respondents (submitted before their first reminder) against late
    ones: means without "I don't know", the DK shares, and a Mann–Whitney test (Holm across
    statements) as the non-response-bias check: late respondents stand in for those who
    never answered. `early` and `late` are statements × six counts (OPTIONS order)."""
    early, late = np.asarray(early, float).reshape(-1, 6), np.asarray(late, float).reshape(-1, 6)
    values = np.array([-2, -1, 0, 1, 2], dtype=float)
    test = mann_whitney_many(early[:, :5], late[:, :5])
    with np.errstate(invalid="ignore", divide="ignore"):
        means = [(g[:, :5] @ values) / g[:, :5].sum(axis=1) for g in (early, late)]
        dk = [100 * g[:, 5] / g.sum(axis=1) for g in (early, late)]
    rows = []
    for i, statement in enumerate(statements):
        rows.append(
            {
                "statement": statement["number"],
                "title": statement["title"],
                "early_n": int(early[i].sum()),
                "late_n": int(late[i].sum()),
                "early_mean": _finite(means[0][i]),
                "late_mean": _finite(means[1][i]),
                "difference": _finite(means[1][i] - means[0][i]),
                "early_dk_pct": _finite(dk[0][i]),
                "late_dk_pct": _finite(dk[1][i]),
                "p": _finite(test["p"][i]),
                "effect": _finite(test["effect"][i]),
            }
        )
    for row, adjusted in zip(rows, holm([row["p"] for row in rows]), strict=True):
        row["p_holm"] = adjusted
        row["significant"] = adjusted is not None and adjusted < 0.05
    return rows


def _finite(value):
    value = float(value)
    return None if np.isnan(value) else value


def item_nonresponse(tables: dict) -> list[dict]:
    """Per statement of a snapshot: respondents who left it blank, and who answered "I don't
    know", as counts and percentages of the respondents."""
    respondents = tables["respondents"]
    rows = []
    for row in tables["statements"]:
        blank = respondents - row["n"]
        rows.append(
            {
                "statement": row["statement"],
                "title": row["title"],
                "answered": row["n"],
                "blank": blank,
                "blank_pct": _ratio(100 * blank, respondents),
                "dont_know": row["dont_know"],
                "dont_know_pct": _ratio(100 * row["dont_know"], respondents),
            }
        )
    return rows
