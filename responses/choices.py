"""The answer scale, sectors, genders and invitation states: one home that every layer
imports (models, services, forms, templates' context, exports)."""

# The paper's nine sector options (several may be chosen) and their collapsed groups.
STATED_SECTORS = [
    ("agi_lab", "AGI lab"),
    ("tech_company", "Other tech company"),
    ("government", "Government"),
    ("think_tank", "Think tank"),
    ("nonprofit", "Nonprofit organisation"),
    ("academia", "Academia"),
    ("consulting", "Consulting firm"),
    ("other", "Other"),
    ("prefer_not_to_say", "Prefer not to say"),
]
SECTOR_GROUPS = [
    ("agi_lab", "AGI lab"),
    ("academia", "Academia"),
    ("civil_society", "Civil society"),
    ("other", "Other"),
]
SECTOR_CODES = [code for code, _ in SECTOR_GROUPS]
GENDERS = [
    ("man", "Man"),
    ("woman", "Woman"),
    ("another", "Another gender"),
    ("prefer_not_to_say", "Prefer not to say"),
]

DONT_KNOW = -88
SCALE = [
    (2, "Strongly agree"),
    (1, "Somewhat agree"),
    (0, "Neither agree nor disagree"),
    (-1, "Somewhat disagree"),
    (-2, "Strongly disagree"),
    (DONT_KNOW, "I don't know"),
]
SCALE_VALUES = [value for value, _ in SCALE]
COMMENT_MAX_LENGTH = 5000

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
