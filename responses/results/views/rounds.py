"""The results across a Delphi study's rounds: the page and its charts, on any round."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ...access import no_store, research_survey_view


def _report(survey) -> dict:
    from .. import rounds_report  # pandas and scipy load with it, not with the URLconf

    return rounds_report.rounds_report(survey=survey)


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
