"""The researcher's results pages: the latest snapshot, its charts, exports and recomputes."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..access import no_store, research_survey_view
from ..broker import BrokerUnavailable
from . import charts, selectors
from .analysis.consensus import rule_label
from .exports import registry
from .forms import ConsensusRuleForm
from .services import consensus, snapshots

MESSAGE_RECOMPUTE_LATER = (
    "The recompute is saved, but the task queue is unreachable just now: it starts when the "
    "worker is back (it retries every minute)."
)
MESSAGE_CONSENSUS_SAVED = "The consensus rule is saved; the results follow it at the next refresh."
TABLE_SORTS = {
    "number": ("statement", False),
    "n": ("n", True),
    "strongly_agree": ("pct_strongly_agree", True),
    "total_agree": ("total_agree_pct", True),
    "mean": ("mean", True),
    "dont_know": ("pct_dont_know", True),
}
TABLE_SORT_LABELS = {
    "number": "paper number",
    "n": "n",
    "strongly_agree": "% strongly agree",
    "total_agree": "% total agreement",
    "mean": "mean",
    "dont_know": "% I don't know",
}


def _sorted_rows(rows: list[dict], sort: str) -> list[dict]:
    key, descending = TABLE_SORTS[sort]
    present = [row for row in rows if row[key] is not None]
    missing = [row for row in rows if row[key] is None]
    return sorted(present, key=lambda row: row[key], reverse=descending) + missing


@require_GET
@research_survey_view
@no_store
def results(request, survey):
    snapshot = selectors.snapshot_latest(survey=survey)
    sort = request.GET.get("sort", "number")
    if sort not in TABLE_SORTS:
        sort = "number"
    context = {
        "survey": survey,
        "snapshot": snapshot,
        "sort": sort,
        "sort_labels": TABLE_SORT_LABELS,
    }
    if snapshot is not None:
        tables = snapshot.tables
        chart_sort = sort if sort in charts.SORTS else "number"
        context.update(
            tables=tables,
            rows=_sorted_rows(tables["statements"], sort),
            charts=charts.all_charts(tables, chart_sort),
            chart_sort=chart_sort,
        )
    context["jobs"] = selectors.recompute_jobs(survey=survey)[:5]
    context["consensus_rule_label"] = rule_label(survey.consensus_rule)
    context["deviations"] = selectors.consensus_deviations(survey=survey)
    return render(request, "research/results/index.html", context)


@require_POST
@research_survey_view
@no_store
def results_recompute(request, survey):
    try:
        job_id = snapshots.recompute_job_create(survey=survey, actor=request.user).pk
    except BrokerUnavailable as error:
        messages.warning(request, MESSAGE_RECOMPUTE_LATER)
        job_id = error.ids[0]
    return redirect("research:results_job", slug=survey.slug, job_id=job_id)


@require_GET
@research_survey_view
@no_store
def results_job(request, survey, job_id: int):
    job = get_object_or_404(selectors.recompute_jobs(survey=survey), pk=job_id)
    return render(request, "research/results/job.html", {"survey": survey, "job": job})


@require_GET
@research_survey_view
@no_store
def results_chart(request, survey, name: str, fmt: str):
    snapshot = selectors.snapshot_latest(survey=survey)
    sort = request.GET.get("sort", "number")
    if snapshot is None or sort not in charts.SORTS or fmt not in ("svg", "png"):
        raise Http404("No such chart")
    chart = charts.chart_by_name(snapshot.tables, name, sort)
    if chart is None:
        raise Http404("No such chart")
    if fmt == "svg":
        response = HttpResponse(charts.svg(chart), content_type="image/svg+xml; charset=utf-8")
    else:
        response = HttpResponse(charts.png(chart), content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{survey.slug}-{name}.{fmt}"'
    return response


@require_GET
@research_survey_view
@no_store
def results_export(request, survey, key: str):
    exporter = registry.EXPORTERS.get(key)
    if exporter is None:
        raise Http404("No such export")
    tables = None
    if exporter.from_snapshot:
        snapshot = selectors.snapshot_latest(survey=survey)
        if snapshot is None:
            raise Http404("No results computed yet")
        tables = snapshot.tables
    body = registry.export_bytes(key=key, survey=survey, tables=tables)
    response = HttpResponse(body, content_type=exporter.content_type)
    filename = registry.export_filename(key=key, slug=survey.slug)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def results_consensus(request, survey):
    """Choose the consensus rule; once fixed, a change is a deviation with its reason."""
    form = ConsensusRuleForm.for_rule(survey.consensus_rule)
    if request.method == "POST":
        form = ConsensusRuleForm(request.POST)
        if form.is_valid():
            try:
                consensus.consensus_rule_set(
                    survey=survey,
                    rule=form.rule(),
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except consensus.ConsensusRuleError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, MESSAGE_CONSENSUS_SAVED)
                return redirect("research:results_consensus", slug=survey.slug)
    context = {
        "survey": survey,
        "form": form,
        "rule_label": rule_label(survey.consensus_rule),
        "deviations": selectors.consensus_deviations(survey=survey),
    }
    return render(request, "research/results/consensus.html", context)
