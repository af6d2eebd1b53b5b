"""axe-core on the results across Delphi rounds, at a desktop and a phone's width."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from responses.models import Invitation
from tests.browser.pages import assert_no_axe_violations, screenshot
from tests.factories import round_two
from tests.results.test_rounds_selectors import answer_round

pytestmark = pytest.mark.browser


@pytest.fixture
def study(survey, researcher):
    """Fifteen round-1 respondents; twelve answer round 2, closer together."""
    following = round_two(survey, researcher, respondents=15)
    invitations = Invitation.objects.filter(survey=following).order_by("previous__pk")
    for index, invitation in enumerate(list(invitations)[:12]):
        answer_round(invitation, {1: (index % 3) - 1 + (index % 2), 2: 2 - index % 2})
    return following


@pytest.mark.parametrize("width", [1366, 390])
def test_axe_finds_nothing_on_the_rounds_page(
    new_context, live_server, client, researcher, study, width
):
    client.force_login(researcher)
    context = new_context(viewport={"width": width, "height": 900})
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    name = django_settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + reverse("research:results_rounds", args=[study.slug]))
    assert page.locator("h1").inner_text().startswith("Across rounds")
    charts = page.locator("figure.results-chart img")
    assert charts.count() == 2
    for index in range(charts.count()):
        assert charts.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"rounds-{width}")
    assert_no_axe_violations(page)
