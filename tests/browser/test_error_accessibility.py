"""axe-core finds no WCAG 2.2 AA violations on the server error page, served as our handler
renders it, with its stylesheets from the live server."""

import pytest
from django.test import RequestFactory

from surveysite.views import server_error

from .pages import BrowserLog
from .pages import axe_violations as violations

pytestmark = pytest.mark.browser


def test_axe_finds_nothing_on_the_server_error_page(page, live_server):
    log = BrowserLog(page)
    error = server_error(RequestFactory().get("/broken/"))
    page.route(
        "**/broken/",
        lambda route: route.fulfill(
            status=error.status_code, body=error.content, content_type="text/html"
        ),
    )
    response = page.goto(live_server.url + "/broken/")
    assert response.status == 500
    assert violations(page) == []
    assert log.static == {"css/survey.css": 200}
    assert log.csp_violations == []
