"""The researcher's fieldwork pages under /research/. Every view goes through
`research_survey_view` (a researcher signed in, then membership of the survey) or, for the
survey list, `researcher_required` and `surveys_for_user` (in `selectors.surveys_listed`)."""

import itertools
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..access import no_store, research_survey_view, researcher_required
from ..broker import BrokerUnavailable
from ..choices import SECTOR_GROUPS, STATE_LABELS, STATES
from ..links import invitation_url
from ..models import EmailDelivery, Job
from ..results.exports import writers
from . import charts, selectors
from .forms import (
    AnonymiseForm,
    EmailTemplatesForm,
    ExpertForm,
    ExpertUploadForm,
    OpenSurveyForm,
    ReasonForm,
)
from .services import deliveries, emails, experts, lifecycle, reminders, staging

PAGE_SIZE = 50
FILTER_KEYS = ("state", "sector", "delivery", "q", "sort")
MESSAGE_IMPORTED = "Imported {count} experts. Their invitations are ready to send."
MESSAGE_QUEUED = "{count} email(s) queued. They go out in the background."
MESSAGE_NOTHING = "No email queued: none of the selected experts can be written to now."
MESSAGE_WAITING = (
    "No new email queued: {count} email(s) to the selected experts are queued already and go "
    "out when the worker takes them."
)
MESSAGE_BAD_ACTION = "Choose an action."
MESSAGE_RESENT = "The email is queued again. It goes out in the background."
MESSAGE_EXPERT_SAVED = "The expert's details are saved."
MESSAGE_UNCHANGED = "Nothing to save: the details were unchanged."
MESSAGE_QUEUED_LATER = (
    "{count} email(s) queued, but the task queue is unreachable just now: they will go out "
    "when the worker is back (it retries every minute). Nothing needs doing."
)


def _render(request, template, survey=None, status=200, **context):
    context = context | {"survey": survey}
    return render(request, f"research/fieldwork/{template}", context, status=status)


def _invitation(survey, pk):
    return get_object_or_404(survey.invitations.select_related("expert", "survey"), pk=pk)


@require_GET
@researcher_required
@no_store
def survey_list(request):
    return _render(request, "survey_list.html", surveys=selectors.surveys_listed(request.user))


@require_GET
@research_survey_view
@no_store
def dashboard(request, survey):
    timeline = selectors.timeline(survey)
    context = {
        "counts": [
            (code, STATE_LABELS[code], n) for code, n in selectors.state_counts(survey).items()
        ],
        "rates": selectors.rates_overall(survey),
        "by_sector": selectors.rates_by_assigned_sector(survey),
        "by_stated": selectors.counts_by_stated_sector(survey),
        "chart": charts.submissions_chart(**timeline),
        "days_left": selectors.days_left(survey),
        "unknown": selectors.deliveries_unknown_count(survey),
        "provisional": lifecycle.provisional_count(survey),
        "open_form": OpenSurveyForm(),
    }
    return _render(request, "dashboard.html", survey, **context)


def _filters(source) -> dict:
    return {key: source.get(key, "") for key in FILTER_KEYS}


