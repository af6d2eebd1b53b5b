"""The editor's statements: picked from the catalogue or new, reworded while unanswered,
moved up and down, grouped into sections; the order is the positions the expert's side reads."""

import pytest
from django.utils.html import escape

from responses.fieldwork.services import questionnaire
from responses.fieldwork.services.lifecycle import survey_create
from responses.models import AuditEvent, Section, SurveyItem
from responses.respondent.services import statement_order_draw
from statements.models import Statement
from tests.factories import research_url as url
from tests.factories import respond

pytestmark = pytest.mark.django_db


def numbers(survey) -> list[int]:
    return list(survey.items.order_by("position").values_list("statement__number", flat=True))


def item_of(survey, number: int) -> SurveyItem:
    return survey.items.get(statement__number=number)


def small(survey, keep=(1, 2, 3, 4)) -> None:
    survey.items.exclude(statement__number__in=keep).delete()
    for position, item in enumerate(survey.items.order_by("statement__number"), start=1):
        SurveyItem.objects.filter(pk=item.pk).update(position=position)


def test_move_up_and_down_reorders_the_questionnaire(researcher_client, survey):
    small(survey)
    researcher_client.post(url("item_action", survey, item_of(survey, 3).pk), {"action": "up"})
    assert numbers(survey) == [1, 3, 2, 4]
    researcher_client.post(url("item_action", survey, item_of(survey, 1).pk), {"action": "down"})
    assert numbers(survey) == [3, 1, 2, 4]
    assert statement_order_draw(survey=survey) == [item.statement_id for item in survey.items.all()]
    event = AuditEvent.objects.filter(action="survey.statement_moved").order_by("pk").last()
    assert event.data == {"statement": 1, "direction": "down"}


def test_move_redirects_back_to_the_statement(researcher_client, survey):
    item = item_of(survey, 2)
    response = researcher_client.post(url("item_action", survey, item.pk), {"action": "up"})
    assert response["Location"] == url("edit_statements", survey) + f"#item-{item.pk}"


def test_move_at_the_top_changes_nothing(researcher, survey):
    small(survey)
    questionnaire.item_move(item=item_of(survey, 1), direction="up", actor=researcher)
    assert numbers(survey) == [1, 2, 3, 4]


def test_sections_keep_their_statements_together_and_in_order(researcher, survey):
    small(survey)
    first = questionnaire.section_add(survey=survey, title="Governance", actor=researcher)
    second = questionnaire.section_add(survey=survey, title="Security", actor=researcher)
    questionnaire.item_section_set(item=item_of(survey, 1), section=second, actor=researcher)
    questionnaire.item_section_set(item=item_of(survey, 4), section=first, actor=researcher)
    assert numbers(survey) == [2, 3, 4, 1]
    questionnaire.section_move(section=second, direction="up", actor=researcher)
    assert numbers(survey) == [2, 3, 1, 4]
    # Moving down past its section's edge takes the statement into the next section.
    questionnaire.item_move(item=item_of(survey, 3), direction="down", actor=researcher)
    assert numbers(survey) == [2, 3, 1, 4] and item_of(survey, 3).section == second
    questionnaire.section_delete(section=second, actor=researcher)
    assert numbers(survey) == [2, 3, 1, 4]
    assert set(survey.items.values_list("section__title", flat=True)) == {None, "Governance"}


def test_section_title_is_required(researcher_client, survey):
    response = researcher_client.post(url("section_add", survey), {"title": " "}, follow=True)
    assert questionnaire.ERROR_SECTION_TITLE in response.content.decode()
    assert not Section.objects.exists()


def test_sections_are_shown_as_headings_on_the_statements_page(researcher_client, survey):
    section = Section.objects.create(survey=survey, position=1, title="Security practices")
    item = item_of(survey, 1)
    researcher_client.post(
        url("item_action", survey, item.pk), {"action": "section", "section": section.pk}
    )
    page = researcher_client.get(url("edit_statements", survey)).content.decode()
    assert '<th scope="rowgroup" colspan="4">Security practices</th>' in page
    assert numbers(survey)[-1] == 1


def test_another_surveys_section_is_refused(researcher_client, survey, other_researcher):
    theirs = survey_create(slug="theirs", title="Theirs", owner=other_researcher)
    section = Section.objects.create(survey=theirs, position=1, title="Theirs")
    item = item_of(survey, 1)
    data = {"action": "section", "section": section.pk}
    response = researcher_client.post(url("item_action", survey, item.pk), data, follow=True)
    assert escape(questionnaire.ERROR_SECTION_UNKNOWN) in response.content.decode()
    assert item_of(survey, 1).section is None


def test_another_surveys_item_is_not_found(researcher_client, survey, other_researcher):
    theirs = survey_create(slug="theirs", title="Theirs", owner=other_researcher)
    item = theirs.items.first()
    response = researcher_client.post(url("item_action", survey, item.pk), {"action": "remove"})
    assert response.status_code == 404 and theirs.items.filter(pk=item.pk).exists()


