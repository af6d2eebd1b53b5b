"""The researcher's results pages: the latest snapshot, its charts, exports and recomputes."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...access import no_store, research_survey_view
from ...broker import BrokerUnavailable
from .. import charts, selectors
from ..consensus_rules import rule_label
from ..exports import registry, writers
from ..forms import ConsensusRuleForm
from ..services import consensus, export_jobs, snapshots

MESSAGE_RECOMPUTE_LATER = (
    "The recompute is saved, but the task queue is unreachable just now: it starts when the "
    "worker is back (it retries every minute)."
)
MESSAGE_STATEMENT_UNKNOWN = "Choose a statement of this survey, or all statements."
MESSAGE_SECTOR_HIDDEN = (
    "Comments can be narrowed only to a sector with at least {size} respondents: "
    "showing every sector."
)
COMMENTS_PAGE = 100
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
    snapshot = snapshots.snapshot_current(survey=survey)
    sort = request.GET.get("sort", "number")
    if sort not in TABLE_SORTS:
        sort = "number"
    context = {
        "survey": survey,
        "snapshot": snapshot,
        "sort": sort,
        "sort_labels": TABLE_SORT_LABELS,
        "refresh_has_worker": snapshots.refresh_has_worker(),
        "refresh_seconds": settings.RESULTS_REFRESH_SECONDS,
    }
    include_tests = request.GET.get("tests") == "1"
    context["include_tests"] = include_tests
    context["test_count"] = (
        selectors.counted_responses(survey=survey, include_tests=True)
        .filter(invitation__is_test=True)
        .count()
    )
    if snapshot is not None:
        tables = snapshots.tables_with_tests(survey=survey) if include_tests else snapshot.tables
        chart_sort = sort if sort in charts.SORTS else "number"
        context.update(
            tables=tables,
            rows=_sorted_rows(tables["statements"], sort),
            charts=charts.all_charts(tables, chart_sort),
            chart_sort=chart_sort,
            order_computed_at=parse_datetime(tables.get("order_computed_at") or ""),
        )
    context["jobs"] = selectors.recompute_jobs(survey=survey)[:5]
    context["export_jobs"] = export_jobs.export_jobs(survey=survey).select_related("created_by")[:5]
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
    snapshot = snapshots.snapshot_current(survey=survey)
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


def _comment_filters(request, survey) -> tuple[dict, list[str]]:
    """The comment list's filters, each checked: an unknown statement or a sector under the
    minimum group size is dropped, with the message that says so."""
    statement, sector = request.GET.get("statement", ""), request.GET.get("sector", "")
    problems = []
    statement_ids = {str(row["id"]) for row in selectors.survey_statements(survey=survey)}
    if statement not in statement_ids | {"", selectors.OPEN_ANSWER}:
        problems.append(MESSAGE_STATEMENT_UNKNOWN)
        statement = ""
    if sector and sector not in dict(selectors.comment_sectors(survey=survey)):
        problems.append(MESSAGE_SECTOR_HIDDEN.format(size=survey.min_group_size))
        sector = ""
    include_tests = request.GET.get("tests") == "1"
    return {"statement": statement, "sector": sector, "include_tests": include_tests}, problems


def _without_page(params) -> str:
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
@research_survey_view
@no_store
def comments(request, survey):
    filters, problems = _comment_filters(request, survey)
    rows = selectors.comment_rows(survey=survey, **filters)
    context = {
        "survey": survey,
        "filters": filters,
        "problems": problems,
        "page": Paginator(rows, COMMENTS_PAGE).get_page(request.GET.get("page")),
        "statements": selectors.survey_statements(survey=survey),
        "sectors": selectors.comment_sectors(survey=survey),
        "open_answer": selectors.OPEN_ANSWER,
        "query": _without_page(request.GET),
    }
    status = 400 if problems else 200
    return render(request, "research/results/comments.html", context, status=status)


@require_GET
@research_survey_view
@no_store
def comments_export(request, survey, fmt: str):
    filters, problems = _comment_filters(request, survey)
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return redirect("research:comments", survey.slug)
    rows = selectors.comment_export_rows(selectors.comment_rows(survey=survey, **filters))
    if fmt == "csv":
        response = HttpResponse(writers.csv_bytes(rows), content_type=registry.CSV)
    else:
        response = HttpResponse(writers.xlsx_bytes(rows, "Comments"), content_type=registry.XLSX)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{survey.slug}-comments-{stamp}.{fmt}"'
    return response


def _methods(survey) -> tuple[list[dict], bytes, bytes]:
    from ..exports import methods_text  # pandas and scipy load with it, not with the URLconf

    return methods_text.methods_files(survey)


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@research_survey_view
@no_store
def results_methods(request, survey):
    sections, _, _ = _methods(survey)
    context = {"survey": survey, "sections": sections}
    return render(request, "research/results/methods.html", context)


METHODS_FORMATS = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


@require_GET
@research_survey_view
@no_store
def results_methods_export(request, survey, fmt: str):
    if fmt not in METHODS_FORMATS:
        raise Http404("No such format")
    _, markdown, html = _methods(survey)
    body = markdown if fmt == "md" else html
    return _attachment(body, METHODS_FORMATS[fmt], f"{survey.slug}-methods.{fmt}")


@require_GET
@research_survey_view
@no_store
def results_statement(request, survey, number: int):
    snapshot = snapshots.snapshot_current(survey=survey)
    from .. import pages  # pandas and scipy load with it, not with the URLconf

    page = pages.statement_page(snapshot.tables, number) if snapshot else None
    if page is None:
        raise Http404("No such statement")
    return render(request, "research/results/statement.html", {"survey": survey, **page})


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
