"""The expert's pages. The personal link puts the invitation in the expert's session and
redirects; every later page finds it there, so the secret never stays in the address bar.

The expert's session is a signed cookie holding the invitation's id (HMAC under SECRET_KEY,
salted, with an expiry), separate from Django's database sessions, which researchers use.
It cannot be forged, and it spares every autosave a session query; revocation, submission
and closing are still checked against the database on every request."""

from functools import wraps

from django.conf import settings
from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors
from ..forms import BackgroundForm, ConsentForm, DeclineForm
from ..models import SCALE, Invitation
from ..services import respondent as services

SESSION_COOKIE = "survey_session"
_SESSION_SALT = "surveysite.respondent-session"
MESSAGE_EXPIRED = (
    "Your session has ended. Your choice is still on screen but was not saved: please open "
    "your personal link from the invitation email again, then continue."
)


def private(view):
    """Survey pages are personal: never cached, indexed, or leaked through a Referer.
    (Under no-referrer, browsers post forms with `Origin: null`; see surveysite/csrf.py.)"""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def _json_refusal(error: str, message: str, status: int):
    return JsonResponse({"saved": False, "error": error, "message": message}, status=status)


def session_invitation_id(request) -> int | None:
    try:
        value = request.get_signed_cookie(
            SESSION_COOKIE, salt=_SESSION_SALT, max_age=settings.SESSION_COOKIE_AGE
        )
        return int(value)
    except (KeyError, ValueError, signing.BadSignature):
        return None


def _session_invitation(request):
    return selectors.invitation_for_session(invitation_id=session_invitation_id(request))


