"""After the statements: the background questions (autosaved like answers), the review,
submission, the thank-you page, and declining."""

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import languages, selectors, services
from ..forms import BackgroundForm, DeclineForm
from ..session import (
    in_expert_language,
    json_refusal,
    private,
    respondent_view,
    session_invitation,
)


def _background_form(request, invitation) -> BackgroundForm:
    response = invitation.response
    initial = {
        "sectors": response.sectors,
        "gender": response.gender,
        "open_answer": response.open_answer,
    }
    posted = request.POST if request.method == "POST" else None
    return BackgroundForm(posted, initial=initial, survey=invitation.survey)


def _background_save(invitation, form: BackgroundForm) -> None:
    response = invitation.response
    services.response_background_save(
        response=response, link_hash=invitation.link_hash, **form.answers(response)
    )


@private
@require_http_methods(["GET", "POST"])
@respondent_view()
def background(request, invitation):
    response = invitation.response
    survey = invitation.survey
    form = _background_form(request, invitation)
    last = selectors.page_count(response=response, per_page=survey.statements_per_page)
    if request.method == "POST" and form.is_valid():
        _background_save(invitation, form)
        if request.POST.get("goto") == "previous":
            return redirect("respondent:page", number=last)
        return redirect("respondent:review")
    context = {
        "survey": survey,
        "form": form,
        "questions": len(form.fields),
        "asks_groups": "sectors" in form.fields or "gender" in form.fields,
        "answered": selectors.answered_count(response=response),
        "total": len(response.statement_order),
        "page_total": last,
    }
    status = 400 if form.errors else 200
    return render(request, "respondent/background.html", context, status=status)


@private
@require_POST
@respondent_view(json=True)
def background_autosave(request, invitation):
    """The background form, posted whole by questionnaire.js whenever a field changes; the
    write rule refuses as it does for answers."""
    form = _background_form(request, invitation)
    if not form.is_valid():
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return json_refusal("invalid", message, 400)
    try:
        _background_save(invitation, form)
    except services.RespondentError as error:
        return json_refusal("invalid", str(error), 400)
    return JsonResponse({"saved": True})


@private
@require_GET
@respondent_view()
def review(request, invitation):
    return render(request, "respondent/review.html", _review_context(invitation))


def _review_context(invitation, errors=()) -> dict:
    response = invitation.response
    survey = invitation.survey
    groups = selectors.unanswered_by_page(response=response, per_page=survey.statements_per_page)
    context = {
        "survey": survey,
        "response": response,
        "unanswered_groups": groups,
        "unanswered_count": sum(len(group["statements"]) for group in groups),
        "answered": selectors.answered_count(response=response),
        "total": len(response.statement_order),
        "background_missing": not (response.sectors or response.gender or response.open_answer),
        "reasons_missing": services.response_reasons_missing(response=response),
        "errors": list(errors),
    }
    return context


def _submitted(request) -> bool:
    invitation = session_invitation(request)
    response = selectors.response_or_none(invitation) if invitation else None
    return response is not None and response.submitted_at is not None


@private
@require_POST
def submit(request):
    if _submitted(request):
        # A double click or a second tab: the same thank-you page, one submission time.
        return redirect("respondent:thanks")
    return _submit(request)


# A second tab may submit between the check above and the gate: the service is idempotent,
# so let it through to the same thank-you page.
@respondent_view(allow_submitted=True)
def _submit(request, invitation):
    # A revised answer still without its reason: nothing submitted, the review says which.
    missing = services.response_reasons_missing(response=invitation.response)
    if missing and invitation.response.submitted_at is None:
        names = ", ".join(statement.title for statement in missing)
        error = translation.gettext(services.ERROR_REASON).format(statements=names)
        context = _review_context(invitation, errors=[error])
        return render(request, "respondent/review.html", context, status=400)
    services.response_submit(response=invitation.response)
    return redirect("respondent:thanks")


@private
@require_GET
@in_expert_language
def thanks(request):
    invitation = session_invitation(request)
    if invitation is None:
        return render(request, "respondent/session_expired.html", status=403)
    response = selectors.response_or_none(invitation)
    if response is None or response.submitted_at is None:
        return redirect("respondent:landing")
    survey = languages.survey_in_language(survey=invitation.survey, language=response.language)
    return render(request, "respondent/thanks.html", {"survey": survey, "response": response})


@private
@require_http_methods(["GET", "POST"])
@respondent_view(need_response=False)
def decline(request, invitation):
    if invitation.submitted_at is not None:
        return redirect("respondent:landing")
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.invitation_decline(invitation=invitation, reason=form.cleaned_data["reason"])
        return render(
            request,
            "respondent/declined.html",
            {"survey": invitation.survey, "invitation": invitation},
        )
    context = {"survey": invitation.survey, "invitation": invitation, "form": form}
    return render(request, "respondent/decline.html", context, status=400 if form.errors else 200)
