"""The kept counts (AnswerCount, GroupSize) always equal a count of the submitted answers and
responses: kept at submission, regrouping and import, recounted when a deletion leaves them
behind, and by the manual recompute."""

import csv
import io

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from responses.fieldwork.services.experts import expert_save, invitation_create
from responses.models import AnswerCount, Job, Response
from responses.respondent.services import (
    AnswerInput,
    answers_save,
    response_start,
)
from responses.results import group_keys
from responses.results.selectors import counts_fresh
from responses.results.services import snapshots as results
from responses.results.services.counts import answers_group, counts_rebuild
from responses.results.services.imports import responses_import
from tests.factories import counted, kept, respond

pytestmark = pytest.mark.django_db

SECTORS = ["", "agi_lab", "academia", "civil_society", "other"]
STATED = [[], ["agi_lab"], ["academia", "agi_lab"], ["think_tank"], ["government"]]
GENDERS = ["", "man", "woman", "another"]


def regroup(response: Response, sector: str) -> None:
    """What the admin does on a change of the expert's sector."""
    expert = response.invitation.expert
    expert.refresh_from_db()
    expert.sector = sector
    expert_save(expert=expert)


def test_counts_after_submissions_equal_a_count_of_the_answers(survey):
    respond(survey, answers={1: 2, 2: -88, 3: None}, sector="academia", gender="woman")
    respond(survey, answers={1: 2, 2: -1}, sector="academia", gender="woman")
    respond(survey, answers={}, sector="agi_lab", stated=["agi_lab"])  # answered nothing
    started = response_start(
        invitation=invitation_create(survey=survey, email="late@example.org", name="Late")[0]
    )
    answers_save(
        response=started,
        answers=[AnswerInput(started.statement_order[0], 1, None)],
        link_hash=started.invitation.link_hash,
    )
    assert kept(survey) == counted(survey)
    assert sum(kept(survey)[1].values()) == 3
    assert counts_fresh(survey_id=survey.pk)


def test_counts_regroup_moves_answers_and_respondent(survey):
    moved = respond(survey, answers={1: 2, 2: 1}, sector="academia")
    respond(survey, answers={1: 1}, sector="academia")
    academia = group_keys.group_key(assigned="academia", sectors=[], gender="")
    other = group_keys.group_key(assigned="other", sectors=[], gender="")
    regroup(moved, "other")
    cells, sizes = kept(survey)
    assert (cells, sizes) == counted(survey)
    assert sizes == {academia: 1, other: 1}
    assert {key for key, _, _ in cells} == {academia, other}
    assert counts_fresh(survey_id=survey.pk)


def test_counts_admin_sector_change_moves_the_counts(admin_client, survey):
    moved = respond(survey, answers={1: 2}, sector="academia", gender="man")
    expert = moved.invitation.expert
    data = {"name": expert.name, "email": expert.email, "sector": "agi_lab"}
    data |= {"affiliation": expert.affiliation, "attributes": "{}"}
    page = admin_client.post(reverse("admin:responses_expert_change", args=[expert.pk]), data)
    assert page.status_code == 302
    assert kept(survey) == counted(survey)
    assert kept(survey)[1] == {
        group_keys.group_key(assigned="agi_lab", sectors=[], gender="man"): 1
    }


def test_counts_import_adds_them(survey):
    respond(survey, answers={1: 1}, sector="other")
    header = ["respondent", "sector", "gender"] + [f"S{n}" for n in range(1, 51)]
    rows = [
        ["a", "academia", "woman", "2", "DK"] + [""] * 48,
        ["b", "civil_society", "", "-1", ""] + [""] * 48,
        ["c", "", "", ""] + [""] * 49,
    ]
    stream = io.StringIO()
    csv.writer(stream).writerows([header, *rows])
    responses_import(survey=survey, data=stream.getvalue().encode(), filename="in.csv")
    assert kept(survey) == counted(survey)
    assert sum(kept(survey)[1].values()) == 4
    assert counts_fresh(survey_id=survey.pk)


