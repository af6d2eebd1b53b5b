"""Delphi rounds, the researchers' side: the next round started from a closed one (a
`<dialog>` on the dashboard, a confirmation page without script), the round's feedback to
experts, and the previous round's comments approved as reasons shown."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ...access import no_store, research_survey_view
from ...models import Survey
from ...results.services.snapshots import snapshot_current
from ..forms import FeedbackForm, ReasonApproveForm, RoundStartForm
from ..selectors import rounds as round_selectors
from ..services import rounds
from .common import render_page

MESSAGE_STARTED = (
    "Round {number} is created, as a draft, with {invited} expert(s). Next: set its dates "
    "and texts, check its emails, set the feedback to experts and approve the reasons shown, "
    "then open it."
)
MESSAGE_FEEDBACK_SAVED = "Feedback to experts saved."
MESSAGE_UNCHANGED = "Nothing to save: nothing was changed."
MESSAGE_REASON_APPROVED = "The reason is approved: experts of this round see it."
MESSAGE_REASON_WITHDRAWN = "The approval is withdrawn: experts no longer see this reason."


def round_start_context(survey: Survey) -> dict:
    """What the "Start round k+1" dialog and its confirmation page say: who is on each
    panel, which statements are settled. Only for a closed round that may start one."""
    if (
        survey.status != Survey.Status.CLOSED
        or survey.anonymised_at is not None
        or round_selectors.has_next_round(survey)
    ):
        return {"can_start_round": False}
    panels = [
        (value, label, rounds.panel_invitations(survey, value).filter(is_test=False).count())
        for value, label in Survey.RoundPanel.choices
    ]
    settled = round_selectors.settled_in_snapshot(survey, snapshot_current(survey=survey))
    return {
        "can_start_round": True,
        "next_number": survey.round_number + 1,
        "panels": panels,
        "settled": settled,
        "has_rule": bool(survey.consensus_rule),
        "round_form": RoundStartForm(initial={"panel": "respondents", "statements": "all"}),
    }


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def round_start(request, survey):
    if request.method == "POST":
        form = RoundStartForm(request.POST)
        data = form.data
        try:
            following = rounds.round_start(
                survey=survey,
                actor=request.user,
                panel=data.get("panel", ""),
                statements=data.get("statements", ""),
            )
        except rounds.RoundError as error:
            messages.error(request, str(error))
        else:
            invited = following.invitations.filter(is_test=False).count()
            text = MESSAGE_STARTED.format(number=following.round_number, invited=invited)
            messages.success(request, text)
            return redirect("research:dashboard", following.slug)
    return render_page(request, "round_start.html", survey, **round_start_context(survey))


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def round_feedback(request, survey):
    initial = {name: getattr(survey, name) for name in rounds.FEEDBACK_FIELDS}
    form = FeedbackForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = rounds.round_feedback_save(
                survey=survey, actor=request.user, **form.cleaned_data
            )
        except rounds.RoundError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, MESSAGE_FEEDBACK_SAVED if changed else MESSAGE_UNCHANGED)
            return redirect("research:edit_feedback", survey.slug)
    status = 400 if form.errors else 200
    return render_page(request, "editor/feedback.html", survey, status=status, form=form)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def round_reasons(request, survey):
    if request.method == "POST":
        form = ReasonApproveForm(request.POST)
        try:
            if not form.is_valid():
                refusal = form.errors.get("text", [rounds.ERROR_REASON_UNKNOWN])[0]
                raise rounds.RoundError(refusal)
            answer_id, text = form.cleaned_data["answer"], form.cleaned_data["text"]
            if form.cleaned_data["action"] == "withdraw":
                rounds.reason_withdraw(survey=survey, answer_id=answer_id, actor=request.user)
                messages.success(request, MESSAGE_REASON_WITHDRAWN)
            else:
                rounds.reason_approve(
                    survey=survey, answer_id=answer_id, actor=request.user, text=text
                )
                messages.success(request, MESSAGE_REASON_APPROVED)
        except rounds.RoundError as error:
            messages.error(request, str(error))
        return redirect("research:reasons", survey.slug)
    groups = round_selectors.reasons_to_approve(survey) if survey.previous_round_id else []
    return render_page(request, "editor/reasons.html", survey, groups=groups)
