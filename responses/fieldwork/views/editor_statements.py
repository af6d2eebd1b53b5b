"""The survey editor's statements and sections: pick from the catalogue, add new ones, reword
them while unanswered, move them up and down (plain forms: no script needed) and group them
into titled sections."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from statements.models import Statement
from statements.selectors import CATALOGUE_PAGE, catalogue_search

from ...access import no_store, research_survey_view
from .. import selectors
from ..forms import SectionForm, StatementNewForm, WordingForm
from ..services import questionnaire
from ..services.questionnaire import QuestionnaireError
from .common import render_page

MESSAGE_NO_STATEMENT = "Choose a statement of the catalogue."
MESSAGE_BAD_ACTION = "Choose what to do with the statement."


def _back(survey, anchor: str = ""):
    response = redirect("research:edit_statements", survey.slug)
    response["Location"] += f"#{anchor}" if anchor else ""
    return response


def _pk(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


def _run(request, action, **kwargs) -> bool:
    try:
        action(actor=request.user, **kwargs)
    except QuestionnaireError as error:
        messages.error(request, str(error))
        return False
    return True


@require_GET
@research_survey_view
@no_store
def statements_edit(request, survey):
    items = selectors.editor_items(survey)
    query = request.GET.get("q", "").strip()[:200]
    found = None
    if query:
        rows = catalogue_search(query=query, exclude_ids=[item.statement_id for item in items])
        found = list(rows[: CATALOGUE_PAGE + 1])
    context = {
        "items": items,
        "sections": list(survey.sections.order_by("position", "pk")),
        "fixed": selectors.survey_has_responses(survey),
        "query": query,
        "found": found[:CATALOGUE_PAGE] if found else found,
        "more": bool(found) and len(found) > CATALOGUE_PAGE,
        "new_form": StatementNewForm(),
        "section_form": SectionForm(),
    }
    return render_page(request, "editor/statements.html", survey, **context)


@require_POST
@research_survey_view
def statement_add(request, survey):
    if "title" in request.POST:
        form = StatementNewForm(request.POST)
        if not form.is_valid():
            messages.error(request, "A new statement needs a title and a text.")
            return _back(survey, "new-statement")
        done = _run(request, questionnaire.item_new, survey=survey, **form.cleaned_data)
    else:
        picked = _pk(request.POST.get("statement", ""))
        statement = Statement.objects.filter(pk=picked).first() if picked else None
        if statement is None:
            messages.error(request, MESSAGE_NO_STATEMENT)
            return _back(survey)
        done = _run(request, questionnaire.item_add, survey=survey, statement=statement)
    if done:
        messages.success(request, "The statement is added.")
    return _back(survey)


@require_POST
@research_survey_view
def item_action(request, survey, item_id):
    item = get_object_or_404(survey.items.select_related("statement", "survey"), pk=item_id)
    action = request.POST.get("action", "")
    if action in ("up", "down"):
        _run(request, questionnaire.item_move, item=item, direction=action)
    elif action == "remove":
        if _run(request, questionnaire.item_remove, item=item):
            messages.success(request, f"Removed from the survey: {item.statement.title}.")
            return _back(survey)
    elif action == "section":
        picked = request.POST.get("section", "")
        section = survey.sections.filter(pk=_pk(picked)).first() if _pk(picked) else None
        if picked and section is None:
            messages.error(request, questionnaire.ERROR_SECTION_UNKNOWN)
        else:
            _run(request, questionnaire.item_section_set, item=item, section=section)
    else:
        messages.error(request, MESSAGE_BAD_ACTION)
    return _back(survey, f"item-{item.pk}")


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def item_wording(request, survey, item_id):
    item = get_object_or_404(survey.items.select_related("statement", "survey"), pk=item_id)
    statement = item.statement
    initial = {"title": statement.title, "text": statement.text, "wording": statement.wording}
    form = WordingForm(request.POST or None, initial=initial)
    frozen = statement.answers.exists()
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire.item_wording_save(item=item, actor=request.user, **form.cleaned_data)
        except QuestionnaireError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The wording is saved.")
            return _back(survey, f"item-{item.pk}")
    context = {"form": form, "item": item, "frozen": frozen}
    status = 400 if request.method == "POST" else 200
    return render_page(request, "editor/wording.html", survey, status=status, **context)


@require_POST
@research_survey_view
def section_add(request, survey):
    form = SectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, questionnaire.ERROR_SECTION_TITLE)
    elif _run(request, questionnaire.section_add, survey=survey, **form.cleaned_data):
        messages.success(request, "The section is added. Move statements into it.")
    return _back(survey, "sections")


@require_POST
@research_survey_view
def section_action(request, survey, section_id):
    section = get_object_or_404(survey.sections.select_related("survey"), pk=section_id)
    action = request.POST.get("action", "")
    if action in ("up", "down"):
        _run(request, questionnaire.section_move, section=section, direction=action)
    elif action == "rename":
        form = SectionForm(request.POST)
        if not form.is_valid():
            messages.error(request, questionnaire.ERROR_SECTION_TITLE)
        elif _run(request, questionnaire.section_rename, section=section, **form.cleaned_data):
            messages.success(request, "The section is renamed.")
    elif action == "delete":
        if _run(request, questionnaire.section_delete, section=section):
            messages.success(request, "The section is deleted; its statements stay.")
    else:
        messages.error(request, MESSAGE_BAD_ACTION)
    return _back(survey, "sections")
