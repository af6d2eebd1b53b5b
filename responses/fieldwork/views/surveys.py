"""The survey list, the dashboard, the survey's lifecycle (open, close, anonymise) and its
audit log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...access import no_store, research_survey_view, researcher_required
from ...choices import STATE_LABELS
from .. import charts, selectors
from ..forms import AnonymiseForm, OpenSurveyForm
from ..services import lifecycle
from .common import render_page


@require_GET
@researcher_required
@no_store
def survey_list(request):
    return render_page(request, "survey_list.html", surveys=selectors.surveys_listed(request.user))


def _figures(survey) -> dict:
    """The dashboard's figures, which its script refreshes every 30 s (`dashboard_figures`)."""
    return {
        "counts": [
            (code, STATE_LABELS[code], n) for code, n in selectors.state_counts(survey).items()
        ],
        "rates": selectors.rates_overall(survey),
        "progress": selectors.progress(survey),
        "by_sector": selectors.rates_by_assigned_sector(survey),
        "by_stated": selectors.counts_by_stated_sector(survey),
        "chart": charts.submissions_chart(**selectors.timeline(survey)),
        "refreshed_at": timezone.now(),
    }


@require_GET
@research_survey_view
@no_store
def dashboard(request, survey):
    context = _figures(survey) | {
        "days_left": selectors.days_left(survey),
        "unknown": selectors.deliveries_unknown_count(survey),
        "provisional": lifecycle.provisional_count(survey),
        "open_form": OpenSurveyForm(),
    }
    return render_page(request, "dashboard.html", survey, **context)


@require_GET
@research_survey_view
@no_store
def dashboard_figures(request, survey):
    """The figures alone, as an HTML fragment the dashboard's script swaps in."""
    return render_page(request, "_dashboard_figures.html", survey, **_figures(survey))


@require_POST
@research_survey_view
def survey_open(request, survey):
    form = OpenSurveyForm(request.POST)
    form.is_valid()
    try:
        lifecycle.survey_open(
            survey=survey,
            actor=request.user,
            confirm_provisional=form.cleaned_data.get("confirm_provisional", False),
        )
    except lifecycle.LifecycleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The survey is open.")
    return redirect("research:dashboard", survey.slug)


@require_POST
@research_survey_view
def survey_close(request, survey):
    try:
        lifecycle.survey_close(survey=survey, actor=request.user)
    except lifecycle.LifecycleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The survey is closed.")
    return redirect("research:dashboard", survey.slug)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def survey_anonymise(request, survey):
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.survey_anonymise(survey=survey, actor=request.user, **form.cleaned_data)
        except lifecycle.LifecycleError as error:
            form.add_error("confirm", str(error))
        else:
            messages.success(request, "The survey is anonymised. Answers are kept.")
            return redirect("research:dashboard", survey.slug)
    return render_page(request, "anonymise.html", survey, form=form)


@require_GET
@research_survey_view
@no_store
def audit(request, survey):
    page = Paginator(selectors.audit_for_survey(survey), 100).get_page(request.GET.get("page"))
    return render_page(request, "audit.html", survey, page=page)
