"""A respondent's group key, packed into one small integer and stored on every answer.

The results count answers by (assigned sector, stated sector, gender, statement, value).
Joining millions of answers to their respondents costs several times the count itself, so
each answer carries its respondent's packed key (Answer.group_key), written when the
response is submitted and rewritten when a researcher changes the expert's sector.

The rule lives here once, as SQL built from the key lists below, and every writer (the
submission, the regrouping, the import, the migration's backfill) and the kept counts of
respondents by key (results/services/counts.py) use that same SQL. `group_key` is its Python
twin, for the tests.
"""

from ..choices import GENDERS, SECTOR_GROUPS
from ..models import Answer, Expert, Invitation, Response

# Stated sector codes → collapsed group, in priority order (first match wins), as the
# paper's code: AGI lab, then civil society (think tank or nonprofit), then academia, so a
# respondent who ticked "nonprofit" and "academia" counts as civil society
# (docs/statistics.md).
STATED_COLLAPSE = [
    ("agi_lab", ["agi_lab"]),
    ("civil_society", ["think_tank", "nonprofit"]),
    ("academia", ["academia"]),
    ("other", ["tech_company", "government", "consulting", "other"]),
    ("prefer_not_to_say", ["prefer_not_to_say"]),
]
# Index 0 of each list is blank: unknown codes count as blank. The packed index of a stated
# group is its place here, whatever the priority above.
ASSIGNED_KEYS = [""] + [code for code, _ in SECTOR_GROUPS]
STATED_KEYS = ["", "agi_lab", "academia", "civil_society", "other", "prefer_not_to_say"]
GENDER_KEYS = [""] + [code for code, _ in GENDERS]
GENDER_SPAN = len(GENDER_KEYS)
STATED_SPAN = len(GENDER_KEYS) * len(STATED_KEYS)


def stated_sector(sectors) -> str:
    """The collapsed group of a list of stated sector codes."""
    chosen = set(sectors or [])
    for group, codes in STATED_COLLAPSE:
        if chosen.intersection(codes):
            return group
    return ""


def _index(keys: list[str], code: str) -> int:
    return keys.index(code) if code in keys[1:] else 0


def group_key(*, assigned: str, sectors, gender: str) -> int:
    """Python twin of `key_sql`."""
    stated = STATED_KEYS.index(stated_sector(sectors))
    return (
        _index(ASSIGNED_KEYS, assigned) * STATED_SPAN
        + stated * GENDER_SPAN
        + _index(GENDER_KEYS, gender)
    )


def unpack(key: int) -> tuple[str, str, str]:
    """(assigned sector, stated group, gender) of a packed key."""
    return (
        ASSIGNED_KEYS[key // STATED_SPAN],
        STATED_KEYS[(key % STATED_SPAN) // GENDER_SPAN],
        GENDER_KEYS[key % GENDER_SPAN],
    )


def _index_case_sql(column: str, keys: list[str]) -> tuple[str, list]:
    whens = " ".join(f"WHEN {column} = %s THEN {i}" for i in range(1, len(keys)))
    return f"CASE {whens} ELSE 0 END", keys[1:]


def _stated_case_sql(column: str) -> tuple[str, list]:
    # JSON lists as text on both databases, e.g. ["agi_lab", "academia"]; the quoted codes
    # cannot overlap, so LIKE '%"code"%' is an exact membership test.
    whens, params = [], []
    for group, codes in STATED_COLLAPSE:
        tests = " OR ".join(f"CAST({column} AS text) LIKE %s" for _ in codes)
        whens.append(f"WHEN {tests} THEN {STATED_KEYS.index(group)}")
        params += [f'%"{code}"%' for code in codes]
    return "CASE " + " ".join(whens) + " ELSE 0 END", params


def key_sql(
    expert: str = "e", response: str = "r", assigned: str | None = None
) -> tuple[str, list]:
    """The packed key as an SQL expression over an expert and a response table alias.
    With `assigned`, the key as if the expert's sector were that code (the counts take a
    regrouped respondent out of the group they were in, after the new sector is saved)."""
    if assigned is None:
        assigned, p1 = _index_case_sql(f"{expert}.sector", ASSIGNED_KEYS)
    else:
        # An index into our own list, never user text: safe to format in.
        assigned, p1 = str(_index(ASSIGNED_KEYS, assigned)), []
    stated, p2 = _stated_case_sql(f"{response}.sectors")
    gender, p3 = _index_case_sql(f"{response}.gender", GENDER_KEYS)
    sql = f"({assigned}) * {STATED_SPAN} + ({stated}) * {GENDER_SPAN} + ({gender})"
    return sql, p1 + p2 + p3


# Who the results count: a submitted response, not a researcher's test walk-through and not
# withdrawn. The others' answers keep a NULL key, so no count ever sees them.
UNCOUNTED_SQL = "r.submitted_at IS NULL OR i.is_test = %s OR r.withdrawn_at IS NOT NULL"
# Migrations 0002 and 0003 ran this SQL before Invitation.is_test and Response.withdrawn_at
# existed: their backfills use the rule of that time.
UNCOUNTED_SQL_BEFORE_0006 = "r.submitted_at IS NULL"


def respondents_sql(
    where: str, assigned: str | None = None, *, before_0006: bool = False
) -> tuple[str, list]:
    """`SELECT id, k, survey_id` of the responses matching `where` (over r, i, e), with
    their keys, NULL while unsubmitted, a test or withdrawn (`assigned`: see key_sql)."""
    key, params = key_sql(assigned=assigned)
    uncounted, flags = (UNCOUNTED_SQL_BEFORE_0006, []) if before_0006 else (UNCOUNTED_SQL, [True])
    sql = (
        f"SELECT r.id AS id, CASE WHEN {uncounted} THEN NULL ELSE {key} END AS k, "  # noqa: S608
        f"i.survey_id AS survey_id FROM {Response._meta.db_table} r "
        f"JOIN {Invitation._meta.db_table} i ON i.id = r.invitation_id "
        f"JOIN {Expert._meta.db_table} e ON e.id = i.expert_id WHERE {where}"
    )
    return sql, flags + params


def answers_regroup_sql(where: str, *, before_0006: bool = False) -> tuple[str, list]:
    """One UPDATE that sets survey_id and group_key on the answers of the responses
    matching `where`, from their response, invitation and expert as they are now."""
    select, params = respondents_sql(where, before_0006=before_0006)
    table = Answer._meta.db_table
    sql = (
        f"UPDATE {table} SET group_key = keyed.k, survey_id = keyed.survey_id "  # noqa: S608
        f"FROM ({select}) keyed WHERE {table}.response_id = keyed.id"
    )
    return sql, params


def answers_regroup_run(cursor, *, where: str, params: list, before_0006: bool = False) -> int:
    sql, key_params = answers_regroup_sql(where, before_0006=before_0006)
    cursor.execute(sql, key_params + list(params))
    return cursor.rowcount


def answers_backfill(cursor) -> int:
    """Every answer's survey and, where submitted, group key, from scratch (migration 0002)."""
    return answers_regroup_run(cursor, where="1 = 1", params=[], before_0006=True)
