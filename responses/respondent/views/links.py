"""The personal link: it puts its invitation in the expert's session; unknown links get the
one generic 404."""

from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from surveysite.throttle import Throttle, failure_count, throttled_for

from .. import languages, selectors
from ..session import in_expert_language, private, session_invitation, session_remember

# Secrets have 256 bits, so guessing cannot succeed; the limit keeps scanners from hammering
# the lookup. It counts only failures, so valid links keep working from a limited address too.
LINK_GUESSES = Throttle(group="respondent.link", rate="20/10m")


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
    # In a Delphi study the one link opens the latest round the expert is on.
    leads_to = selectors.invitation_current_round(invitation=invitation)
    if leads_to.not_on_panel is not None:
        context = {"survey": leads_to.not_on_panel}
        return render(request, "respondent/not_on_panel.html", context, status=403)
    if leads_to.invitation is None:
        return not_found(request)
    invitation = leads_to.invitation
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
