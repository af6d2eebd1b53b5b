"""The Translations page: a survey's texts, section titles and statements in a further
language, checked before anything is written and audited; a statement's translation frozen
once answered in that language, like the original."""

import pytest

from responses.fieldwork.forms import TRANSLATION_LABELS
from responses.fieldwork.services import translations
from responses.fieldwork.services.emails import ERROR_LINK_MISSING
from responses.models import AuditEvent, Section, Survey
from responses.respondent import languages
from statements.models import StatementTranslation
from tests.factories import german_offered, research_url, respond

pytestmark = pytest.mark.django_db


def first_statement(survey):
    return survey.items.select_related("statement").first().statement


def form_data(survey, **changes) -> dict:
    """The German form as the page shows it once everything is translated, with `changes`."""
    stored = languages.translation_stored(survey=survey, language="de")
    data = {name: stored["texts"].get(name, "") for name in TRANSLATION_LABELS}
    for pk, (title, text) in stored["statements"].items():
        data |= {f"title_{pk}": title, f"text_{pk}": text}
    return data | changes


def save(survey, actor, **kwargs):
    defaults = {"language": "de", "texts": {}, "sections": {}, "statements": []}
    return translations.survey_translation_save(survey=survey, actor=actor, **defaults | kwargs)


def test_translation_fields_are_the_translatable_texts():
    assert tuple(TRANSLATION_LABELS) == languages.TEXT_FIELDS


def test_translation_list_shows_what_german_lacks(researcher_client, survey):
    html = researcher_client.get(research_url("translations", survey)).content.decode()
    assert "Not yet" in html
    assert "50 statements" in html
    assert 'aria-current="page">Translations</a>' in html


def test_translation_list_shows_german_offered(researcher_client, survey, researcher):
    german_offered(survey, actor=researcher)
    html = researcher_client.get(research_url("translations", survey)).content.decode()
    assert '<span class="state state-open">Offered</span>' in html


def test_translation_edit_saves_and_audits(researcher_client, survey, researcher):
    statement = first_statement(survey)
    data = {"title": "Umfrage", f"title_{statement.pk}": "Titel", f"text_{statement.pk}": "Text"}
    response = researcher_client.post(research_url("translation_edit", survey, "de"), data)
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.translations == {"de": {"title": "Umfrage"}}
    assert survey.languages == ["en"]  # 49 statements and the other texts still missing
    stored = StatementTranslation.objects.get(statement=statement, language="de")
    assert (stored.title, stored.text) == ("Titel", "Text")
    event = AuditEvent.objects.get(action="survey.translation_changed")
    assert event.data["changed"] == ["title"] and event.data["statements"] == [statement.pk]


def test_translation_complete_offers_the_language(survey, researcher):
    saved = german_offered(survey, actor=researcher)
    assert saved.languages == ["en", "de"]
    assert Survey.objects.get(pk=survey.pk).languages == ["en", "de"]


def test_translation_edit_shows_the_originals(researcher_client, survey):
    statement = first_statement(survey)
    html = researcher_client.get(research_url("translation_edit", survey, "de")).content.decode()
    assert f'id="id_title_{statement.pk}-original"' in html
    assert statement.title in html


def test_translation_edit_refuses_a_bad_merge_field(researcher_client, survey):
    data = {"title": "Umfrage", "invitation_subject": "Hallo {nmae}"}
    response = researcher_client.post(research_url("translation_edit", survey, "de"), data)
    assert response.status_code == 400
    assert "Unknown merge field {nmae}" in response.content.decode()
    survey.refresh_from_db()
    assert survey.translations == {}
    assert not AuditEvent.objects.filter(action="survey.translation_changed").exists()


def test_translation_refuses_a_body_without_the_link(survey, researcher):
    with pytest.raises(translations.TranslationError) as refused:
        save(survey, researcher, texts={"invitation_body": "Hallo {name}"})
    assert str(refused.value) == ERROR_LINK_MISSING


def test_translation_refuses_half_a_statement_and_writes_nothing(survey, researcher):
    statement = first_statement(survey)
    with pytest.raises(translations.TranslationError) as refused:
        save(
            survey,
            researcher,
            texts={"title": "Umfrage"},
            statements=[translations.StatementText(statement.pk, "Titel", "")],
        )
    assert str(refused.value) == translations.ERROR_STATEMENT_HALF.format(number=statement.number)
    survey.refresh_from_db()
    assert survey.translations == {} and not StatementTranslation.objects.exists()


def test_translation_refuses_a_statement_of_another_survey(survey, researcher):
    with pytest.raises(translations.TranslationError) as refused:
        save(survey, researcher, statements=[translations.StatementText(10**6, "T", "T")])
    assert str(refused.value) == translations.ERROR_NOT_IN_SURVEY


def test_translation_refuses_the_surveys_own_language(survey, researcher):
    with pytest.raises(translations.TranslationError) as refused:
        save(survey, researcher, language="en", texts={"title": "Again"})
    assert str(refused.value) == translations.ERROR_LANGUAGE


def test_translation_edit_of_an_unknown_language_is_404(researcher_client, survey):
    assert researcher_client.get(research_url("translation_edit", survey, "fr")).status_code == 404
    assert researcher_client.get(research_url("translation_edit", survey, "en")).status_code == 404


def test_translation_saves_section_titles(survey, researcher):
    section = Section.objects.create(survey=survey, position=1, title="Governance")
    save(survey, researcher, sections={section.pk: "Steuerung"})
    section.refresh_from_db()
    assert section.translations == {"de": "Steuerung"}
    assert languages.language_gaps(survey=survey, language="de").sections == []


def german_answer(survey, statement):
    """One German-speaking expert's answer to `statement`."""
    german_offered(survey)
    number = statement.number
    response = respond(survey, answers={number: 2}, submitted=False)
    response.language = "de"
    response.save(update_fields=["language"])


def test_translation_answered_in_german_is_frozen(survey, researcher):
    statement = first_statement(survey)
    german_answer(survey, statement)
    with pytest.raises(translations.TranslationError) as refused:
        save(
            survey,
            researcher,
            statements=[translations.StatementText(statement.pk, "Neu", "Neuer Text")],
        )
    assert str(refused.value) == translations.ERROR_FROZEN.format(number=statement.number)
    stored = StatementTranslation.objects.get(statement=statement, language="de")
    assert stored.title == f"DE {statement.title}"


def test_translation_frozen_field_is_read_only_on_the_page(researcher_client, survey):
    statement = first_statement(survey)
    german_answer(survey, statement)
    url = research_url("translation_edit", survey, "de")
    html = researcher_client.get(url).content.decode()
    assert "1 statement already has answers in Deutsch" in html
    assert f'name="title_{statement.pk}"' in html and "disabled" in html
    data = form_data(survey, **{f"title_{statement.pk}": "Neu"})
    assert researcher_client.post(url, data).status_code == 302
    stored = StatementTranslation.objects.get(statement=statement, language="de")
    assert stored.title == f"DE {statement.title}"


def test_translation_answers_in_english_do_not_freeze_german(survey, researcher):
    statement = first_statement(survey)
    respond(survey, answers={statement.number: 2}, submitted=False)
    save(survey, researcher, statements=[translations.StatementText(statement.pk, "T", "X")])
    assert StatementTranslation.objects.get(statement=statement, language="de").title == "T"
