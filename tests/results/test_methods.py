"""Fieldwork methods: AAPOR dispositions and rates, waves, early against late respondents,
item non-response; pure functions first, then from a survey's records."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from scipy import stats

from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import invitation_mark_bounced, invitation_revoke
from responses.models import EmailDelivery, Invitation, Response
from responses.respondent.services import invitation_decline
from responses.results import methods, methods_report
from tests.factories import respond

Case = methods.Case


@pytest.mark.parametrize(
    ("case", "code"),
    [
        (Case(submitted=True, started=True, answered=3), methods.COMPLETE),
        (Case(started=True, answered=5), methods.PARTIAL),
        (Case(started=True, answered=4), methods.BREAK_OFF),
        (Case(started=True), methods.BREAK_OFF),
        (Case(declined=True), methods.REFUSAL),
        (Case(submitted=True, withdrawn=True), methods.REFUSAL),
        (Case(bounced=True), methods.NON_CONTACT),
        (Case(revoked=True), methods.OTHER),
        (Case(), methods.UNKNOWN),
    ],
)
def test_disposition_of_each_case(case, code):
    assert methods.disposition(case, statements=10, partial_threshold=50) == code


def test_outcome_rates_follow_the_aapor_formulas():
    counts = {"complete": 50, "partial": 5, "refusal": 6, "break_off": 4, "non_contact": 5}
    counts |= {"other": 2, "unknown": 28}
    rates = methods.outcome_rates(counts, e=0.5)
    # I=50, P=5, R=10, NC=5, O=2, U=28
    assert rates["RR1"] == pytest.approx(50 / 100)
    assert rates["RR2"] == pytest.approx(55 / 100)
    assert rates["RR3"] == pytest.approx(50 / 86)
    assert rates["RR4"] == pytest.approx(55 / 86)
    assert rates["RR5"] == pytest.approx(50 / 72)
    assert rates["RR6"] == pytest.approx(55 / 72)
    assert rates["COOP1"] == pytest.approx(50 / 67)
    assert rates["COOP3"] == pytest.approx(50 / 65)
    assert rates["REF1"] == pytest.approx(10 / 100)
    assert rates["REF3"] == pytest.approx(10 / 72)
    assert rates["CON1"] == pytest.approx(67 / 100)
    assert rates["CON2"] == pytest.approx(67 / 86)
    assert rates["CON3"] == pytest.approx(67 / 72)


def test_outcome_rates_without_cases_are_none():
    assert set(methods.outcome_rates({}).values()) == {None}


def test_waves_count_completes_and_cumulative_rr1():
    rows = methods.waves([0, 0, 1, 2, 0], 10, [{"wave": 0, "emails": 10}, {"wave": 1, "emails": 7}])
    assert [(r["wave"], r["completes"], r["cumulative"]) for r in rows] == [
        (0, 3, 3),
        (1, 1, 4),
        (2, 1, 5),
    ]
    assert [r["cumulative_rr1"] for r in rows] == pytest.approx([0.3, 0.4, 0.5])
    assert [r["emails"] for r in rows] == [10, 7, 0]


def test_early_late_matches_scipy_mann_whitney():
    early = np.array([[1, 2, 3, 4, 5, 1]])
    late = np.array([[4, 3, 2, 1, 0, 2]])
    row = methods.early_late(early, late, [{"number": 7, "title": "T"}])[0]
    values = np.array([-2, -1, 0, 1, 2])
    expected = stats.mannwhitneyu(
        np.repeat(values, early[0, :5]), np.repeat(values, late[0, :5]), method="asymptotic"
    )
    assert row["p"] == pytest.approx(expected.pvalue)
    assert row["early_mean"] == pytest.approx(np.repeat(values, early[0, :5]).mean())
    assert row["late_dk_pct"] == pytest.approx(100 * 2 / 12)
    assert (row["early_n"], row["late_n"]) == (16, 12)
    assert row["p_holm"] == pytest.approx(row["p"])


def test_item_nonresponse_counts_blanks_and_dont_know():
    tables = {
        "respondents": 10,
        "statements": [{"statement": 1, "title": "T", "n": 8, "dont_know": 2}],
    }
    row = methods.item_nonresponse(tables)[0]
    assert (row["blank"], row["blank_pct"], row["dont_know_pct"]) == (2, 20.0, 20.0)


# ---------------------------------------------------------------- from the records


def _sent(invitation, when=None):
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=when or timezone.now())


def _field(survey, researcher):
    complete = respond(survey, answers={1: 2}, sector="agi_lab")
    partial = respond(survey, answers={n: 1 for n in range(1, 26)}, submitted=False)
    break_off = respond(survey, answers={1: 1}, submitted=False, sector="academia")
    for response in (complete, partial, break_off):
        _sent(response.invitation)
    declined, _ = invitation_create(survey=survey, email="d@example.org", name="D")
    _sent(declined)
    invitation_decline(invitation=declined, reason="busy")
    bounced, _ = invitation_create(survey=survey, email="b@example.org", name="B")
    _sent(bounced)
    invitation_mark_bounced(invitation=bounced, reason="550", actor=researcher)
    revoked, _ = invitation_create(survey=survey, email="r@example.org", name="R")
    _sent(revoked)
    invitation_revoke(invitation=revoked, actor=researcher)
    silent, _ = invitation_create(survey=survey, email="s@example.org", name="S")
    _sent(silent)
    invitation_create(survey=survey, email="never@example.org", name="Never sent")
    test, _ = invitation_create(survey=survey, email="t@example.org", name="Test")
    Invitation.objects.filter(pk=test.pk).update(is_test=True, sent_at=timezone.now())


def test_methods_report_gives_each_fielded_invitation_one_disposition(survey, researcher):
    _field(survey, researcher)
    report = methods_report.methods_report(survey=survey)
    counts = {row["code"]: row["n"] for row in report["dispositions"]}
    assert counts == {
        "complete": 1,
        "partial": 1,
        "refusal": 1,
        "break_off": 1,
        "non_contact": 1,
        "other": 1,
        "unknown": 1,
    }
    assert report["fielded"] == 7
    rates = {row["name"]: row["value"] for row in report["rates"]}
    assert rates["RR1"] == pytest.approx(1 / 7)
    assert rates["RR2"] == pytest.approx(2 / 7)
    sectors = {row["code"]: row["counts"] for row in report["by_sector"]}
    assert sectors["agi_lab"]["complete"] == 1 and sectors["academia"]["break_off"] == 1


def _remind(response, *, before_submission: bool):
    submitted = Response.objects.get(pk=response.pk).submitted_at
    offset = -timedelta(hours=1) if before_submission else timedelta(hours=1)
    EmailDelivery.objects.create(
        invitation=response.invitation,
        kind=EmailDelivery.Kind.REMINDER,
        round=1,
        status=EmailDelivery.Status.SENT,
        sent_at=submitted + offset,
    )


def test_methods_report_compares_early_and_late_respondents(survey):
    survey.min_group_size = 2
    survey.save()
    for value in (2, 2, 1):
        _remind(respond(survey, answers={1: value}), before_submission=False)
    for value in (-2, -1):
        _remind(respond(survey, answers={1: value}), before_submission=True)
    report = methods_report.methods_report(survey=survey)
    data = report["early_late"]
    assert (data["shown"], data["early_n"], data["late_n"]) == (True, 3, 2)
    row = next(row for row in data["rows"] if row["statement"] == 1)
    assert row["early_mean"] == pytest.approx(5 / 3)
    assert row["late_mean"] == pytest.approx(-1.5)
    waves = {row["wave"]: row["completes"] for row in report["waves"]}
    assert waves == {0: 3, 1: 2}


def test_methods_report_withholds_early_late_under_the_minimum(survey):
    _remind(respond(survey, answers={1: 2}), before_submission=True)
    for _ in range(5):
        respond(survey, answers={1: 1})
    data = methods_report.methods_report(survey=survey)["early_late"]
    assert (data["shown"], data["late_n"], data["rows"]) == (False, 1, [])
