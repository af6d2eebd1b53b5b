"""Keeping each answer's stored group key equal to its respondent's (responses/grouping.py)."""

from django.db import connection, transaction
from django.utils import timezone

from ..grouping import answers_regroup_run
from ..models import Expert, Response, Survey
from .audit import audit_log
from .counts import counts_add

BATCH = 1000  # responses per UPDATE, well under SQLite's limit of parameters


def answers_group(*, response_ids: list[int]) -> int:
    """One UPDATE per 1,000 responses: their answers get their survey and, once submitted,
    their respondent's group key. Returns the number of answers written."""
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(response_ids), BATCH):
            batch = response_ids[start : start + BATCH]
            where = f"r.id IN ({', '.join(['%s'] * len(batch))})"
            written += answers_regroup_run(cursor, where=where, params=batch)
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