def test_counts_deleted_response_is_recounted_before_a_snapshot(survey):
    first = respond(survey, answers={1: 2, 2: 2}, sector="academia")
    respond(survey, answers={1: -2}, sector="agi_lab")
    first.delete()  # as the admin's delete does: no service sees it
    assert not counts_fresh(survey_id=survey.pk)
    snapshot = results.snapshot_create(survey=survey)
    assert snapshot.respondents == 1
    assert kept(survey) == counted(survey)
    assert counts_fresh(survey_id=survey.pk)


def test_counts_deleted_invitation_is_recounted_before_a_snapshot(survey):
    respond(survey, answers={1: 2}, sector="academia")
    gone = respond(survey, answers={1: -2}, sector="agi_lab")
    gone.invitation.delete()
    answers, sizes = results.count_tables_checked(survey=survey)
    assert sizes["n"].sum() == 1 and answers["n"].sum() == 1
    assert kept(survey) == counted(survey)


def test_counts_recompute_job_rebuilds_them(survey, researcher):
    respond(survey, answers={1: 2, 2: 1}, sector="academia")
    respond(survey, answers={1: 0}, sector="other")
    exact = results.snapshot_create(survey=survey)
    # Counts gone wrong with the respondents still matching: only a rebuild sees it.
    AnswerCount.objects.filter(survey=survey).update(n=7)
    assert counts_fresh(survey_id=survey.pk)
    job = Job.objects.create(survey=survey, kind=results.JOB_RECOMPUTE, created_by=researcher)
    job = results.recompute_job_run(job=job)
    assert job.status == Job.Status.DONE
    assert job.result["fingerprint"] == exact.fingerprint
    assert kept(survey) == counted(survey)


def test_counts_rebuild_equals_the_kept_counts(survey):
    respond(survey, answers={1: 2, 2: -88}, sector="academia", stated=["think_tank"])
    respond(survey, answers={1: 1}, sector="academia", gender="another")
    before = kept(survey)
    counts_rebuild(survey=survey)
    assert kept(survey) == before == counted(survey)


def test_counts_direct_responses_are_counted_before_the_results(survey):
    """A response written without the services (a direct SQL fix, say) is recounted."""
    respond(survey, answers={1: 1}, sector="academia")
    unsubmitted = respond(survey, answers={1: 2}, sector="other", submitted=False)
    Response.objects.filter(pk=unsubmitted.pk).update(submitted_at=timezone.now())
    answers_group(response_ids=[unsubmitted.pk])
    assert not counts_fresh(survey_id=survey.pk)
    results.count_tables_checked(survey=survey)
    assert kept(survey) == counted(survey)


answer_maps = st.dictionaries(
    st.integers(1, 4), st.sampled_from([-2, -1, 0, 1, 2, -88, None]), max_size=4
)
operation = st.one_of(
    st.tuples(
        st.just("submit"),
        answer_maps,
        st.sampled_from(SECTORS),
        st.sampled_from(STATED),
        st.sampled_from(GENDERS),
    ),
    st.tuples(st.just("regroup"), st.integers(0, 20), st.sampled_from(SECTORS)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operation, max_size=8))
def test_counts_equal_a_count_after_any_submissions_regroupings_and_deletions(survey, operations):
    with transaction.atomic():
        responses, deleted = [], False
        for step in operations:
            if step[0] == "submit":
                _, answers, sector, stated, gender = step
                responses.append(
                    respond(survey, answers=answers, sector=sector, stated=stated, gender=gender)
                )
            elif responses and step[0] == "regroup":
                regroup(responses[step[1] % len(responses)], step[2])
            elif responses:
                responses.pop(step[1] % len(responses)).delete()
                deleted = True
        if not deleted:
            # Kept at every write: right without any recount.
            assert counts_fresh(survey_id=survey.pk)
            assert kept(survey) == counted(survey)
        results.count_tables_checked(survey=survey)
        assert kept(survey) == counted(survey)
        transaction.set_rollback(True)
