from .models import AuditEvent


def audit_event(
    *, action: str, survey=None, invitation=None, actor=None, actor_label="", data=None
):
    """An unsaved audit event. `action` is a dotted name such as `expert.submitted`."""
    if invitation is not None and survey is None:
        survey = invitation.survey
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    return AuditEvent(
        survey=survey,
        invitation=invitation,
        actor=actor,
        actor_label=actor_label,
        action=action,
        data=data or {},
    )


def audit_log(**event):
    """Record who did what (see `audit_event` for the arguments)."""
    entry = audit_event(**event)
    entry.save()
    return entry
