"""Importing an expert list: upload, preview, confirm."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...access import no_store, research_survey_view
from ...models import Job
from ..forms import ExpertUploadForm
from ..services import experts, staging
from .common import MESSAGE_IMPORTED, render_page


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def import_upload(request, survey):
    form = ExpertUploadForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        return render_page(request, "import_upload.html", survey, form=form)
    error = ""
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            parsed = experts.experts_parse(survey=survey, data=upload.read(), filename=upload.name)
        except experts.ImportRefused as refused:
            error = str(refused)
        else:
            job = staging.import_stage(
                survey=survey, parsed=parsed, filename=upload.name, actor=request.user
            )
            return redirect("research:import_preview", survey.slug, job.pk)
    return _import_refused(request, survey, error, form=form)


def _import_refused(request, survey, error: str, status=400, form=None):
    form = form or ExpertUploadForm()
    return render_page(request, "import_upload.html", survey, status, form=form, error=error)


def _staged(request, survey, job_id):
    return get_object_or_404(
        Job, pk=job_id, survey=survey, kind=staging.JOB_KIND, created_by=request.user
    )


@require_GET
@research_survey_view
@no_store
def import_preview(request, survey, job_id):
    job = _staged(request, survey, job_id)
    if job.status != Job.Status.PENDING:
        return redirect("research:dashboard", survey.slug)
    if staging.staged_expired(job):
        return _import_refused(request, survey, staging.ERROR_EXPIRED, status=410)
    context = job.result | {"job": job, "expires_at": staging.staged_expires_at(job)}
    return render_page(request, "import_preview.html", survey, **context)


@require_POST
@research_survey_view
def import_confirm(request, survey, job_id):
    job = _staged(request, survey, job_id)
    try:
        count = staging.import_confirm(survey=survey, job_id=job.pk, actor=request.user)
    except experts.ImportRefused as refused:
        return _import_refused(request, survey, str(refused))
    messages.success(request, MESSAGE_IMPORTED.format(count=count))
    return redirect("research:invitations", survey.slug)
