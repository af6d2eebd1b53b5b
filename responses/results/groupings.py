"""The paper's groupings of respondents, by code (results/analysis/groups.py computes their
tables; the exports register a file per grouping; `compute_results --by` takes the codes).
Plain data, free of pandas and numpy, so the URLconf can list them without loading those."""

from ..choices import GENDERS, SECTOR_GROUPS

STATED_GROUPS = [("agi_lab", "AGI lab"), ("academia", "Academia")] + [
    ("civil_society", "Civil society"),
    ("other", "Other"),
]
GROUPINGS = {
    "assigned_sector": {
        "label": "Sector (assigned by the researchers)",
        "groups": SECTOR_GROUPS,
        "pair": None,
    },
    "stated_sector": {"label": "Sector (stated, collapsed)", "groups": STATED_GROUPS, "pair": None},
    "gender": {"label": "Gender", "groups": GENDERS[:3], "pair": ("man", "woman")},
    "agi_lab_vs_rest": {
        "label": "AGI lab vs everyone else (academia + civil society, the paper's comparison)",
        "groups": [("agi_lab", "AGI lab"), ("rest", "Academia + civil society")],
        "pair": ("agi_lab", "rest"),
    },
    "agi_lab_vs_all_others": {
        "label": "AGI lab vs all others (every other respondent)",
        "groups": [("agi_lab", "AGI lab"), ("all_others", "All others")],
        "pair": ("agi_lab", "all_others"),
    },
}
