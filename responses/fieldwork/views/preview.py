"""The questionnaire as an expert sees it, for the survey's researchers: the respondent's own
page template, any page, and nothing written (its buttons only move between the pages)."""

import math
import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ...access import no_store, research_survey_view
from ...respondent.selectors import questionnaire_order, statements_in_order

MESSAGE_PREVIEW_END = "End of the preview: nothing was saved."


def _pages(survey) -> tuple[list[int], int]:
    ids = questionnaire_order(survey=survey)
    return ids, max(1, math.ceil(len(ids) / survey.statements_per_page))


@require_GET
@research_survey_view
def preview_start(request, survey):
    return redirect("research:preview_page", survey.slug, 1)


def _target(post, number: int, page_total: int) -> int:
    """The page a button leads to, as the expert's buttons do; past the last page (or to
    the questions after it) is page_total + 1, the end of the preview."""
    goto = post.get("goto", "")
    if goto == "previous":
        return max(number - 1, 1)
    if goto == "next":
        return number + 1
    if re.fullmatch(r"[0-9]{1,4}", goto) and 1 <= int(goto) <= page_total:
        return int(goto)
    if goto in ("background", "review"):
        return page_total + 1
    return number


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def preview_page(request, survey, number: int):
    ids, page_total = _pages(survey)
    if not 1 <= number <= page_total:
        raise Http404("No such page")
    if request.method == "POST":
        target = _target(request.POST, number, page_total)
        if target > page_total:
            messages.info(request, MESSAGE_PREVIEW_END)
            return redirect("research:dashboard", survey.slug)
        return redirect("research:preview_page", survey.slug, target)
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
    }
    return render(request, "research/preview/page.html", context)
