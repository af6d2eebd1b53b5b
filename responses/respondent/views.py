"""The expert's pages. Each passes the gate in session.py (`respondent_view`), then makes
one service call at most; the link views put the invitation in the expert's session."""

import logging
import re
from functools import wraps

from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveysite.throttle import Throttle, failure_count, throttled_for

from . import languages, selectors, services
from .forms import BackgroundForm, ConsentForm, DeclineForm
from .session import (
    in_expert_language,
    json_refusal,
    private,
    respondent_view,
    session_invitation,
    session_link,
    session_remember,
)

# Secrets have 256 bits, so guessing cannot succeed; the limit keeps scanners from hammering
# the lookup. It counts only failures, so valid links keep working from a limited address too.
LINK_GUESSES = Throttle(group="respondent.link", rate="20/10m")
logger = logging.getLogger(__name__)
MESSAGE_UNAVAILABLE = gettext_noop(
    "Not saved yet: the server cannot save just now. Your choice stays on screen and is "
    "saved by itself."
)


def not_found(request, exception=None):
    with translation.override(languages.request_language(request)):
        return render(request, "404.html", status=404)


def _link_not_found(request):
    if not failure_count(request, LINK_GUESSES):
        return not_found(request)
    response = render(request, "respondent/too_many_links.html", status=429)
    response["Retry-After"] = str(max(throttled_for(request, LINK_GUESSES), 1))
    return response


def _open_link(request, secret: str, then: str):
    """Put the link's invitation in the session (a POST, or a GET that changes no other live
    session); while another invitation's session is live, a GET asks first: a link someone
    else sent must not silently take over the expert's session."""
    invitation = selectors.invitation_by_secret(secret=secret)
    if invitation is None:
        return _link_not_found(request)
    current = session_invitation(request) if request.method == "GET" else None
    if current is not None and current.pk != invitation.pk:
        context = {
            "current": current.survey,
            "new": invitation.survey,
            "same_survey": current.survey_id == invitation.survey_id,
        }
        return render(request, "respondent/switch.html", context)
    return session_remember(redirect(then), invitation)


@private
@require_http_methods(["GET", "POST"])
@in_expert_language
def link_open(request, secret: str):
    return _open_link(request, secret, "respondent:landing")


@private
@require_http_methods(["GET", "POST"])
@in_expert_language
def link_decline(request, secret: str):
    return _open_link(request, secret, "respondent:decline")


@private
@require_GET
@respondent_view(need_response=False)
def landing(request, invitation):
    response = selectors.response_or_none(invitation)
    context = {"survey": invitation.survey, "invitation": invitation, "response": response}
    if response is not None and response.submitted_at is not None:
        context["answers"] = selectors.answer_rows(response=response)
        return render(request, "respondent/submitted.html", context)
    context["form"] = ConsentForm()
    # Chosen before consent only: the wording an expert answered stays in one language.
    if response is None:
        context["languages"] = languages.language_choices(survey=invitation.survey)
    return render(request, "respondent/landing.html", context)


@private
@require_POST
@respondent_view(need_response=False)
def consent(request, invitation):
    response = selectors.response_or_none(invitation)
    if response is not None and response.submitted_at is not None:
        return redirect("respondent:landing")
    form = ConsentForm(request.POST)
    if response is None and not form.is_valid():
        context = {"survey": invitation.survey, "invitation": invitation, "form": form}
        context["languages"] = languages.language_choices(survey=invitation.survey)
        return render(request, "respondent/landing.html", context, status=400)
    services.response_start(invitation=invitation, language=translation.get_language())
    return redirect("respondent:page", number=1)


def _page_context(invitation, response, number: int, errors=None) -> dict:
    per_page = invitation.survey.statements_per_page
    ids = selectors.page_statement_ids(response=response, per_page=per_page, number=number)
    answers = selectors.answers_by_statement(response=response, statement_ids=ids)
    items = [
        {"statement": statement, "answer": answers.get(statement.pk)}
        for statement in selectors.statements_shown(response=response, ids=ids)
    ]
    pages = selectors.page_count(response=response, per_page=per_page)
    return {
        "survey": invitation.survey,
        "response": response,
        "items": items,
        "number": number,
        "pages": range(1, pages + 1),
        "page_total": pages,
        "total": len(response.statement_order),
        "errors": errors or [],
    }


def _render_page(request, context, status=200):
    context["answered"] = selectors.answered_count(response=context["response"])
    return render(request, "respondent/page.html", context, status=status)


def _posted_answers(post, items) -> list[services.AnswerInput]:
    """The page's answers that differ from what is stored; raises RespondentError."""
    cleared = post.get("clear", "")
    changed = []
    for item in items:
        statement, stored = item["statement"], item["answer"]
        value_key, comment_key = f"value_{statement.pk}", f"comment_{statement.pk}"
        stored_value = stored.value if stored else None
        stored_comment = stored.comment if stored else ""
        value = post.get(value_key, "" if stored_value is None else str(stored_value))
        if cleared == str(statement.pk):
            value = ""
        comment = post.get(comment_key, stored_comment)
        answer = services.parse_answer(statement=str(statement.pk), value=value, comment=comment)
        if (answer.value, answer.comment) != (stored_value, stored_comment):
            changed.append(answer)
    return changed


