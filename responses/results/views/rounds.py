"""The results across a Delphi study's rounds: the page and its charts, on any round."""

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ...access import no_store, research_survey_view

REPORT_CACHE_SECONDS = 24 * 3600


def _report(survey) -> dict:
    """The report, computed once for what the rounds hold now: the page and its charts
    read the same one, and a large study isn't analysed again at every view."""
    from .. import rounds_report  # pandas and scipy load with it, not with the URLconf
    from ..selectors.rounds import study_state

    key = f"results.rounds-report:{study_state(survey=survey)}"
    report = cache.get(key)
    if report is None:
        report = rounds_report.rounds_report(survey=survey)
        cache.set(key, report, timeout=REPORT_CACHE_SECONDS)
    return report


@require_GET
@research_survey_view
@no_store
def results_rounds(request, survey):
    from ..charts import rounds as round_charts

    report = _report(survey)
    charts = round_charts.round_charts(report) if len(report["rounds"]) > 1 else []
    context = {"survey": survey, "report": report, "charts": charts}
    return render(request, "research/results/rounds.html", context)


@require_GET
@research_survey_view
@no_store
def results_rounds_chart(request, survey, name: str):
    from ..charts import rounds as round_charts
    from ..charts import svg

    report = _report(survey)
    chart = next((c for c in round_charts.round_charts(report) if c.name == name), None)
    if chart is None:
        raise Http404("No such chart")
    return HttpResponse(svg(chart), content_type="image/svg+xml; charset=utf-8")
