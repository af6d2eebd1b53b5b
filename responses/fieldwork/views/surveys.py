"""The survey list, the dashboard, the survey's lifecycle (open, close, reopen, each
confirmed; anonymise) and its audit log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ...access import no_store, research_survey_view, researcher_required
from ...choices import STATE_LABELS
from .. import charts, selectors
from ..forms import AnonymiseForm, OpenSurveyForm, ReopenForm
from ..selectors import rounds as round_selectors
from ..services import lifecycle
from .common import render_page, time_zone_label
from .rounds import round_start_context


@require_GET
@researcher_required
@no_store
def survey_list(request):
    surveys = round_selectors.rounds_marked(selectors.surveys_listed(request.user))
    return render_page(request, "survey_list.html", surveys=surveys)


def _include_tests(request) -> bool:
    """`?tests=1`: the figures count the researchers' test invitations too, computed for
    this page only; the kept counts and snapshots never see them."""
    return request.GET.get("tests") == "1"


def _figures(survey, include_tests: bool = False) -> dict:
    """The dashboard's figures, which its script refreshes every 30 s (`dashboard_figures`)."""
    tests = {"include_tests": include_tests}
    states = selectors.state_counts(survey, **tests)
    return {
        "counts": [(code, STATE_LABELS[code], n) for code, n in states.items()],
        "rates": selectors.rates_overall(survey, **tests),
        "progress": selectors.progress(survey, **tests),
        "by_sector": selectors.rates_by_assigned_sector(survey, **tests),
        "by_stated": selectors.counts_by_stated_sector(survey, **tests),
        "chart": charts.submissions_chart(**selectors.timeline(survey, **tests)),
        "refreshed_at": timezone.now(),
        "include_tests": include_tests,
    }


@require_GET
@research_survey_view
@no_store
def dashboard(request, survey):
    include_tests = _include_tests(request)
    context = (
        _figures(survey, include_tests)
        | {
            "days_left": selectors.days_left(survey),
            "unknown": selectors.deliveries_unknown_count(survey),
            "test_count": selectors.test_invitation_count(survey),
        }
        | lifecycle_context(survey)
        | round_start_context(survey)
    )
    study = round_selectors.study_rounds(survey)
    context["has_next_round"] = study[-1].pk != survey.pk
    if len(study) > 1:
        context["study"] = round_selectors.study_figures(study)
    return render_page(request, "dashboard.html", survey, **context)


@require_GET
@research_survey_view
@no_store
def dashboard_figures(request, survey):
    """The figures alone, as an HTML fragment the dashboard's script swaps in."""
    figures = _figures(survey, _include_tests(request))
    return render_page(request, "_dashboard_figures.html", survey, **figures)


def lifecycle_context(survey) -> dict:
    """What the Open, Close and Reopen dialogs say will happen (the dashboard's and their
    confirmation pages without script)."""
    return {
        "provisional": lifecycle.provisional_count(survey),
        "warnings": lifecycle.open_warnings(survey),
        "not_answered": selectors.not_answered_count(survey),
        "open_form": OpenSurveyForm(),
        "reopen_form": ReopenForm(),
        "time_zone": time_zone_label(),
    }


def _confirm_page(request, survey, action: str, **context):
    context = lifecycle_context(survey) | {"action": action} | context
    return render_page(request, "confirm_lifecycle.html", survey, **context)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def survey_open(request, survey):
    if request.method == "GET":
        return _confirm_page(request, survey, "open")
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


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def survey_close(request, survey):
    if request.method == "GET":
        return _confirm_page(request, survey, "close")
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
def survey_reopen(request, survey):
    form = ReopenForm(request.POST or None)
    refusal = ""
    if request.method == "POST":
        closes_at = form.cleaned_data["closes_at"] if form.is_valid() else None
        try:
            lifecycle.survey_reopen(survey=survey, actor=request.user, closes_at=closes_at)
        except lifecycle.LifecycleError as error:
            if str(error) != lifecycle.ERROR_REOPEN_DATE:
                messages.error(request, str(error))
                return redirect("research:dashboard", survey.slug)
            refusal = str(error)
        else:
            messages.success(request, "The survey is open again.")
            return redirect("research:dashboard", survey.slug)
    context = lifecycle_context(survey) | {"action": "reopen", "reopen_refusal": refusal}
    context["reopen_form"] = form
    status = 400 if refusal else 200
    return render_page(request, "confirm_lifecycle.html", survey, status=status, **context)


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