def _after_page(post, number: int, page_total: int):
    target = post.get("goto", "")
    if "clear" in post:
        return reverse("respondent:page", args=[number]) + f"#st-{post['clear']}"
    if target == "previous":
        return (
            reverse("respondent:page", args=[number - 1])
            if number > 1
            else reverse("respondent:landing")
        )
    if target == "next":
        if number < page_total:
            return reverse("respondent:page", args=[number + 1])
        return reverse("respondent:background")
    if target in ("background", "review"):
        return reverse(f"respondent:{target}")
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if re.fullmatch(r"[0-9]{1,4}", target) and 1 <= int(target) <= page_total:
        return reverse("respondent:page", args=[int(target)])
    return reverse("respondent:page", args=[number])


@private
@require_http_methods(["GET", "POST"])
@respondent_view()
def page(request, invitation, number: int):
    response = invitation.response
    per_page = invitation.survey.statements_per_page
    page_total = selectors.page_count(response=response, per_page=per_page)
    if not 1 <= number <= page_total:
        raise Http404("No such page")
    context = _page_context(invitation, response, number)
    if request.method == "POST":
        try:
            services.answers_save(
                response=response,
                answers=_posted_answers(request.POST, context["items"]),
                link_hash=invitation.link_hash,
            )
        except services.RespondentError as error:
            context["errors"] = [translation.gettext(str(error))]
            return _render_page(request, context, status=400)
        return redirect(_after_page(request.POST, number, page_total))
    return _render_page(request, context)


def _json_when_unavailable(view):
    """A database that is down or restarting: JSON the page understands and retries (503),
    not an error page it cannot read."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            logger.warning("Autosave refused, database unavailable: %s", error)
            # No database to read the expert's language from: the browser's.
            with translation.override(languages.request_language(request)):
                return json_refusal("unavailable", MESSAGE_UNAVAILABLE, 503)

    return wrapper


@private
@require_POST
@_json_when_unavailable
def answer_autosave(request):
    """The usual save is one SQL statement, before any other query (services.py); anything
    it does not take goes through the gate and the full path, which explain the refusal."""
    try:
        answer = services.parse_answer(
            statement=request.POST.get("statement"),
            value=request.POST.get("value", ""),
            comment=request.POST.get("comment"),  # absent: keep the stored comment
        )
    except services.RespondentError as error:
        return _autosave_refused(request, str(error))
    link = session_link(request)
    if link is not None and services.answer_save_direct(
        invitation_id=link.invitation_id, link_hash=link.link_hash, answer=answer
    ):
        return _autosaved(answer)
    return _autosave_full(request, answer)


@respondent_view(json=True)
def _autosave_refused(request, invitation, message: str):
    return json_refusal("invalid", message, 400)


@respondent_view(json=True)
def _autosave_full(request, invitation, answer):
    try:
        services.answer_save(
            response=invitation.response, answer=answer, link_hash=invitation.link_hash
        )
    except services.RespondentError as error:
        return json_refusal("invalid", str(error), 400)
    return _autosaved(answer)


def _autosaved(answer):
    # Progress is counted by the page itself (questionnaire.js): one query less per save.
    return JsonResponse({"saved": True, "statement": answer.statement_id, "value": answer.value})


@private
@require_http_methods(["GET", "POST"])
@respondent_view()
def background(request, invitation):
    response = invitation.response
    survey = invitation.survey
    initial = {
        "sectors": response.sectors,
        "gender": response.gender,
        "open_answer": response.open_answer,
    }
    posted = request.POST if request.method == "POST" else None
    form = BackgroundForm(posted, initial=initial, open_question=survey.open_question)
    if request.method == "POST" and form.is_valid():
        services.response_background_save(
            response=response, link_hash=invitation.link_hash, **form.cleaned_data
        )
        if request.POST.get("goto") == "previous":
            last = selectors.page_count(response=response, per_page=survey.statements_per_page)
            return redirect("respondent:page", number=last)
        return redirect("respondent:review")
    context = {
        "survey": survey,
        "form": form,
        "answered": selectors.answered_count(response=response),
        "total": len(response.statement_order),
        "page_total": selectors.page_count(response=response, per_page=survey.statements_per_page),
    }
    return render(
        request, "respondent/background.html", context, status=400 if form.errors else 200
    )


@private
@require_GET
@respondent_view()
def review(request, invitation):
    response = invitation.response
    survey = invitation.survey
    context = {
        "survey": survey,
        "response": response,
        "unanswered": selectors.unanswered_statements(
            response=response, per_page=survey.statements_per_page
        ),
        "answered": selectors.answered_count(response=response),
        "total": len(response.statement_order),
        "background_missing": not (response.sectors or response.gender),
    }
    return render(request, "respondent/review.html", context)


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
