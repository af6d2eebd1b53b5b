"""The expert's session and the gate every respondent page passes.

The personal link puts the invitation in the expert's session and redirects; every later
page finds it there, so the secret never stays in the address bar. The session is a signed
cookie holding the invitation's id and the hash of the link that opened it (HMAC under
SECRET_KEY, salted, with an expiry), separate from Django's database sessions, which
researchers use. It cannot be forged, and it spares every autosave a session query; the
link's generation, revocation, submission and closing are still checked against the database
on every request, so regenerating or revoking a link ends the sessions it opened."""

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core import signing
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation

from ..models import Invitation
from . import languages, selectors
from .services import ERROR_NOT_STARTED

SESSION_COOKIE = "survey_session"
_SESSION_SALT = "surveysite.respondent-session"


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


@dataclass(frozen=True)
class SessionLink:
    """What the expert's session holds: the invitation, and the hash of the link it was opened
    with (its generation: "Regenerate link" draws a new one)."""

    invitation_id: int
    link_hash: str


def session_link(request) -> SessionLink | None:
    try:
        value = request.get_signed_cookie(
            SESSION_COOKIE, salt=_SESSION_SALT, max_age=settings.RESPONDENT_SESSION_SECONDS
        )
        invitation_id, link_hash = value.split(":")
        return SessionLink(int(invitation_id), link_hash)
    except (KeyError, ValueError, signing.BadSignature):
        return None


def session_invitation(request) -> Invitation | None:
    link = session_link(request)
    if link is None:
        return None
    return selectors.invitation_for_session(
        invitation_id=link.invitation_id, link_hash=link.link_hash
    )


def session_remember(response, invitation: Invitation):
    response.set_signed_cookie(
        SESSION_COOKIE,
        f"{invitation.pk}:{invitation.link_hash}",
        salt=_SESSION_SALT,
        max_age=settings.RESPONDENT_SESSION_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def json_refusal(error: str, message: str, status: int):
    """`message` is one of the English constants; the expert reads it in their language."""
    body = {"saved": False, "error": error, "message": translation.gettext(message)}
    return JsonResponse(body, status=status)


def closed_page(request, invitation: Invitation, closed_on):
    response = selectors.response_or_none(invitation)
    survey = invitation.survey
    context = {"survey": survey, "closed_on": closed_on, "response": response}
    if response is not None and response.submitted_at is not None:
        context["answers"] = selectors.answer_rows(response=response)
        context["background"] = selectors.background_rows(survey=survey, response=response)
    return render(request, "respondent/closed.html", context, status=410)


def _refusal(
    request, invitation, *, json: bool, need_response: bool, allow_submitted: bool, always: bool
):
    """The page to show instead of the view, or None when the expert may go on."""
    if invitation is None:
        if json:
            return json_refusal("session_expired", selectors.ERROR_SESSION_ENDED, 403)
        return render(request, "respondent/session_expired.html", status=403)
    if always:
        return None
    survey = invitation.survey
    closed_on = selectors.survey_closed_on(survey=survey)
    if closed_on is not None:
        if json:
            return json_refusal("closed", selectors.ERROR_CLOSED, 410)
        return closed_page(request, invitation, closed_on)
    if not selectors.survey_is_open(survey=survey, test=invitation.is_test):
        if json:
            return json_refusal("not_open", selectors.ERROR_NOT_OPEN, 403)
        return render(request, "respondent/not_open.html", {"survey": survey}, status=403)
    response = selectors.response_or_none(invitation)
    if need_response and response is None:
        if json:
            return json_refusal("not_started", ERROR_NOT_STARTED, 403)
        return redirect("respondent:landing")
    if need_response and response.submitted_at is not None and not allow_submitted:
        if json:
            return json_refusal("submitted", selectors.ERROR_SUBMITTED, 409)
        return redirect("respondent:landing")
    return None


def _language(request, invitation) -> str:
    """The expert's language: the response's once they consented (the wording they answered
    stays in it), before that the one chosen on the landing page or the expert's own."""
    if invitation is None:
        return languages.request_language(request)
    response = selectors.response_or_none(invitation)
    if response is not None:
        return response.language or invitation.survey.language
    requested = request.POST.get("language") or request.GET.get("language") or ""
    return languages.expert_language(invitation=invitation, requested=requested)


def in_expert_language(view):
    """For the pages outside the gate (thanks, the link's 404 and switch pages): the language
    of the session's expert, or the browser's when there is none."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(_language(request, session_invitation(request))):
            return view(request, *args, **kwargs)

    return wrapper


def respondent_view(
    *, json: bool = False, need_response: bool = True, allow_submitted=False, always=False
):
    """The gate: the view runs with the session's invitation only while its link is live,
    the survey open and (with `need_response`) the expert has consented and not submitted;
    with `always`, whatever the survey's state (pages that only inform, like the privacy
    notice, which the closed page links to).
    Otherwise the expert gets the page (or, with `json`, the autosave's JSON) that says why.
    Both run in the expert's language, with `invitation.survey` a read-only copy in it.
    The view is called as view(request, invitation, ...); the invitation was found by the
    session's link hash, so `invitation.link_hash` is the session's for the write rule."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            invitation = session_invitation(request)
            language = _language(request, invitation)
            with translation.override(language):
                if invitation is not None:
                    invitation.survey = languages.survey_in_language(
                        survey=invitation.survey, language=language
                    )
                refusal = _refusal(
                    request,
                    invitation,
                    json=json,
                    need_response=need_response,
                    allow_submitted=allow_submitted,
                    always=always,
                )
                if refusal is not None:
                    return refusal
                return view(request, invitation, *args, **kwargs)

        return wrapper

    return decorator
