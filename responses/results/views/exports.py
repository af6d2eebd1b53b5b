"""The results' downloads: made on the request (the CSVs stream), or, for a file built whole
from a large panel, by a job whose page offers the finished file (services/export_jobs.py)."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...access import no_store, research_survey_view
from ...broker import BrokerUnavailable
from ...models import Job
from ..exports import registry
from ..services import export_jobs, snapshots

MESSAGE_EXPORT_LATER = (
    "The export is saved, but the task queue is unreachable just now: it starts when the "
    "worker is back (it retries every minute)."
)
MESSAGE_FILE_EXPIRED = (
    "This file is no longer kept (files are removed after a day): export it again."
)


def _exporter_or_404(key: str) -> registry.Exporter:
    exporter = registry.EXPORTERS.get(key)
    if exporter is None:
        raise Http404("No such export")
    return exporter


def _job_started(request, survey, start) -> HttpResponse:
    try:
        job_id = start().pk
    except BrokerUnavailable as error:
        messages.warning(request, MESSAGE_EXPORT_LATER)
        job_id = error.ids[0]
    return redirect("research:results_export_job", slug=survey.slug, job_id=job_id)


def _offered_as_job(request, survey, key: str, include_test: bool) -> HttpResponse | None:
    """Above EXPORT_JOB_ABOVE, a file built whole is a job: GET offers it, POST starts it.
    None when the file downloads at once."""
    if not export_jobs.export_job_needed(survey=survey, key=key, include_test=include_test):
        return None
    if request.method == "POST":
        return _job_started(
            request,
            survey,
            lambda: export_jobs.export_job_create(
                survey=survey, key=key, include_test=include_test, actor=request.user
            ),
        )
    context = {
        "survey": survey,
        "exporter": export_jobs.job_exporter(key),
        "threshold": settings.EXPORT_JOB_ABOVE,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
    }
    return render(request, "research/results/export_prepare.html", context)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def results_export(request, survey, key: str):
    exporter = _exporter_or_404(key)
    include_test = request.GET.get("tests") == "1"  # as the comments and invitations say it
    refusal = registry.export_refusal(key=key, survey=survey, include_test=include_test)
    if refusal:
        messages.error(request, refusal)
        return redirect("research:results", slug=survey.slug)
    offered = _offered_as_job(request, survey, key, include_test)
    if offered is not None:
        return offered
    if request.method == "POST":
        return redirect(request.path)
    return _direct(survey, exporter, include_test)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def results_bundle(request, survey):
    snapshot = snapshots.snapshot_current(survey=survey)
    if snapshot is None:
        raise Http404("No results computed yet")
    offered = _offered_as_job(request, survey, export_jobs.BUNDLE.key, False)
    if offered is not None:
        return offered
    if request.method == "POST":
        return redirect(request.path)
    from ..exports import bundle, methods_text  # pandas and scipy load with them

    _, markdown, html = methods_text.methods_files(survey)
    body = bundle.bundle_bytes(
        survey=survey, snapshot=snapshot, methods_md=markdown, methods_html=html
    )
    response = HttpResponse(body, content_type=export_jobs.BUNDLE.content_type)
    filename = export_jobs.export_job_filename(key=export_jobs.BUNDLE.key, slug=survey.slug)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _direct(survey, exporter, include_test: bool) -> HttpResponse:
    tables = None
    if exporter.from_snapshot:
        snapshot = snapshots.snapshot_current(survey=survey)
        if snapshot is None:
            raise Http404("No results computed yet")
        tables = snapshot.tables
    chunks = registry.export_chunks(
        key=exporter.key, survey=survey, tables=tables, include_test=include_test
    )
    if exporter.streams:
        # Rows go out as the database yields them: memory does not grow with the panel.
        response = StreamingHttpResponse(chunks, content_type=exporter.content_type)
    else:
        response = HttpResponse(b"".join(chunks), content_type=exporter.content_type)
    filename = registry.export_filename(key=exporter.key, slug=survey.slug)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_url(survey, key: str) -> str:
    if key == export_jobs.BUNDLE.key:
        return reverse("research:results_bundle", args=[survey.slug])
    return reverse("research:results_export", args=[survey.slug, key])


def _job_or_404(survey, job_id: int) -> Job:
    return get_object_or_404(export_jobs.export_jobs(survey=survey), pk=job_id)


@require_GET
@research_survey_view
@no_store
def results_export_job(request, survey, job_id: int):
    job = _job_or_404(survey, job_id)
    context = {
        "survey": survey,
        "job": job,
        "exporter": export_jobs.job_exporter(job.result["key"]),
        "kept": export_jobs.export_file(job=job) is not None,
        "again_url": _export_url(survey, job.result["key"]),
    }
    return render(request, "research/results/export_job.html", context)


@require_POST
@research_survey_view
@no_store
def results_export_retry(request, survey, job_id: int):
    job = _job_or_404(survey, job_id)
    if job.status != Job.Status.FAILED:
        messages.error(request, export_jobs.ERROR_NOT_RETRYABLE)
        return redirect("research:results_export_job", slug=survey.slug, job_id=job.pk)
    return _job_started(
        request, survey, lambda: export_jobs.export_job_retry(job=job, actor=request.user)
    )


@require_GET
@research_survey_view
@no_store
def results_export_file(request, survey, job_id: int):
    job = _job_or_404(survey, job_id)
    path = export_jobs.export_file(job=job)
    if path is None:
        if job.status == Job.Status.DONE:
            messages.error(request, MESSAGE_FILE_EXPIRED)
        return redirect("research:results_export_job", slug=survey.slug, job_id=job.pk)
    exporter = export_jobs.job_exporter(job.result["key"])
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.result["filename"],
        content_type=exporter.content_type,
    )
