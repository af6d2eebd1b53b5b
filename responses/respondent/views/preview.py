"""The expert's pages around the statements (landing and consent, the privacy notice,
about you, review, thanks) previewed for the survey's researchers, through the expert's own
templates. A preview has no response: its forms post back here and only move on; nothing
is written."""

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ...access import no_store, research_survey_view
from .. import selectors
from ..forms import BackgroundForm, ConsentForm
from ..preview import preview_nav, preview_url


def _render(request, survey, step: str, template: str, context: dict):
    context |= {
        "survey": survey,
        "preview": True,
        "nav": preview_nav(survey=survey, current=(step, ())),
    }
    return render(request, f"research/preview/{template}", context)


def _statement_total(survey) -> int:
    return len(selectors.questionnaire_order(survey=survey))


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def preview_welcome(request, survey):
    if request.method == "POST":
        return redirect("research:preview_page", survey.slug, 1)
    context = {"invitation": None, "response": None, "form": ConsentForm()}
    context["statement_count"] = _statement_total(survey)
    return _render(request, survey, "preview_welcome", "landing.html", context)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def preview_background(request, survey):
    nav = preview_nav(survey=survey, current=("preview_background", ()))
    if request.method == "POST":
        if request.POST.get("goto") == "previous":
            return redirect(nav["previous_url"])
        return redirect(nav["next_url"])
    form = BackgroundForm(survey=survey)
    context = {
        "form": form,
        "questions": len(form.fields),
        "asks_groups": "sectors" in form.fields or "gender" in form.fields,
        "answered": 0,
        "total": _statement_total(survey),
    }
    return _render(request, survey, "preview_background", "background.html", context)


def _unanswered_groups(survey) -> list[dict]:
    """Every page's statements, as the review lists what an expert left unanswered: in a
    preview nothing is answered."""
    ids = selectors.questionnaire_order(survey=survey)
    per_page = survey.statements_per_page
    statements = selectors.statements_in_order(ids=ids)
    groups = []
    for start in range(0, len(statements), per_page):
        page = start // per_page + 1
        url = preview_url(survey, "preview_page", page)
        groups.append(
            {"page": page, "url": url, "statements": statements[start : start + per_page]}
        )
    return groups


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def preview_review(request, survey):
    if request.method == "POST":
        return redirect("research:preview_thanks", survey.slug)
    groups = _unanswered_groups(survey)
    total = sum(len(group["statements"]) for group in groups)
    context = {
        "response": None,
        "unanswered_groups": groups,
        "unanswered_count": total,
        "answered": 0,
        "total": total,
        "background_missing": True,
    }
    return _render(request, survey, "preview_review", "review.html", context)


@require_GET
@research_survey_view
@no_store
def preview_thanks(request, survey):
    context = {"response": {"submitted_at": timezone.now()}}
    return _render(request, survey, "preview_thanks", "thanks.html", context)


@require_GET
@research_survey_view
@no_store
def preview_privacy(request, survey):
    """The privacy notice the landing page links to; outside the pages' order."""
    return render(request, "research/preview/privacy.html", {"survey": survey, "preview": True})
