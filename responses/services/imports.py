"""Answers collected elsewhere, imported from the wide format, all or nothing."""

import uuid

from django.db import transaction
from django.utils import timezone

from ..exports import parse_wide, read_table
from ..models import SECTOR_GROUPS, Answer, Expert, Invitation, Response, Survey
from . import links
from .audit import audit_log
from .counts import counts_add
from .grouping import answers_group

# A collapsed sector is stored as one stated code that collapses back to it.
STATED_FOR_GROUP = {
    "agi_lab": "agi_lab",
    "academia": "academia",
    "civil_society": "nonprofit",
    "other": "other",
    "prefer_not_to_say": "prefer_not_to_say",
}
ASSIGNED_CODES = {code for code, _ in SECTOR_GROUPS}


class ImportRefused(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def responses_import(*, survey: Survey, data: bytes, filename: str, actor=None) -> int:
    """Import every row as a submitted response, or nothing; returns the number imported.

    Imported respondents get a placeholder expert (no name, an unroutable address) and a
    revoked link: they exist only to carry the answers. The sector column sets both the
    stated and the researcher-assigned sector, so the round trip export → import gives the
    same results wherever the two agreed in the source survey."""
    numbers = dict(survey.statements.values_list("number", "pk"))
    try:
        rows = read_table(data, filename)
    except ValueError as error:
        raise ImportRefused([str(error)]) from None
    people, errors = parse_wide(rows, numbers)
    if errors:
        raise ImportRefused(errors)
    with transaction.atomic():
        _create(survey, people)
        Survey.objects.filter(pk=survey.pk, results_stale_since__isnull=True).update(
            results_stale_since=timezone.now()
        )
        audit_log(
            action="responses.imported",
            survey=survey,
            actor=actor,
            data={"respondents": len(people), "file": filename},
        )
    return len(people)


def _create(survey: Survey, people) -> None:
    now = timezone.now()
    batch = uuid.uuid4().hex[:12]
    experts = Expert.objects.bulk_create(
        [
            Expert(
                name=f"Imported respondent {person.respondent}",
                email=f"{batch}-{index}@import.invalid",
                sector=person.sector if person.sector in ASSIGNED_CODES else "",
            )
            for index, person in enumerate(people)
        ]
    )
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                survey=survey,
                expert=expert,
                submitted_at=now,
                revoked_at=now,
                **links.link_fields_new(),
            )
            for expert in experts
        ]
    )
    default_order = list(survey.statements.order_by("number").values_list("pk", flat=True))
    responses = Response.objects.bulk_create(
        [
            Response(
                invitation=invitation,
                consented_at=now,
                submitted_at=now,
                statement_order=person.order or default_order,
                sectors=[STATED_FOR_GROUP.get(person.sector, person.sector)]
                if person.sector
                else [],
                gender=person.gender,
                open_answer=person.open_answer,
            )
            for invitation, person in zip(invitations, people, strict=True)
        ]
    )
    Answer.objects.bulk_create(
        [
            Answer(
                response=response,
                survey=survey,
                statement_id=statement_id,
                value=value,
                updated_at=now,
            )
            for response, person in zip(responses, people, strict=True)
            for statement_id, value in person.answers.items()
        ],
        batch_size=5000,
    )
    answers_group(response_ids=[response.pk for response in responses])
    counts_add(response_ids=[response.pk for response in responses], sign=1)
