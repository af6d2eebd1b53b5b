"""The pages of statements and their autosave."""

import logging
import re
from functools import wraps

from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from .. import feedback as delphi_feedback
from .. import languages, selectors, services
from ..session import json_refusal, private, respondent_view, session_link

logger = logging.getLogger(__name__)
UNSAVED_SALT = "surveysite.respondent.unsaved"
MESSAGE_UNAVAILABLE = gettext_noop(
    "Not saved yet: the server cannot save just now. Your choice stays on screen and is "
    "saved by itself."
)


def _page_context(invitation, response, number: int, errors=None) -> dict:
    per_page = invitation.survey.statements_per_page
    ids = selectors.page_statement_ids(response=response, per_page=per_page, number=number)
    answers = selectors.answers_by_statement(response=response, statement_ids=ids)
    # Sections head their statements in the survey's own order; a shuffled order has none.
    survey = invitation.survey
    in_sections = survey.order != survey.Order.RANDOMIZED
    items, section = [], ""
    shown = selectors.statements_shown(response=response, ids=ids, sections=in_sections)
    feedback = delphi_feedback.page_feedback(invitation=invitation, statement_ids=ids)
    for statement in shown:
        # A section's title heads the first of its statements on the page.
        title = getattr(statement, "section_title", "") or ""
        starts = title if title and title != section else ""
        items.append(
            {
                "statement": statement,
                "answer": answers.get(statement.pk),
                "section": starts,
                "feedback": feedback.get(statement.pk) if feedback else None,
            }
        )
        section = title
    pages = selectors.page_count(response=response, per_page=per_page)
    return {
        "survey": invitation.survey,
        "response": response,
        # Unsaved choices are kept in the tab per response: statement ids are shared
        # between surveys, and a tab may switch to another invitation.
        "unsaved_key": salted_hmac(UNSAVED_SALT, str(response.pk)).hexdigest()[:20],
        "items": items,
        "number": number,
        "pages": range(1, pages + 1),
        "page_total": pages,
        "total": len(response.statement_order),
        "errors": errors or [],
        "feedback": feedback,
    }


def _render_page(request, context, status=200):
    context["answered"] = selectors.answered_count(response=context["response"])
    return render(request, "respondent/page.html", context, status=status)


def _posted_answers(post, items) -> list[services.AnswerInput]:
    """The page's answers that differ from what is stored; raises RespondentError."""
    cleared = post.get("clear", "")
    changed = []
    for item in items:
        statement, stored = item["statement"], item["answer"]
        value_key, comment_key = f"value_{statement.pk}", f"comment_{statement.pk}"
        stored_value = stored.value if stored else None
        stored_comment = stored.comment if stored else ""
        value = post.get(value_key, "" if stored_value is None else str(stored_value))
        if cleared == str(statement.pk):
            value = ""
        feedback = item.get("feedback")
        # "Keep my answer": this round's answer set to the previous round's.
        if (
            feedback
            and feedback.previous_value is not None
            and post.get("keep") == str(statement.pk)
        ):
            value = str(feedback.previous_value)
        comment = post.get(comment_key, stored_comment)
        answer = services.parse_answer(statement=str(statement.pk), value=value, comment=comment)
        if (answer.value, answer.comment) != (stored_value, stored_comment):
            changed.append(answer)
    return changed


def _after_page(post, number: int, page_total: int):
    target = post.get("goto", "")
    for stay in ("clear", "keep"):
        if stay in post:
            return reverse("respondent:page", args=[number]) + f"#st-{post[stay]}"
    if target == "previous":
        return (
            reverse("respondent:page", args=[number - 1])
            if number > 1
            else reverse("respondent:landing")
        )
    if target == "next":
        if number < page_total:
            return reverse("respondent:page", args=[number + 1])
        return reverse("respondent:background")
    if target in ("background", "review"):
        return reverse(f"respondent:{target}")
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if re.fullmatch(r"[0-9]{1,4}", target) and 1 <= int(target) <= page_total:
        return reverse("respondent:page", args=[int(target)])
    return reverse("respondent:page", args=[number])


@private
@require_http_methods(["GET", "POST"])
@respondent_view()
def page(request, invitation, number: int):
    response = invitation.response
    per_page = invitation.survey.statements_per_page
    page_total = selectors.page_count(response=response, per_page=per_page)
    if not 1 <= number <= page_total:
        raise Http404("No such page")
    context = _page_context(invitation, response, number)
    if request.method == "POST":
        try:
            changed = _posted_answers(request.POST, context["items"])
            _check_reasons(response, changed, context["items"])
            services.answers_save(
                response=response, answers=changed, link_hash=invitation.link_hash
            )
        except services.RespondentError as error:
            context["errors"] = [translation.gettext(str(error))]
            return _render_page(request, context, status=400)
        return redirect(_after_page(request.POST, number, page_total))
    if context["feedback"]:
        services.feedback_record(response=response, feedback=context["feedback"])
    return _render_page(request, context)


def _check_reasons(response, changed, items) -> None:
    """A page is left only with a reason beside each answer that moved far enough (the
    rule: respondent/delphi.py); nothing on it is saved until then."""
    if response.invitation.survey.previous_round_id is None:
        return
    after = {}
    for item in items:
        stored = item["answer"]
        after[item["statement"].pk] = (stored.value, stored.comment) if stored else (None, "")
    for answer in changed:
        kept = after.get(answer.statement_id, (None, ""))[1]
        comment = kept if answer.comment is None else answer.comment
        after[answer.statement_id] = (answer.value, comment)
    missing = services.reasons_missing(
        response=response, answers=after, statements=[item["statement"] for item in items]
    )
    if missing:
        names = ", ".join(statement.title for statement in missing)
        message = translation.gettext(services.ERROR_REASON).format(statements=names)
        raise services.RespondentError(message)


def _json_when_unavailable(view):
    """A database that is down or restarting: JSON the page understands and retries (503),
    not an error page it cannot read."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            logger.warning("Autosave refused, database unavailable: %s", error)
            # No database to read the expert's language from: the browser's.
            with translation.override(languages.request_language(request)):
                return json_refusal("unavailable", MESSAGE_UNAVAILABLE, 503)

    return wrapper


@private
@require_POST
@_json_when_unavailable
def answer_autosave(request):
    """The usual save is one SQL statement, before any other query (services.py); anything
    it does not take goes through the gate and the full path, which explain the refusal."""
    try:
        answer = services.parse_answer(
            statement=request.POST.get("statement"),
            value=request.POST.get("value", ""),
            comment=request.POST.get("comment"),  # absent: keep the stored comment
        )
    except services.RespondentError as error:
        return _autosave_refused(request, str(error))
    link = session_link(request)
    if link is not None and services.answer_save_direct(
        invitation_id=link.invitation_id, link_hash=link.link_hash, answer=answer
    ):
        return _autosaved(answer)
    return _autosave_full(request, answer)


@respondent_view(json=True)
def _autosave_refused(request, invitation, message: str):
    return json_refusal("invalid", message, 400)


@respondent_view(json=True)
def _autosave_full(request, invitation, answer):
    try:
        services.answer_save(
            response=invitation.response, answer=answer, link_hash=invitation.link_hash
        )
    except services.RespondentError as error:
        return json_refusal("invalid", str(error), 400)
    return _autosaved(answer)


def _autosaved(answer):
    # Progress is counted by the page itself (questionnaire.js): one query less per save.
    return JsonResponse({"saved": True, "statement": answer.statement_id, "value": answer.value})
