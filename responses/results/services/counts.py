"""The answers' group keys and the kept counts of the results: AnswerCount and GroupSize
(responses/models.py).

Counting millions of answers for every snapshot costs as much as counting them; the counts
instead change with each write that changes them, inside the same transaction as the key
writes (results/group_keys.py):
- response_submit and the import of responses add their responses (+1);
- answers_regroup takes the expert's responses out of their old group (-1), rewrites the
  keys, and adds them to the new one (+1);
- the admin's deletions of responses, invitations and experts, and the researchers' (a
  response deleted, the test responses deleted: fieldwork/services/respondents.py), go
  through records_delete, which takes their submitted responses away (-1) before the rows go;
- withdrawing a response takes it away (-1), then keys its answers as uncounted: test and
  withdrawn responses never count (group_keys.UNCOUNTED_SQL);
- anonymising keeps the keys, so the counts too; deleting a survey cascades to its counts.

A deletion any other way (a shell, a direct SQL fix) changes no count. So before the results
are read, `counts_fresh` (results/selectors.py) compares the survey's respondents by the kept
counts with its submitted responses (one cheap indexed count) and `counts_rebuild` recounts
the survey from its answers when they differ. The manual "Recompute now" always rebuilds:
exact, slower, and a repair researchers can always run.

Every writer first locks its surveys' rows (FOR NO KEY UPDATE: answers may still be saved),
so an addition and a rebuild of the same survey never interleave, and two additions never
lock count rows in opposite orders.
"""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ...audit import audit_log
from ...models import Answer, AnswerCount, Expert, GroupSize, Invitation, Response, Survey
from .. import group_keys

BATCH = 1000  # responses per statement, well under SQLite's limit of parameters

# Only table names from the models are formatted into the SQL below; values are parameters.
ANSWERS = Answer._meta.db_table
CELLS = AnswerCount._meta.db_table
SIZES = GroupSize._meta.db_table


def answers_group(*, response_ids: list[int]) -> int:
    """One UPDATE per 1,000 responses: their answers get their survey and, once submitted,
    their respondent's group key. Returns the number of answers written."""
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(response_ids), BATCH):
            batch = response_ids[start : start + BATCH]
            where = f"r.id IN ({', '.join(['%s'] * len(batch))})"
            written += group_keys.answers_regroup_run(cursor, where=where, params=batch)
    return written


@transaction.atomic
def answers_regroup(*, expert: Expert, previous_sector: str, actor=None) -> list[int]:
    """After a change to the expert's sector from `previous_sector`: rewrite the keys of
    their answers, move their responses in the kept counts from the old group to the new,
    and mark the results of every survey they submitted to stale. Returns those surveys'
    ids."""
    # Lock the expert's responses: a submission in flight either commits first (and is
    # regrouped here) or waits, then keys its answers from the sector as saved now.
    responses = list(
        Response.objects.select_for_update(of=("self",))
        .filter(invitation__expert=expert)
        .values_list("pk", "submitted_at", "invitation__survey_id")
    )
    response_ids = [pk for pk, _, _ in responses]
    # Out of the old group by the keys the answers still carry (and, for the respondents,
    # by the old sector: the new one is already saved), then in again under the new keys.
    counts_add(response_ids=response_ids, sign=-1, assigned=previous_sector)
    answers_group(response_ids=response_ids)
    counts_add(response_ids=response_ids, sign=1)
    survey_ids = sorted({survey_id for _, submitted, survey_id in responses if submitted})
    Survey.objects.filter(pk__in=survey_ids, results_stale_since__isnull=True).update(
        results_stale_since=timezone.now()
    )
    for survey in Survey.objects.filter(pk__in=survey_ids):
        audit_log(
            action="expert.regrouped",
            survey=survey,
            actor=actor,
            data={"expert": expert.pk, "sector": expert.sector},
        )
    return survey_ids


@transaction.atomic
def records_delete(*, records) -> None:
    """Delete experts, invitations or responses (a queryset of one of them: the admin's
    deletions). Their submitted responses leave the kept counts first, and their surveys'
    results are marked stale, so the next refresh no longer shows them."""
    path = {Expert: "invitation__expert__in", Invitation: "invitation__in", Response: "pk__in"}
    # Locked, as the regrouping locks them: a submission in flight commits first or waits.
    rows = list(
        Response.objects.select_for_update(of=("self",))
        .filter(**{path[records.model]: records.values("pk")})
        .values_list("pk", "submitted_at", "invitation__survey_id")
    )
    submitted = [(pk, survey_id) for pk, when, survey_id in rows if when is not None]
    counts_add(response_ids=[pk for pk, _ in submitted], sign=-1)
    Survey.objects.filter(
        pk__in={survey_id for _, survey_id in submitted}, results_stale_since__isnull=True
    ).update(results_stale_since=timezone.now())
    records.delete()


