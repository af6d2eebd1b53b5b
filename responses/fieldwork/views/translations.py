"""The survey's texts in further languages: which languages it offers and what each lacks,
and one language's texts entered beside the originals."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from ...access import no_store, research_survey_view
from ...respondent import languages
from ..forms import TRANSLATION_LABELS, TranslationForm
from ..services import translations
from .common import render_page

MESSAGE_SAVED = "The {language} texts are saved."


@require_GET
@research_survey_view
@no_store
def translation_list(request, survey):
    offered = languages.survey_languages_offered(survey=survey)
    rows = [
        {
            "code": code,
            "name": name,
            "gaps": languages.language_gaps(survey=survey, language=code),
            "offered": code in offered,
        }
        for code, name in languages.LANGUAGE_NAMES.items()
        if code != survey.language
    ]
    context = {"rows": rows, "own_language": languages.LANGUAGE_NAMES.get(survey.language)}
    return render_page(request, "translations.html", survey, **context)


def _form(request, survey, language: str):
    sections = list(survey.sections.all())
    statements = [item.statement for item in survey.items.select_related("statement")]
    stored = languages.translation_stored(survey=survey, language=language)
    initial = dict(stored["texts"])
    initial |= {f"section_{pk}": title for pk, title in stored["sections"].items()}
    for pk, (title, text) in stored["statements"].items():
        initial |= {f"title_{pk}": title, f"text_{pk}": text}
    return TranslationForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        sections=sections,
        statements=statements,
        frozen=languages.statements_answered_in(survey=survey, language=language),
    )


def _originals(survey, form) -> list:
    """Each field of the form beside the text it translates."""
    own = {name: getattr(survey, name) for name in TRANSLATION_LABELS}
    own |= {f"section_{s.pk}": s.title for s in survey.sections.all()}
    for item in survey.items.select_related("statement"):
        own |= {f"title_{item.statement_id}": item.statement.title}
        own |= {f"text_{item.statement_id}": item.statement.text}
    return [(form[name], own.get(name, "")) for name in form.fields]


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def translation_edit(request, survey, language: str):
    if language not in languages.LANGUAGE_NAMES or language == survey.language:
        raise Http404("No such language")
    form = _form(request, survey, language)
    if request.method == "POST" and form.is_valid():
        try:
            translations.survey_translation_save(
                survey=survey,
                actor=request.user,
                language=language,
                texts=form.texts(),
                sections=form.section_titles(),
                statements=[translations.StatementText(*row) for row in form.statement_texts()],
            )
        except translations.TranslationError as error:
            form.add_error(None, str(error))
        else:
            name = languages.LANGUAGE_NAMES[language]
            messages.success(request, MESSAGE_SAVED.format(language=name))
            return redirect("research:translations", survey.slug)
    context = {
        "form": form,
        "rows": _originals(survey, form),
        "language": language,
        "language_name": languages.LANGUAGE_NAMES[language],
        "frozen": form.frozen_count,
    }
    status = 400 if form.errors else 200
    return render_page(request, "translation_edit.html", survey, status=status, **context)
