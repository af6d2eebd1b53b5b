"""The consensus rule: chosen, frozen when the survey opens, changed only as a deviation."""

import pytest
from django.urls import reverse

from responses.fieldwork.services.lifecycle import survey_create, survey_open
from responses.models import AuditEvent, ConsensusDeviation, Survey
from responses.results.analysis.consensus import rule_fingerprint
from responses.results.services import consensus, snapshots
from tests.factories import respond

pytestmark = pytest.mark.django_db
RULE = {"kind": "agree_pct", "threshold": 80, "every_sector": False}


@pytest.fixture
def draft(researcher):
    return survey_create(slug="draft", title="Draft", owner=researcher, status="draft")


def test_consensus_rule_chosen_before_opening_leaves_no_deviation(draft, researcher):
    consensus.consensus_rule_set(survey=draft, rule=RULE, actor=researcher)
    draft.refresh_from_db()
    assert draft.consensus_rule == RULE and draft.consensus_frozen_at is None
    assert not ConsensusDeviation.objects.exists()


def test_consensus_rule_frozen_when_the_survey_opens(draft, researcher):
    consensus.consensus_rule_set(survey=draft, rule=RULE, actor=researcher)
    survey_open(survey=Survey.objects.get(pk=draft.pk), actor=researcher, confirm_provisional=True)
    draft.refresh_from_db()
    assert draft.consensus_frozen_at is not None
    assert draft.consensus_fingerprint == rule_fingerprint(RULE)
    assert AuditEvent.objects.filter(action="consensus.frozen", survey=draft).exists()


def test_consensus_rule_change_after_freezing_needs_a_reason(survey, researcher):
    with pytest.raises(consensus.ConsensusRuleError, match=consensus.ERROR_REASON):
        consensus.consensus_rule_set(survey=survey, rule=RULE, actor=researcher)
    survey.refresh_from_db()
    assert survey.consensus_rule == {} and not ConsensusDeviation.objects.exists()


def test_consensus_rule_change_after_freezing_is_a_deviation(survey, researcher):
    frozen = survey.consensus_fingerprint
    consensus.consensus_rule_set(survey=survey, rule=RULE, reason="Reviewer 2", actor=researcher)
    deviation = ConsensusDeviation.objects.get()
    assert (deviation.rule_before, deviation.rule_after, deviation.reason) == (
        {},
        RULE,
        "Reviewer 2",
    )
    assert deviation.fingerprint_after == rule_fingerprint(RULE)
    survey.refresh_from_db()
    assert survey.consensus_fingerprint == frozen and survey.results_stale_since is not None


def test_consensus_rule_same_rule_is_refused(survey, researcher):
    with pytest.raises(consensus.ConsensusRuleError, match=consensus.ERROR_UNCHANGED):
        consensus.consensus_rule_set(survey=survey, rule={}, reason="x", actor=researcher)


def test_consensus_verdict_in_the_snapshot_follows_the_rule(survey, researcher):
    for value in (2, 1, 1, -1):
        respond(survey, answers={1: value, 2: 2})
    consensus.consensus_rule_set(survey=survey, rule=RULE, reason="r", actor=researcher)
    survey.refresh_from_db()
    tables = snapshots.snapshot_create(survey=survey).tables
    rows = {row["statement"]: row for row in tables["statements"]}
    assert rows[1]["consensus"] is False and rows[2]["consensus"] is True
    entry = tables["consensus"]["statements"][0]
    assert entry["definitions"]["agree_pct"] is True  # 75% meets the common 75% definition
    assert tables["consensus"]["rule_label"] == "≥ 80% agree"


def test_consensus_page_saves_a_deviation_with_its_reason(researcher_client, survey):
    url = reverse("research:results_consensus", args=[survey.slug])
    response = researcher_client.post(url, {"kind": "iqr", "reason": "Pilot showed ceiling"})
    assert response.status_code == 302
    assert ConsensusDeviation.objects.get().reason == "Pilot showed ceiling"
    page = researcher_client.get(url)
    assert "Pilot showed ceiling" in page.content.decode()


def test_consensus_page_refuses_a_change_without_reason(researcher_client, survey):
    url = reverse("research:results_consensus", args=[survey.slug])
    response = researcher_client.post(url, {"kind": "iqr"})
    assert response.status_code == 200
    assert consensus.ERROR_REASON in response.content.decode()
    survey.refresh_from_db()
    assert survey.consensus_rule == {}


def test_consensus_page_refuses_a_bad_threshold(researcher_client, survey):
    url = reverse("research:results_consensus", args=[survey.slug])
    response = researcher_client.post(url, {"kind": "agree_pct", "threshold": "101", "reason": "x"})
    assert response.status_code == 200 and not ConsensusDeviation.objects.exists()


def test_results_page_shows_intervals_consensus_and_group_tables(researcher_client, survey):
    for value in (2, 1, 1, -1, 0):
        respond(survey, answers={1: value}, sector="academia", stated=["academia"])
    snapshots.snapshot_create(survey=survey, order_effects=True)  # as Recompute does
    page = researcher_client.get(reverse("research:results", args=[survey.slug])).content.decode()
    assert "Uncertainty and consensus measures" in page and "Tastle–Wierman" in page
    assert "Pre-registered rule: <strong>none chosen</strong>" in page
    assert "AGI lab vs everyone else (academia + civil society" in page
    assert "groups-agi_lab_vs_rest-latex" in page
    assert "Order effects" in page and "Spearman" in page


def test_consensus_page_saves_a_stability_stop(draft, client, researcher):
    client.force_login(researcher)
    url = reverse("research:results_consensus", args=[draft.slug])
    data = {"kind": "iqr", "stop": "stability", "stability_pct": "10"}
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.consensus_rule == {
        "kind": "iqr", "every_sector": False, "stop": "stability", "stability_pct": 10
    }  # fmt: skip


def test_consensus_page_keeps_a_rule_without_stability_as_before(draft, client, researcher):
    client.force_login(researcher)
    url = reverse("research:results_consensus", args=[draft.slug])
    client.post(url, {"kind": "agree_pct", "threshold": "80", "stop": "consensus"})
    draft.refresh_from_db()
    assert draft.consensus_rule == RULE
    assert rule_fingerprint(draft.consensus_rule) == rule_fingerprint(RULE)


def test_consensus_page_refuses_a_stability_share_over_100(draft, client, researcher):
    client.force_login(researcher)
    url = reverse("research:results_consensus", args=[draft.slug])
    page = client.post(url, {"kind": "iqr", "stop": "stability", "stability_pct": "101"})
    assert page.status_code == 200 and b"less than or equal to 100" in page.content
    draft.refresh_from_db()
    assert draft.consensus_rule == {}
