"""The questionnaire's pages of statements as an expert sees them, for the survey's
researchers: the respondent's own page template, any page, and nothing written (its buttons
only move between the pages). The pages around them are the respondent room's
(`respondent/views/preview.py`); `respondent/preview.py` orders them all."""

import math
import re

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ...access import no_store, research_survey_view
from ...respondent.preview import preview_nav, preview_url
from ...respondent.selectors import questionnaire_order, statements_in_order


def _pages(survey) -> tuple[list[int], int]:
    ids = questionnaire_order(survey=survey)
    return ids, max(1, math.ceil(len(ids) / survey.statements_per_page))


@require_GET
@research_survey_view
def preview_start(request, survey):
    return redirect("research:preview_welcome", survey.slug)


def _target(survey, post, number: int, page_total: int) -> str:
    """Where a button leads, as the expert's buttons do: before the first page is the
    landing page, past the last (or "About you") the background questions."""
    goto = post.get("goto", "")
    if goto == "previous":
        number -= 1
    elif goto == "next":
        number += 1
    elif re.fullmatch(r"[0-9]{1,4}", goto) and 1 <= int(goto) <= page_total:
        number = int(goto)
    elif goto == "review":
        return preview_url(survey, "preview_review")
    elif goto == "background":
        number = page_total + 1
    if number < 1:
        return preview_url(survey, "preview_welcome")
    if number > page_total:
        return preview_url(survey, "preview_background")
    return preview_url(survey, "preview_page", number)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def preview_page(request, survey, number: int):
    ids, page_total = _pages(survey)
    if not 1 <= number <= page_total:
        raise Http404("No such page")
    if request.method == "POST":
        return redirect(_target(survey, request.POST, number, page_total))
    per_page = survey.statements_per_page
    shown = ids[(number - 1) * per_page : number * per_page]
    context = {
        "survey": survey,
        "response": None,
        "items": [{"statement": s, "answer": None} for s in statements_in_order(ids=shown)],
        "number": number,
        "pages": range(1, page_total + 1),
        "page_total": page_total,
        "total": len(ids),
        "answered": 0,
        "errors": [],
        "preview": True,
        "nav": preview_nav(survey=survey, current=("preview_page", (number,))),
    }
    return render(request, "research/preview/page.html", context)