def test_catalogue_search_finds_statements_not_in_the_survey(researcher_client, survey):
    small(survey)
    page = researcher_client.get(url("edit_statements", survey), {"q": "red teaming"})
    found = page.context["found"]
    assert found and all("red teaming" in (s.title + s.text).lower() for s in found)
    assert not {s.number for s in found} & {1, 2, 3, 4}


def test_pick_from_the_catalogue_adds_at_the_end(researcher_client, survey):
    small(survey)
    statement = Statement.objects.get(number=30)
    researcher_client.post(url("statement_add", survey), {"statement": statement.pk})
    assert numbers(survey) == [1, 2, 3, 4, 30]
    response = researcher_client.post(
        url("statement_add", survey), {"statement": statement.pk}, follow=True
    )
    assert questionnaire.ERROR_ALREADY_IN in response.content.decode()
    assert numbers(survey) == [1, 2, 3, 4, 30]


@pytest.mark.parametrize("picked", ["", "abc", "99999999999999999999", "0"])
def test_pick_of_no_statement_is_refused(researcher_client, survey, picked):
    response = researcher_client.post(url("statement_add", survey), {"statement": picked})
    assert response.status_code == 302 and survey.items.count() == 50


def test_new_statement_joins_the_catalogue_and_the_survey(researcher_client, survey):
    data = {"title": "Incident reporting", "text": "AGI labs should report incidents."}
    researcher_client.post(url("statement_add", survey), data)
    statement = Statement.objects.get(title="Incident reporting")
    assert statement.number == 51 and not statement.is_provisional
    assert numbers(survey)[-1] == 51


def test_new_statement_without_text_is_refused(researcher_client, survey):
    data = {"title": "Incident reporting", "text": ""}
    response = researcher_client.post(url("statement_add", survey), data, follow=True)
    assert "A new statement needs a title and a text." in response.content.decode()
    assert Statement.objects.count() == 50


def test_remove_takes_the_statement_out_of_the_survey_only(researcher_client, survey):
    item = item_of(survey, 7)
    researcher_client.post(url("item_action", survey, item.pk), {"action": "remove"})
    assert 7 not in numbers(survey) and len(numbers(survey)) == 49
    assert list(survey.items.order_by("position").values_list("position", flat=True)) == list(
        range(1, 50)
    )
    assert Statement.objects.filter(number=7).exists()


def test_structure_is_fixed_once_experts_started(researcher_client, survey):
    respond(survey, answers={1: 2}, submitted=False)
    before = numbers(survey)
    for action in ("up", "down", "remove"):
        response = researcher_client.post(
            url("item_action", survey, item_of(survey, 5).pk), {"action": action}, follow=True
        )
        assert questionnaire.ERROR_FIXED in response.content.decode()
    researcher_client.post(url("statement_add", survey), {"title": "T", "text": "X"})
    assert numbers(survey) == before and Statement.objects.count() == 50


def test_wording_edit_changes_the_statement_of_this_survey_alone(researcher_client, survey):
    item = item_of(survey, 3)
    data = {"title": "New title", "text": "New text.", "wording": "verbatim"}
    researcher_client.post(url("item_wording", survey, item.pk), data)
    statement = Statement.objects.get(number=3)
    assert (statement.title, statement.text, statement.wording) == (
        "New title",
        "New text.",
        "verbatim",
    )


def test_wording_edit_of_a_shared_statement_copies_it(researcher, researcher_client, survey):
    other = survey_create(slug="other", title="Other", owner=researcher)
    item = item_of(survey, 3)
    old_title, position = item.statement.title, item.position
    data = {"title": "Ours only", "text": "New text.", "wording": "verbatim"}
    researcher_client.post(url("item_wording", survey, item.pk), data)
    item.refresh_from_db()
    assert item.statement.title == "Ours only" and item.statement.number == 51
    assert other.items.get(statement__number=3).statement.title == old_title
    assert item.position == position


def test_wording_is_read_only_once_answered(researcher_client, survey):
    respond(survey, answers={3: 1})
    item = item_of(survey, 3)
    page = researcher_client.get(url("item_wording", survey, item.pk)).content.decode()
    assert "its wording is frozen" in page and "<textarea" not in page
    data = {"title": "Changed", "text": "Changed.", "wording": "verbatim"}
    response = researcher_client.post(url("item_wording", survey, item.pk), data)
    assert response.status_code == 400
    assert Statement.objects.get(number=3).title != "Changed"


def test_wording_edit_refuses_an_empty_text(researcher_client, survey):
    item = item_of(survey, 3)
    data = {"title": "Changed", "text": "", "wording": "verbatim"}
    response = researcher_client.post(url("item_wording", survey, item.pk), data)
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert Statement.objects.get(number=3).title != "Changed"


def test_statements_page_has_a_constant_number_of_queries(
    researcher_client, survey, django_assert_max_num_queries
):
    Section.objects.create(survey=survey, position=1, title="One")
    with django_assert_max_num_queries(12):
        researcher_client.get(url("edit_statements", survey), {"q": "labs"})
    survey.items.update(section=Section.objects.get())
    with django_assert_max_num_queries(12):
        researcher_client.get(url("edit_statements", survey), {"q": "labs"})