@require_GET
@research_survey_view
@no_store
def invitations(request, survey):
    filters = _filters(request.GET)
    rows = selectors.invitations_table(survey, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    context = {
        "page": page,
        "filters": filters,
        "query": query,
        "states": STATES,
        "sectors": SECTOR_GROUPS,
        "delivery_statuses": EmailDelivery.Status.choices,
        "sorts": _sort_links(filters),
        "reason_form": ReasonForm(),
    }
    return _render(request, "invitations.html", survey, **context)


def _sort_links(filters: dict) -> dict:
    links = {}
    for key in selectors.SORTS:
        target = f"-{key}" if filters["sort"] == key else key
        params = {k: v for k, v in filters.items() if v and k != "sort"} | {"sort": target}
        links[key] = "?" + urlencode(params)
    return links


BULK_ACTIONS = {"send", "remind", "revoke", "regenerate", "bounce"}


def _bulk_targets(request, survey):
    if request.POST.get("scope") == "filtered":
        return selectors.invitations_table(survey, **_filters(request.POST))
    # ASCII digits that fit a bigint: str.isdigit() also takes "²", which int() refuses.
    ids = [int(pk) for pk in request.POST.getlist("ids") if re.fullmatch(r"[0-9]{1,18}", pk)]
    return survey.invitations.filter(pk__in=ids)


def _bulk_run(request, survey, action, targets) -> str:
    user = request.user
    if action in ("send", "remind"):
        send = deliveries.invitations_send if action == "send" else reminders.reminders_send
        count = send(survey=survey, invitations=targets, actor=user)
        if count:
            return MESSAGE_QUEUED.format(count=count)
        kind = EmailDelivery.Kind.INVITATION if action == "send" else EmailDelivery.Kind.REMINDER
        waiting = selectors.deliveries_waiting_count(targets, kind=kind)
        return MESSAGE_WAITING.format(count=waiting) if waiting else MESSAGE_NOTHING
    if action == "bounce":
        reason = request.POST.get("reason", "")
        count = lifecycle.invitations_mark_bounced(
            survey=survey, invitations=targets, reason=reason, actor=user
        )
        return f"{count} invitation(s) marked as bounced."
    rows = list(targets.select_related("survey"))
    for invitation in rows:
        if action == "revoke":
            lifecycle.invitation_revoke(invitation=invitation, actor=user)
        else:
            lifecycle.invitation_regenerate_link(invitation=invitation, actor=user)
    verb = "revoked" if action == "revoke" else "given new links (the old ones no longer work)"
    return f"{len(rows)} invitation(s) {verb}."


@require_POST
@research_survey_view
def invitations_bulk(request, survey):
    action = request.POST.get("action", "")
    back = reverse("research:invitations", args=[survey.slug])
    query = urlencode({k: v for k, v in _filters(request.POST).items() if v})
    back = f"{back}?{query}" if query else back
    if action not in BULK_ACTIONS:
        messages.error(request, MESSAGE_BAD_ACTION)
        return redirect(back)
    targets = _bulk_targets(request, survey)
    if request.POST.get("scope") != "filtered" and not targets.exists():
        messages.error(request, emails.ERROR_NOTHING_SELECTED)
        return redirect(back)
    _run_and_say(request, survey, action, targets)
    return redirect(back)


def _run_and_say(request, survey, action, targets) -> None:
    try:
        messages.success(request, _bulk_run(request, survey, action, targets))
    except (emails.EmailError, lifecycle.LifecycleError) as error:
        messages.error(request, str(error))
    except BrokerUnavailable as error:
        messages.warning(request, MESSAGE_QUEUED_LATER.format(count=len(error.ids)))


@require_GET
@research_survey_view
def invitations_export(request, survey, fmt):
    rows = itertools.chain([selectors.EXPORT_HEADER], selectors.invitation_rows(survey))
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        body = writers.csv_bytes(rows, excel_bom=True)
        content_type = "text/csv; charset=utf-8"
    else:
        body = writers.xlsx_bytes(rows, "Invitations")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    filename = f"{survey.slug}-invitations-{stamp}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


def _invitation_page(request, survey, invitation, expert_form, status=200):
    state = selectors.invitations_annotated(survey).get(pk=invitation.pk)
    context = {
        "invitation": invitation,
        "state": STATE_LABELS[state.state],
        "answered": state.answered,
        "link": invitation_url(invitation) if invitation.revoked_at is None else "",
        "deliveries": selectors.deliveries_for_invitation(invitation),
        "events": selectors.audit_for_invitation(invitation)[:200],
        "reason_form": ReasonForm(),
        "expert_form": expert_form,
    }
    return _render(request, "invitation.html", survey, status=status, **context)


@require_GET
@research_survey_view
@no_store
def invitation_detail(request, survey, pk):
    invitation = _invitation(survey, pk)
    expert = invitation.expert
    form = ExpertForm(initial={name: getattr(expert, name) for name in experts.EXPERT_FIELDS})
    return _invitation_page(request, survey, invitation, form)


@require_POST
@research_survey_view
@no_store
def expert_edit(request, survey, pk):
    invitation = _invitation(survey, pk)
    form = ExpertForm(request.POST)
    if form.is_valid():
        try:
            changed = experts.expert_update(
                expert=invitation.expert, actor=request.user, **form.cleaned_data
            )
        except experts.ExpertError as refused:
            for field, message in refused.problems:
                form.add_error(field, message)
        else:
            messages.success(request, MESSAGE_EXPERT_SAVED if changed else MESSAGE_UNCHANGED)
            return redirect("research:invitation", survey.slug, invitation.pk)
    # Shown as saved, beside the refused form.
    return _invitation_page(request, survey, _invitation(survey, pk), form, status=400)


INVITATION_ACTIONS = {"send", "remind", "revoke", "regenerate", "bounce"}


@require_POST
@research_survey_view
def invitation_action(request, survey, pk, action):
    if action not in INVITATION_ACTIONS:
        raise Http404("No such action")
    invitation = _invitation(survey, pk)
    _run_and_say(request, survey, action, survey.invitations.filter(pk=invitation.pk))
    return redirect("research:invitation", survey.slug, invitation.pk)


@require_POST
@research_survey_view
def delivery_resend(request, survey, pk, delivery_id):
    scope = {"invitation_id": pk, "invitation__survey": survey}
    get_object_or_404(EmailDelivery, pk=delivery_id, **scope)
    try:
        deliveries.delivery_resend(delivery_id=delivery_id, actor=request.user)
    except emails.EmailError as error:
        messages.error(request, str(error))
    except BrokerUnavailable as error:
        messages.warning(request, MESSAGE_QUEUED_LATER.format(count=len(error.ids)))
    else:
        messages.success(request, MESSAGE_RESENT)
    return redirect("research:invitation", survey.slug, pk)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def import_upload(request, survey):
    form = ExpertUploadForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        return _render(request, "import_upload.html", survey, form=form)
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
    return _render(request, "import_upload.html", survey, status, form=form, error=error)


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
    return _render(request, "import_preview.html", survey, **context)


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


def _templates_initial(survey) -> dict:
    return emails.survey_templates(survey) | {
        "researcher_name": survey.researcher_name,
        "reminder_days": ", ".join(str(day) for day in survey.reminder_days),
        "reminder_max": survey.reminder_max,
    }


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def email_settings(request, survey):
    form = EmailTemplatesForm(request.POST or None, initial=_templates_initial(survey))
    if request.method == "POST" and form.is_valid():
        try:
            emails.survey_emails_save(survey=survey, actor=request.user, **form.cleaned_data)
        except emails.EmailError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Email settings saved.")
            return redirect("research:email_preview", survey.slug)
    context = {"form": form, "merge_fields": emails.MERGE_FIELDS.items()}
    return _render(request, "emails.html", survey, **context)


@require_GET
@research_survey_view
@no_store
def email_preview(request, survey):
    email = request.GET.get("email", "").strip()
    candidates = survey.invitations.select_related("expert", "survey").order_by("expert__name")
    invitation = (
        candidates.filter(expert__email__iexact=email).first() if email else candidates.first()
    )
    not_found = bool(email) and invitation is None
    context = {"email": email, "invitation": invitation, "not_found": not_found}
    if invitation is not None:
        context["previews"] = [
            ("Invitation", emails.email_render(invitation=invitation, kind="invitation")),
            ("Reminder", emails.email_render(invitation=invitation, kind="reminder")),
        ]
    return _render(request, "email_preview.html", survey, **context)


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
    return _render(request, "anonymise.html", survey, form=form)


@require_GET
@research_survey_view
@no_store
def audit(request, survey):
    page = Paginator(selectors.audit_for_survey(survey), 100).get_page(request.GET.get("page"))
    return _render(request, "audit.html", survey, page=page)
