"""The invitations table, its mass actions and export, one invitation and its expert."""

import itertools
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ...access import no_store, research_survey_view
from ...broker import BrokerUnavailable
from ...choices import SECTOR_GROUPS, STATE_LABELS, STATES
from ...links import invitation_url
from ...models import EmailDelivery, ScheduledSend
from ...results.exports import writers
from .. import selectors
from ..forms import ExpertForm, ReasonForm, SendAtForm
from ..services import deliveries, emails, experts, lifecycle, mass, reminders
from .common import (
    FILTER_KEYS,
    MESSAGE_BAD_ACTION,
    MESSAGE_EXPERT_SAVED,
    MESSAGE_NOTHING,
    MESSAGE_QUEUED,
    MESSAGE_QUEUED_LATER,
    MESSAGE_QUIET,
    MESSAGE_RESENT,
    MESSAGE_SCHEDULE_CANCELLED,
    MESSAGE_SCHEDULED,
    MESSAGE_UNCHANGED,
    MESSAGE_WAITING,
    PAGE_SIZE,
    invitation_or_404,
    render_page,
)


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
        "test_count": selectors.test_invitation_count(survey),
        "scheduled": selectors.scheduled_sends(survey),
    }
    return render_page(request, "invitations.html", survey, **context)


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
        if waiting:
            return MESSAGE_WAITING.format(count=waiting)
        quiet = mass.mass_preview(survey=survey, action=action, invitations=targets).quiet
        if quiet:
            return MESSAGE_QUIET.format(count=quiet, days=survey.reminder_quiet_days)
        return MESSAGE_NOTHING
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
    """Send, remind and revoke first show whom they would affect (the confirmation step,
    which changes nothing); the confirmed post acts, now or, for a send, at a time."""
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
    if action in mass.PREVIEWED_ACTIONS:
        form = SendAtForm(request.POST)
        if request.POST.get("confirmed") != "1" or not form.is_valid():
            return _bulk_confirm_page(request, survey, action, targets, form, back)
        if request.POST.get("when") == "later" and action in mass.SCHEDULED_ACTIONS:
            return _bulk_schedule(request, survey, action, targets, form, back)
    _run_and_say(request, survey, action, targets)
    return redirect(back)


def _bulk_confirm_page(request, survey, action, targets, form, back):
    """The confirmation step (200), or its time refused (400): nothing has changed."""
    confirmed = request.POST.get("confirmed") == "1"
    context = {
        "preview": mass.mass_preview(survey=survey, action=action, invitations=targets),
        "action": action,
        "verb": BULK_VERBS[action],
        "scope": request.POST.get("scope", "selected"),
        "ids": request.POST.getlist("ids"),
        "filters": _filters(request.POST),
        "send_at_form": form if confirmed else SendAtForm(),
        "schedulable": action in mass.SCHEDULED_ACTIONS,
        "back": back,
        "timezone": timezone.get_current_timezone_name(),
    }
    status = 400 if confirmed and form.errors else 200
    return render_page(request, "bulk_confirm.html", survey, status=status, **context)


def _bulk_schedule(request, survey, action, targets, form, back):
    send_at = form.cleaned_data["send_at"]
    if send_at is None:
        form.add_error("send_at", mass.ERROR_SEND_AT_MISSING)
        return _bulk_confirm_page(request, survey, action, targets, form, back)
    try:
        mass.scheduled_send_create(
            survey=survey, action=action, invitations=targets, send_at=send_at, actor=request.user
        )
    except emails.EmailError as error:
        form.add_error("send_at", str(error))
        return _bulk_confirm_page(request, survey, action, targets, form, back)
    when = timezone.localtime(send_at)
    messages.success(request, MESSAGE_SCHEDULED.format(when=f"{when:%d %b %Y %H:%M %Z}"))
    return redirect(back)


BULK_VERBS = {
    "send": "Send the invitation",
    "remind": "Send a reminder",
    "revoke": "Revoke the link",
}


@require_POST
@research_survey_view
def scheduled_send_cancel(request, survey, scheduled_id):
    get_object_or_404(ScheduledSend, pk=scheduled_id, survey=survey)
    try:
        mass.scheduled_send_cancel(survey=survey, scheduled_id=scheduled_id, actor=request.user)
    except emails.EmailError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, MESSAGE_SCHEDULE_CANCELLED)
    return redirect("research:invitations", survey.slug)


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
    include_tests = request.GET.get("tests") == "1"
    rows = itertools.chain(
        [selectors.EXPORT_HEADER],
        selectors.invitation_rows(survey, include_tests=include_tests),
    )
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
        "link": "" if invitation.revoked_at or survey.anonymised_at else invitation_url(invitation),
        "deliveries": selectors.deliveries_for_invitation(invitation),
        "events": selectors.audit_for_invitation(invitation)[:200],
        "reason_form": ReasonForm(),
        "expert_form": expert_form,
    }
    return render_page(request, "invitation.html", survey, status=status, **context)


@require_GET
@research_survey_view
@no_store
def invitation_detail(request, survey, pk):
    invitation = invitation_or_404(survey, pk)
    expert = invitation.expert
    form = ExpertForm(initial={name: getattr(expert, name) for name in experts.EXPERT_FIELDS})
    return _invitation_page(request, survey, invitation, form)


@require_POST
@research_survey_view
@no_store
def expert_edit(request, survey, pk):
    invitation = invitation_or_404(survey, pk)
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
    return _invitation_page(request, survey, invitation_or_404(survey, pk), form, status=400)


INVITATION_ACTIONS = {"send", "remind", "revoke", "regenerate", "bounce"}


@require_POST
@research_survey_view
def invitation_action(request, survey, pk, action):
    if action not in INVITATION_ACTIONS:
        raise Http404("No such action")
    invitation = invitation_or_404(survey, pk)
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
