"""Steps the fault tests run inside the site's own environment (their servers, production
settings), through the real services: `python -m tests.faults.act STEP '{json}'` prints
one line of JSON.

  seed     an open survey, a signed-in researcher and experts (who consented if asked)
  send     invite every expert not yet invited
  sweep    the beat's sweeps as they would run `minutes` from now
"""

import json
import sys
from datetime import timedelta


def seed(*, experts: int, consented: bool = True) -> dict:
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from responses.fieldwork.services.experts import invitation_create
    from responses.fieldwork.services.lifecycle import survey_create
    from responses.links import link_secret
    from responses.models import Survey
    from responses.respondent.services import response_start

    user = get_user_model().objects.create_user("rita", "rita@example.org", is_staff=True)
    survey = survey_create(
        slug="faults", title="Faults", order=Survey.Order.QUESTIONNAIRE, owner=user
    )
    secrets, ids = [], []
    for number in range(experts):
        invitation, _ = invitation_create(
            survey=survey, email=f"expert{number}@example.org", name=f"Expert {number}"
        )
        if consented:
            response_start(invitation=invitation)
        secrets.append(link_secret(invitation.link_nonce))
        ids.append(invitation.pk)
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    session.create()
    return {
        "survey": survey.slug,
        "secrets": secrets,
        "invitations": ids,
        "session": session.session_key,
    }


def send() -> dict:
    from responses.fieldwork.services import deliveries
    from responses.models import Invitation, Survey

    survey = Survey.objects.get(slug="faults")
    queued = deliveries.invitations_send(survey=survey, invitations=Invitation.objects.all())
    return {"queued": queued}


def sweep(*, minutes: float) -> dict:
    from django.utils import timezone

    from responses.fieldwork.services import deliveries
    from responses.results.services import snapshots

    later = timezone.now() + timedelta(minutes=minutes)
    return {
        "unknown": deliveries.deliveries_sweep(now=later),
        "requeued": deliveries.deliveries_requeue(now=later),
        "jobs_requeued": snapshots.recompute_jobs_requeue(now=later),
    }


STEPS = {"seed": seed, "send": send, "sweep": sweep}

if __name__ == "__main__":
    import django

    django.setup()
    step, arguments = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    print(json.dumps(STEPS[step](**arguments)))
