"""The site's own error pages: the 500 handler (surveysite/urls.py: handler500) and the CSRF
failure page (settings CSRF_FAILURE_VIEW)."""

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def server_error(request):
    """Our 500 page. Whatever failed may be the database, the session or the static files'
    manifest, so the page is rendered without a request or context (no context processors,
    no queries) from a template that reads none of them."""
    return HttpResponseServerError(render_to_string("500.html"))


# The opening words match the expert's "session ended" message: questionnaire.js shows this
# and keeps the unsaved choice in the tab (sessionStorage) until the expert is back in.
MESSAGE_CSRF = _(
    "Your session has ended. Your choice is still on screen but was not saved: please open "
    "your personal link from the invitation email again. This browser tab keeps your choice "
    "and sends it again once you are back in."
)


def csrf_failure(request, reason=""):
    """Our page for a refused form (settings CSRF_FAILURE_VIEW): cookies cleared, or a tab
    left open so long that its token no longer matches. The autosave gets JSON it reads.
    No session to trust here: both are in the browser's language."""
    with translation.override(translation.get_language_from_request(request)):
        if "application/json" in request.headers.get("Accept", ""):
            body = {"saved": False, "error": "csrf", "message": str(MESSAGE_CSRF)}
            return JsonResponse(body, status=403)
        return render(request, "csrf_failure.html", status=403)
