"""The survey's consensus rule: chosen before data collection, frozen when the survey opens
(a fingerprint of the rule and the time), and after that changed only as a recorded
deviation with its reason (ConsensusDeviation), which the results page shows.

The frozen fingerprint stays the pre-registration's: a deviation records the rule and the
fingerprint before and after, so the results can always show what was registered."""

from django.db import transaction
from django.utils import timezone

from ...audit import audit_log
from ...models import ConsensusDeviation, Survey
from ..consensus_rules import rule_clean, rule_fingerprint

ERROR_REASON = "The rule was fixed when the survey opened: give the reason for changing it."
ERROR_UNCHANGED = "This is the rule already in use: nothing to change."


class ConsensusRuleError(ValueError):
    pass


def consensus_rule_freeze(*, survey: Survey, actor=None) -> Survey:
    """Fix the rule as it is now (no rule included: adding one later is a deviation). Called
    when the survey opens; does nothing if already frozen."""
    now = timezone.now()
    digest = rule_fingerprint(survey.consensus_rule)
    frozen = Survey.objects.filter(pk=survey.pk, consensus_frozen_at__isnull=True).update(
        consensus_frozen_at=now, consensus_fingerprint=digest
    )
    if frozen:
        survey.consensus_frozen_at, survey.consensus_fingerprint = now, digest
        audit_log(
            action="consensus.frozen", survey=survey, actor=actor, data={"fingerprint": digest}
        )
    return survey


@transaction.atomic
def consensus_rule_set(*, survey: Survey, rule: dict, reason: str = "", actor=None) -> Survey:
    """Choose the rule; once frozen, a change needs a reason and is recorded as a deviation.
    The results are marked stale, so the verdicts follow the new rule."""
    try:
        rule = rule_clean(rule)
    except ValueError as error:
        raise ConsensusRuleError(str(error)) from None
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    before = rule_clean(survey.consensus_rule)
    if rule == before:
        raise ConsensusRuleError(ERROR_UNCHANGED)
    reason = reason.strip()
    if survey.consensus_frozen_at is not None:
        if not reason:
            raise ConsensusRuleError(ERROR_REASON)
        ConsensusDeviation.objects.create(
            survey=survey,
            actor=actor,
            reason=reason,
            rule_before=before,
            rule_after=rule,
            fingerprint_before=rule_fingerprint(before),
            fingerprint_after=rule_fingerprint(rule),
        )
    survey.consensus_rule = rule
    survey.results_stale_since = survey.results_stale_since or timezone.now()
    survey.save(update_fields=["consensus_rule", "results_stale_since"])
    audit_log(
        action="consensus.deviated" if survey.consensus_frozen_at else "consensus.chosen",
        survey=survey,
        actor=actor,
        data={"rule": rule, "reason": reason},
    )
    return survey
