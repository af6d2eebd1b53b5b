"""The landing page (who is asking, consent, where the expert stopped), consent and the
privacy notice."""

from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from .. import languages, selectors, services
from ..forms import ConsentForm
from ..session import private, respondent_view


def _progress(invitation, response) -> dict:
    answered = selectors.answered_ids(response=response)
    per_page = invitation.survey.statements_per_page
    return {
        "answered": len(answered),
        "total": len(response.statement_order),
        "resume_page": selectors.resume_page(
            response=response, per_page=per_page, answered=answered
        ),
    }


def _landing_context(invitation, response, form) -> dict:
    context = {"survey": invitation.survey, "invitation": invitation, "response": response}
    if response is None:
        context["statement_count"] = selectors.survey_statement_count(survey=invitation.survey)
        # Chosen before consent only: the wording an expert answered stays in one language.
        context["languages"] = languages.language_choices(survey=invitation.survey)
    else:
        context |= _progress(invitation, response)
        context["statement_count"] = context["total"]
    context["form"] = form
    return context


@private
@require_GET
@respondent_view(need_response=False)
def landing(request, invitation):
    response = selectors.response_or_none(invitation)
    if response is not None and response.submitted_at is not None:
        context = {"survey": invitation.survey, "invitation": invitation, "response": response}
        context["answers"] = selectors.answer_rows(response=response)
        context["background"] = selectors.background_rows(
            survey=invitation.survey, response=response
        )
        return render(request, "respondent/submitted.html", context)
    context = _landing_context(invitation, response, ConsentForm())
    return render(request, "respondent/landing.html", context)


@private
@require_POST
@respondent_view(need_response=False)
def consent(request, invitation):
    """Consent, or "Continue where you stopped": the page of the first unanswered statement."""
    response = selectors.response_or_none(invitation)
    if response is not None and response.submitted_at is not None:
        return redirect("respondent:landing")
    form = ConsentForm(request.POST)
    if response is None and not form.is_valid():
        context = _landing_context(invitation, None, form)
        return render(request, "respondent/landing.html", context, status=400)
    response = services.response_start(invitation=invitation, language=translation.get_language())
    resume = _progress(invitation, response)["resume_page"] if response.statement_order else 1
    if resume is None:
        return redirect("respondent:review")
    return redirect("respondent:page", number=resume)


@private
@require_GET
@respondent_view(need_response=False, always=True)
def privacy(request, invitation):
    return render(request, "respondent/privacy.html", {"survey": invitation.survey})
