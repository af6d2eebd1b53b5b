from ..models import AuditEvent


def audit_log(*, action: str, survey=None, invitation=None, actor=None, actor_label="", data=None):
    """Record who did what. `action` is a dotted name such as `expert.submitted`."""
    if invitation is not None and survey is None:
        survey = invitation.survey
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    return AuditEvent.objects.create(
        survey=survey,
        invitation=invitation,
        actor=actor,
        actor_label=actor_label,
        action=action,
        data=data or {},
    )
