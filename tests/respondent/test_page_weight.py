"""A questionnaire page with its CSS and JS weighs at most 120 KB raw (issue 10): the
respondent pages ship their own trimmed stylesheet, not Bootstrap's 228 KB."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

BUDGET_BYTES = 120 * 1024
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="/static/([^"]+)"')


def test_questionnaire_page_with_css_and_js_is_under_120_kb(started_client, survey):
    assert survey.statements_per_page == 10
    html = started_client.get(reverse("respondent:page", args=[1])).content
    assets = ASSET.findall(html.decode())
    assert sorted(assets) == ["css/survey.css", "js/questionnaire.js"]
    sizes = {name: Path(finders.find(name)).stat().st_size for name in assets}
    total = len(html) + sum(sizes.values())
    print(
        f"\nquestionnaire page 1 (10 statements): HTML {len(html) / 1024:.1f} KB, "
        + ", ".join(f"{name} {size / 1024:.1f} KB" for name, size in sizes.items())
        + f"; total {total / 1024:.1f} KB (budget {BUDGET_BYTES // 1024} KB)"
    )
    assert total <= BUDGET_BYTES