def _remember(response, invitation: Invitation):
    response.set_signed_cookie(
        SESSION_COOKIE,
        str(invitation.pk),
        salt=_SESSION_SALT,
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _gate(request, *, json: bool = False, need_response: bool = True, allow_submitted=False):
    """The session's invitation, or the refusal to return instead."""
    invitation = _session_invitation(request)
    if invitation is None:
        if json:
            return None, _json_refusal("session_expired", MESSAGE_EXPIRED, 403)
        return None, render(request, "respondent/session_expired.html", status=403)
    survey = invitation.survey
    closed_on = selectors.survey_closed_on(survey=survey)
    if closed_on is not None:
        if json:
            return None, _json_refusal("closed", services.ERROR_CLOSED, 410)
        return None, _closed_page(request, invitation, closed_on)
    if not selectors.survey_is_open(survey=survey):
        if json:
            return None, _json_refusal("not_open", "This survey is not open yet.", 403)
        return None, render(request, "respondent/not_open.html", {"survey": survey}, status=403)
    response = selectors.response_or_none(invitation)
    if need_response and response is None:
        if json:
            return None, _json_refusal("not_started", services.ERROR_NOT_STARTED, 403)
        return None, redirect("respondent:landing")
    if need_response and response.submitted_at is not None and not allow_submitted:
        if json:
            return None, _json_refusal("submitted", services.ERROR_SUBMITTED, 409)
        return None, redirect("respondent:landing")
    return invitation, None


def _closed_page(request, invitation: Invitation, closed_on):
    response = selectors.response_or_none(invitation)
    context = {"survey": invitation.survey, "closed_on": closed_on, "response": response}
    if response is not None and response.submitted_at is not None:
        context["answers"] = _answer_rows(response)
    return render(request, "respondent/closed.html", context, status=410)


def _answer_rows(response) -> list[dict]:
    labels = dict(SCALE)
    answers = selectors.answers_by_statement(response=response)
    rows = []
    for statement in selectors.statements_in_order(ids=response.statement_order):
        answer = answers.get(statement.pk)
        value = answer.value if answer else None
        rows.append(
            {
                "statement": statement,
                "label": labels.get(value, "Not answered"),
                "comment": answer.comment if answer else "",
            }
        )
    return rows


def _open_link(request, secret: str, then: str):
    invitation = selectors.invitation_by_secret(secret=secret)
    if invitation is None:
        return not_found(request)
    return _remember(redirect(then), invitation)


@private
@require_GET
def link_open(request, secret: str):
    return _open_link(request, secret, "respondent:landing")


@private
@require_GET
def link_decline(request, secret: str):
    return _open_link(request, secret, "respondent:decline")


@private
@require_GET
def landing(request):
    invitation, refusal = _gate(request, need_response=False)
    if refusal is not None:
        return refusal
    response = selectors.response_or_none(invitation)
    context = {"survey": invitation.survey, "invitation": invitation, "response": response}
    if response is not None and response.submitted_at is not None:
        context["answers"] = _answer_rows(response)
        return render(request, "respondent/submitted.html", context)
    context["form"] = ConsentForm()
    return render(request, "respondent/landing.html", context)


@private
@require_POST
def consent(request):
    invitation, refusal = _gate(request, need_response=False)
    if refusal is not None:
        return refusal
    response = selectors.response_or_none(invitation)
    if response is not None and response.submitted_at is not None:
        return redirect("respondent:landing")
    form = ConsentForm(request.POST)
    if response is None and not form.is_valid():
        context = {"survey": invitation.survey, "invitation": invitation, "form": form}
        return render(request, "respondent/landing.html", context, status=400)
    services.response_start(invitation=invitation)
    return redirect("respondent:page", number=1)


def _page_context(invitation, response, number: int, errors=None) -> dict:
    per_page = invitation.survey.statements_per_page
    ids = selectors.page_statement_ids(response=response, per_page=per_page, number=number)
    answers = selectors.answers_by_statement(response=response, statement_ids=ids)
    items = [
        {"statement": statement, "answer": answers.get(statement.pk)}
        for statement in selectors.statements_in_order(ids=ids)
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
    if target.isdigit() and 1 <= int(target) <= page_total:
        return reverse("respondent:page", args=[int(target)])
    return reverse("respondent:page", args=[number])


@private
@require_http_methods(["GET", "POST"])
def page(request, number: int):
    invitation, refusal = _gate(request)
    if refusal is not None:
        return refusal
    response = invitation.response
    per_page = invitation.survey.statements_per_page
    page_total = selectors.page_count(response=response, per_page=per_page)
    if not 1 <= number <= page_total:
        raise Http404("No such page")
    context = _page_context(invitation, response, number)
    if request.method == "POST":
        try:
            services.answers_save(
                response=response, answers=_posted_answers(request.POST, context["items"])
            )
        except services.RespondentError as error:
            context["errors"] = [str(error)]
            return _render_page(request, context, status=400)
        return redirect(_after_page(request.POST, number, page_total))
    return _render_page(request, context)


@private
@require_POST
def answer_autosave(request):
    invitation_id = session_invitation_id(request)
    try:
        answer = services.parse_answer(
            statement=request.POST.get("statement"),
            value=request.POST.get("value", ""),
            comment=request.POST.get("comment"),  # absent: keep the stored comment
        )
    except services.RespondentError as error:
        answer, refused = None, str(error)
    if (
        answer is not None
        and invitation_id is not None
        and services.answer_save_direct(invitation_id=invitation_id, answer=answer)
    ):
        return _autosaved(answer)
    invitation, refusal = _gate(request, json=True)
    if refusal is not None:
        return refusal
    if answer is None:
        return _json_refusal("invalid", refused, 400)
    try:
        services.answer_save(response=invitation.response, answer=answer)
    except services.RespondentError as error:
        return _json_refusal("invalid", str(error), 400)
    return _autosaved(answer)


def _autosaved(answer):
    # Progress is counted by the page itself (questionnaire.js): one query less per save.
    return JsonResponse({"saved": True, "statement": answer.statement_id, "value": answer.value})


@private
@require_http_methods(["GET", "POST"])
def background(request):
    invitation, refusal = _gate(request)
    if refusal is not None:
        return refusal
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
        services.response_background_save(response=response, **form.cleaned_data)
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
def review(request):
    invitation, refusal = _gate(request)
    if refusal is not None:
        return refusal
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
    invitation = _session_invitation(request)
    response = selectors.response_or_none(invitation) if invitation else None
    return response is not None and response.submitted_at is not None


@private
@require_POST
def submit(request):
    if _submitted(request):
        # A double click or a second tab: the same thank-you page, one submission time.
        return redirect("respondent:thanks")
    # A second tab may submit between the check above and the one below: the service is
    # idempotent, so let it through to the same thank-you page.
    invitation, refusal = _gate(request, allow_submitted=True)
    if refusal is not None:
        return refusal
    services.response_submit(response=invitation.response)
    return redirect("respondent:thanks")


@private
@require_GET
def thanks(request):
    invitation = _session_invitation(request)
    if invitation is None:
        return render(request, "respondent/session_expired.html", status=403)
    response = selectors.response_or_none(invitation)
    if response is None or response.submitted_at is None:
        return redirect("respondent:landing")
    return render(
        request, "respondent/thanks.html", {"survey": invitation.survey, "response": response}
    )


@private
@require_http_methods(["GET", "POST"])
def decline(request):
    invitation, refusal = _gate(request, need_response=False)
    if refusal is not None:
        return refusal
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
