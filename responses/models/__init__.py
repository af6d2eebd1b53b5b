"""The app's models, one module per part of a study; every model is importable from here, as
Django and the migrations expect (`responses.models.Survey`, `responses.models.new_pseudonym`)."""

from .panel import Answer, Expert, Invitation, Response, new_pseudonym
from .records import AnswerCount, AuditEvent, EmailDelivery, GroupSize, Job, ResultsSnapshot
from .rounds import FeedbackShown, SharedReason
from .surveys import (
    ConsensusDeviation,
    ScheduledSend,
    Section,
    Survey,
    SurveyItem,
    default_languages,
)

__all__ = [
    "Answer", "AnswerCount", "AuditEvent", "ConsensusDeviation", "EmailDelivery", "Expert",
    "FeedbackShown", "GroupSize", "Invitation", "Job", "Response", "ResultsSnapshot",
    "ScheduledSend", "Section", "SharedReason", "Survey", "SurveyItem", "default_languages",
    "new_pseudonym",
]  # fmt: skip
