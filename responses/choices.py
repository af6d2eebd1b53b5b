"""The answer scale, sectors, genders and invitation states: one home that every layer
imports (models, services, forms, templates' context, exports).

The labels experts see are marked for translation but stay plain English here (exports and
researcher pages use them as they are); the expert's pages translate them when shown."""

from django.utils.translation import gettext_noop

# The paper's nine sector options (several may be chosen) and their collapsed groups.
STATED_SECTORS = [
    ("agi_lab", gettext_noop("AGI lab")),
    ("tech_company", gettext_noop("Other tech company")),
    ("government", gettext_noop("Government")),
    ("think_tank", gettext_noop("Think tank")),
    ("nonprofit", gettext_noop("Nonprofit organisation")),
    ("academia", gettext_noop("Academia")),
    ("consulting", gettext_noop("Consulting firm")),
    ("other", gettext_noop("Other")),
    ("prefer_not_to_say", gettext_noop("Prefer not to say")),
]
SECTOR_GROUPS = [
    ("agi_lab", "AGI lab"),
    ("academia", "Academia"),
    ("civil_society", "Civil society"),
    ("other", "Other"),
]
SECTOR_CODES = [code for code, _ in SECTOR_GROUPS]
GENDERS = [
    ("man", gettext_noop("Man")),
    ("woman", gettext_noop("Woman")),
    ("another", gettext_noop("Another gender")),
    ("prefer_not_to_say", gettext_noop("Prefer not to say")),
]

DONT_KNOW = -88
SCALE = [
    (2, gettext_noop("Strongly agree")),
    (1, gettext_noop("Somewhat agree")),
    (0, gettext_noop("Neither agree nor disagree")),
    (-1, gettext_noop("Somewhat disagree")),
    (-2, gettext_noop("Strongly disagree")),
    (DONT_KNOW, gettext_noop("I don't know")),
]
SCALE_VALUES = [value for value, _ in SCALE]
COMMENT_MAX_LENGTH = 5000
# The answer options by name, in the order of every count table and export column
# (results/analysis, results/pages.py, the exports): numpy-free so the URLconf stays light.
OPTIONS = [
    ("strongly_disagree", -2),
    ("somewhat_disagree", -1),
    ("neither", 0),
    ("somewhat_agree", 1),
    ("strongly_agree", 2),
    ("dont_know", DONT_KNOW),
]
OPTION_NAMES = [name for name, _ in OPTIONS]

# An invitation's state on the researcher's pages: one per invitation, derived from its
# timestamps (responses/fieldwork/selectors.py decides which applies).
STATES = [
    ("not_sent", "Not sent"),
    ("sent", "Sent"),
    ("started", "Started"),
    ("submitted", "Submitted"),
    ("declined", "Declined"),
    ("failed", "Failed / bounced"),
    ("revoked", "Revoked"),
]
STATE_LABELS = dict(STATES)
