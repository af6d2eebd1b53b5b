"""The survey editor: a new survey (from scratch or a copy), its settings and texts, its
background questions and its reminder schedule. The statements and sections are
editor_statements.py."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ...access import no_store, research_survey_view, researcher_required, surveys_for_user
from .. import selectors
from ..forms import REMINDER_SLOTS, BackgroundForm, NewSurveyForm, RemindersForm
from ..forms import SurveySettingsForm as SettingsForm
from ..services import editor
from .common import render_page, time_zone_label

MESSAGE_SAVED = "Saved: {fields}."
MESSAGE_UNCHANGED = "Nothing to save: nothing was changed."


def _saved(request, changed: list[str], form) -> None:
    if changed:
        labels = ", ".join(str(form.fields[name].label).lower() for name in changed)
        messages.success(request, MESSAGE_SAVED.format(fields=labels))
    else:
        messages.info(request, MESSAGE_UNCHANGED)


@require_http_methods(["GET", "POST"])
@researcher_required
@no_store
def survey_new(request):
    surveys = list(surveys_for_user(request.user).order_by("title"))
    form = NewSurveyForm(request.POST or None, surveys=surveys)
    if request.method == "POST" and form.is_valid():
        source = next((s for s in surveys if s.slug == form.cleaned_data["copy_from"]), None)
        try:
            survey = editor.survey_new(
                title=form.cleaned_data["title"], owner=request.user, copy_from=source
            )
        except editor.EditorError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The survey is created, as a draft. Edit it here.")
            return redirect("research:edit", survey.slug)
    return render_page(request, "editor/new.html", form=form)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def survey_edit(request, survey):
    initial = {name: getattr(survey, name) for name in editor.SETTINGS_FIELDS}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = editor.survey_settings_save(
                survey=survey, actor=request.user, **form.cleaned_data
            )
        except editor.EditorError as error:
            form.add_error(None, str(error))
        else:
            _saved(request, changed, form)
            return redirect("research:edit", survey.slug)
    statements = survey.items.count()
    context = {
        "form": form,
        "time_zone": time_zone_label(),
        "statements": statements,
        "suggested_minutes": selectors.minutes_suggested(statements=statements),
    }
    return render_page(request, "editor/settings.html", survey, **context)


def _background_form(request, survey) -> BackgroundForm:
    current = editor.background_labels_current(survey)
    initial = {"ask_sector": survey.ask_sector, "ask_gender": survey.ask_gender}
    for question, labels in current.items():
        initial |= {f"{question}_{code}": label for code, label in labels.items()}
    locked = {
        question: selectors.background_answered(survey, question=question)
        for question in editor.BACKGROUND_OPTIONS
    }
    options = editor.BACKGROUND_OPTIONS
    return BackgroundForm(request.POST or None, initial=initial, options=options, locked=locked)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def survey_background(request, survey):
    form = _background_form(request, survey)
    if request.method == "POST" and form.is_valid():
        try:
            changed = editor.survey_background_save(
                survey=survey,
                actor=request.user,
                ask_sector=form.cleaned_data["ask_sector"],
                ask_gender=form.cleaned_data["ask_gender"],
                labels=form.labels(editor.BACKGROUND_OPTIONS),
            )
        except editor.EditorError as error:
            form.add_error(None, str(error))
        else:
            text = "Background questions saved." if changed else MESSAGE_UNCHANGED
            messages.success(request, text)
            return redirect("research:edit_background", survey.slug)
    groups = [
        (question, [form[f"{question}_{code}"] for code, _ in options])
        for question, options in editor.BACKGROUND_OPTIONS.items()
    ]
    context = {"form": form, "groups": groups}
    return render_page(request, "editor/background.html", survey, **context)


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def survey_reminders(request, survey):
    initial = {"reminder_max": survey.reminder_max}
    initial["reminder_quiet_days"] = survey.reminder_quiet_days
    initial |= {f"day_{n}": day for n, day in enumerate(survey.reminder_days[:REMINDER_SLOTS], 1)}
    form = RemindersForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = editor.survey_reminders_save(
                survey=survey,
                actor=request.user,
                reminder_days=form.days(),
                reminder_max=form.cleaned_data["reminder_max"],
                reminder_quiet_days=form.cleaned_data["reminder_quiet_days"],
            )
        except editor.EditorError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Reminder schedule saved." if changed else MESSAGE_UNCHANGED)
            return redirect("research:edit_reminders", survey.slug)
    days = [form[f"day_{n}"] for n in range(1, REMINDER_SLOTS + 1)]
    context = {"form": form, "days": days}
    return render_page(request, "editor/reminders.html", survey, **context)
