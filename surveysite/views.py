"""The site's own error handler (surveysite/urls.py: handler500)."""

from django.http import HttpResponseServerError
from django.template.loader import render_to_string


def server_error(request):
    """Our 500 page. Whatever failed may be the database, the session or the static files'
    manifest, so the page is rendered without a request or context (no context processors,
    no queries) from a template that reads none of them."""
    return HttpResponseServerError(render_to_string("500.html"))
