"""One respondent's page (timeline, answers and comments, background, time taken), withdrawing
and deleting their response, and the researchers' own test invitations."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from ...access import no_store, research_survey_view
from ...choices import GENDERS, STATED_SECTORS
from ...respondent.selectors import answer_rows, response_or_none
from .. import selectors
from ..services import respondents
from ..services.experts import ExpertError
from .common import invitation_or_404, render_page

MESSAGE_NO_RESPONSE = "This expert has no response: nothing to withdraw or delete."
MESSAGE_WITHDRAWN = "The response is withdrawn: it leaves the results at their next refresh."
MESSAGE_DELETED = "The response and its answers are deleted. The invitation stays, as not started."
MESSAGE_TEST_CREATED = (
    "Your test invitation is ready: open its personal link below to walk through."
)
MESSAGE_TESTS_DELETED = "{count} test invitation(s) and their responses are deleted."


def _background(response) -> dict:
    sectors = dict(STATED_SECTORS)
    return {
        "sectors": [sectors.get(code, code) for code in response.sectors or []],
        "gender": dict(GENDERS).get(response.gender, ""),
    }


def _duration(taken) -> str:
    """A time taken as people say it: "1 h 5 min", "12 min", "40 s"."""
    seconds = max(int(taken.total_seconds()), 0)
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


@require_GET
@research_survey_view
@no_store
def respondent(request, survey, pk):
    invitation = invitation_or_404(survey, pk)
    response = response_or_none(invitation)
    context = {
        "invitation": invitation,
        "response": response,
        "timeline": selectors.respondent_timeline(invitation, response),
    }
    if response is not None:
        context["answers"] = answer_rows(response=response)
        context["background"] = _background(response)
        if response.submitted_at is not None:
            context["time_taken"] = _duration(response.submitted_at - response.consented_at)
    return render_page(request, "respondent.html", survey, **context)


def _confirmed(request) -> bool:
    return request.POST.get("confirm") == "on"


def _response_act(request, survey, pk, service, done: str):
    """Withdraw or delete: the service refuses without the confirmation tick, and says why."""
    response = response_or_none(invitation_or_404(survey, pk))
    if response is None:
        messages.error(request, MESSAGE_NO_RESPONSE)
        return redirect("research:respondent", survey.slug, pk)
    try:
        service(response=response, actor=request.user, confirm=_confirmed(request))
    except respondents.RespondentsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("research:respondent", survey.slug, pk)


@require_POST
@research_survey_view
def respondent_withdraw(request, survey, pk):
    return _response_act(request, survey, pk, respondents.response_withdraw, MESSAGE_WITHDRAWN)


@require_POST
@research_survey_view
def respondent_delete(request, survey, pk):
    return _response_act(request, survey, pk, respondents.response_delete, MESSAGE_DELETED)


@require_POST
@research_survey_view
def test_invitation_create(request, survey):
    try:
        invitation = respondents.test_invitation_create(
            survey=survey, actor=request.user, sector=request.POST.get("sector", "")
        )
    except ExpertError as error:
        messages.error(request, str(error))
        return redirect("research:invitations", survey.slug)
    messages.success(request, MESSAGE_TEST_CREATED)
    return redirect("research:invitation", survey.slug, invitation.pk)


@require_POST
@research_survey_view
def test_responses_delete(request, survey):
    try:
        count = respondents.test_responses_delete(
            survey=survey, actor=request.user, confirm=_confirmed(request)
        )
    except respondents.RespondentsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, MESSAGE_TESTS_DELETED.format(count=count))
    return redirect("research:invitations", survey.slug)