def _surveys_lock(survey_ids) -> None:
    list(
        Survey.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(set(survey_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _cells_add_sql(where: str) -> str:
    # ORDER BY: rows (and so their locks) in one order for every writer. The SELECT has a
    # WHERE clause, which SQLite needs to read the ON CONFLICT that follows.
    return (
        f"INSERT INTO {CELLS} (survey_id, group_key, statement_id, value, n) "  # noqa: S608
        f"SELECT survey_id, group_key, statement_id, value, %s * count(*) FROM {ANSWERS} "
        f"WHERE {where} AND group_key IS NOT NULL AND value IS NOT NULL "
        f"GROUP BY survey_id, group_key, statement_id, value "
        f"ORDER BY survey_id, group_key, statement_id, value "
        f"ON CONFLICT (survey_id, group_key, statement_id, value) "
        f"DO UPDATE SET n = {CELLS}.n + excluded.n"
    )


def _sizes_add_sql(where: str, assigned: str | None = None) -> tuple[str, list]:
    respondents, params = group_keys.respondents_sql(where, assigned=assigned)
    sql = (
        f"INSERT INTO {SIZES} (survey_id, group_key, n) "  # noqa: S608
        f"SELECT survey_id, k, %s * count(*) FROM ({respondents}) resp WHERE k IS NOT NULL "
        f"GROUP BY survey_id, k ORDER BY survey_id, k "
        f"ON CONFLICT (survey_id, group_key) DO UPDATE SET n = {SIZES}.n + excluded.n"
    )
    return sql, params


def counts_add(*, response_ids: list[int], sign: int, assigned: str | None = None) -> None:
    """Add (sign=1) or take away (sign=-1) the submitted responses' answers and respondents,
    by the keys their answers carry now and the key rule over their respondents now.

    `assigned`: count the respondents as if their expert's sector were this code. The
    regrouping takes its responses away after the admin saved the new sector, while their
    answers still carry the old keys; it passes the old sector so both leave the same group.
    """
    if sign not in (1, -1):
        raise ValueError("sign must be 1 or -1")
    response_ids = list(response_ids)
    survey_ids = set()
    for start in range(0, len(response_ids), BATCH):
        batch = response_ids[start : start + BATCH]
        survey_ids.update(
            Invitation.objects.filter(response__pk__in=batch).values_list("survey_id", flat=True)
        )
    _surveys_lock(survey_ids)
    with connection.cursor() as cursor:
        for start in range(0, len(response_ids), BATCH):
            batch = response_ids[start : start + BATCH]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(_cells_add_sql(f"response_id IN ({marks})"), [sign, *batch])
            sql, key_params = _sizes_add_sql(f"r.id IN ({marks})", assigned=assigned)
            cursor.execute(sql, [sign, *key_params, *batch])


def counts_rebuild_run(cursor, *, survey_id: int | None = None) -> None:
    """Delete and recount from the answers and responses: one survey's, or (None, for the
    migration's backfill) every survey's. Plain SQL on a cursor, so a migration can run it."""
    # Every survey at once only in migration 0003's backfill, under the rule of that time.
    if survey_id is None:
        where_cells, where_sizes, params = "1 = 1", "r.submitted_at IS NOT NULL", []
    else:
        where_cells = "survey_id = %s"
        where_sizes = "i.survey_id = %s AND r.submitted_at IS NOT NULL"
        params = [survey_id]
    if connection.vendor == "postgresql":
        # LOCAL: until the transaction ends. JIT compiling costs more than this query; and
        # grouping in index order (index answer_results) beats hashing 30,000 groups, which
        # the planner underrates (bench/RESULTS.md). A recount of millions of answers may
        # outlast the statement timeout meant for requests; it runs in a task, which its own
        # time limit bounds.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL enable_hashagg = off")
        cursor.execute(f"SET LOCAL statement_timeout = '{int(settings.CELERY_TASK_TIME_LIMIT)}s'")
    cursor.execute(f"DELETE FROM {CELLS} WHERE {where_cells}", params)  # noqa: S608
    cursor.execute(f"DELETE FROM {SIZES} WHERE {where_cells}", params)  # noqa: S608
    cursor.execute(
        f"INSERT INTO {CELLS} (survey_id, group_key, statement_id, value, n) "  # noqa: S608
        f"SELECT survey_id, group_key, statement_id, value, count(*) FROM {ANSWERS} "
        f"WHERE {where_cells} AND group_key IS NOT NULL AND value IS NOT NULL "
        f"GROUP BY survey_id, group_key, statement_id, value",
        params,
    )
    respondents, key_params = group_keys.respondents_sql(where_sizes, before_0006=survey_id is None)
    cursor.execute(
        f"INSERT INTO {SIZES} (survey_id, group_key, n) "  # noqa: S608
        f"SELECT survey_id, k, count(*) FROM ({respondents}) resp WHERE k IS NOT NULL "
        f"GROUP BY survey_id, k",
        key_params + params,
    )
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL enable_hashagg TO DEFAULT")
        cursor.execute("SET LOCAL jit TO DEFAULT")
        cursor.execute("SET LOCAL statement_timeout TO DEFAULT")


def counts_rebuild(*, survey: Survey) -> None:
    """The survey's counts, exact, from a full count of its submitted answers: as slow as
    counting them (bench/RESULTS.md). Run in the caller's transaction, if any."""
    with transaction.atomic():
        _surveys_lock([survey.pk])
        with connection.cursor() as cursor:
            counts_rebuild_run(cursor, survey_id=survey.pk)
