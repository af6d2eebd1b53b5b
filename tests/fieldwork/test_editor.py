"""The survey editor: a new survey from scratch or as a copy, its settings, its background
questions and its reminder schedule; each change checked, refused with a clear message that
changes nothing, and audited."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from responses.fieldwork.services import editor, emails
from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import survey_create
from responses.models import AuditEvent, Invitation, Section, Survey
from statements.models import Statement
from tests.factories import research_url as url
from tests.factories import respond

pytestmark = pytest.mark.django_db


def settings_post(survey, **changes) -> dict:
    data = {name: getattr(survey, name) or "" for name in editor.SETTINGS_FIELDS}
    data |= {"opens_at": "", "closes_at": ""}
    return data | changes


def test_new_survey_from_scratch_is_a_draft_with_the_papers_statements(researcher_client):
    response = researcher_client.post(reverse("research:survey_new"), {"title": "Delphi 2027"})
    survey = Survey.objects.get(slug="delphi-2027")
    assert response["Location"] == url("edit", survey)
    assert survey.status == Survey.Status.DRAFT
    assert survey.items.count() == 50
    assert survey.introduction.startswith("Thank you for taking part.")
    first = survey.items.order_by("position").first().statement
    assert first.questionnaire_position == 1
    event = AuditEvent.objects.get(action="survey.created", survey=survey)
    assert event.data == {"slug": "delphi-2027", "copy_of": None}


def test_new_survey_slug_is_derived_and_made_unique(researcher_client, survey):
    researcher_client.post(reverse("research:survey_new"), {"title": "AGI!"})
    researcher_client.post(reverse("research:survey_new"), {"title": "New"})
    assert Survey.objects.filter(slug="agi-2", title="AGI!").exists()
    assert Survey.objects.filter(slug="new-2").exists()  # "new" is the page's own address


def test_new_survey_copy_takes_statements_texts_and_settings_but_no_people(
    researcher, researcher_client, survey, invitation
):
    section = Section.objects.create(survey=survey, position=1, title="Security")
    item = survey.items.order_by("position").last()
    item.section = section
    item.save()
    Survey.objects.filter(pk=survey.pk).update(
        contact_email="team@example.org", reminder_days=[5, 9], min_group_size=7, order="paper"
    )
    data = {"title": "AGI, second wave", "copy_from": survey.slug}
    researcher_client.post(reverse("research:survey_new"), data)
    copy = Survey.objects.get(title="AGI, second wave")
    assert (copy.contact_email, copy.reminder_days, copy.min_group_size, copy.order) == (
        "team@example.org",
        [5, 9],
        7,
        "paper",
    )
    assert list(copy.items.values_list("statement_id", "position")) == list(
        survey.items.values_list("statement_id", "position")
    )
    assert copy.sections.get().title == "Security"
    assert copy.items.get(statement=item.statement).section.title == "Security"
    assert copy.status == Survey.Status.DRAFT and copy.owner == researcher
    assert copy.invitations.count() == 0 and copy.experts.count() == 0


def test_new_survey_refuses_to_copy_another_teams_survey(researcher_client, other_researcher):
    survey_create(slug="theirs", title="Theirs", owner=other_researcher)
    data = {"title": "Stolen", "copy_from": "theirs"}
    response = researcher_client.post(reverse("research:survey_new"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Survey.objects.filter(title="Stolen").exists()


def test_new_survey_without_title_is_refused(researcher_client):
    before = Survey.objects.count()
    response = researcher_client.post(reverse("research:survey_new"), {"title": "  "})
    assert response.status_code == 200 and Survey.objects.count() == before


def test_settings_save_changes_fields_and_audits_them(researcher_client, survey):
    closes = (timezone.localtime() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    data = settings_post(
        survey,
        contact_name="Rita Researcher",
        contact_email="rita@example.org",
        closes_at=closes,
        statements_per_page="5",
    )
    response = researcher_client.post(url("edit", survey), data, follow=True)
    assert "Saved: contact name, contact email, closes, statements per page." in (
        response.content.decode()
    )
    survey.refresh_from_db()
    assert (survey.contact_name, survey.statements_per_page) == ("Rita Researcher", 5)
    assert timezone.localtime(survey.closes_at).strftime("%Y-%m-%dT%H:%M") == closes
    event = AuditEvent.objects.get(action="survey.settings_changed")
    assert event.data == {
        "changed": ["contact_name", "contact_email", "closes_at", "statements_per_page"]
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"closes_at": "2020-01-01T10:00"}, editor.ERROR_CLOSES_PAST),
        (
            {"opens_at": "2031-02-01T10:00", "closes_at": "2031-01-01T10:00"},
            editor.ERROR_DATES_ORDER,
        ),
        ({"contact_email": "not-an-email"}, "Enter a valid email address."),
        ({"statements_per_page": "51"}, "less than or equal to 50"),
        ({"title": ""}, "This field is required."),
    ],
)
def test_settings_save_refuses_bad_input_and_changes_nothing(
    researcher_client, survey, changes, message
):
    data = settings_post(survey, contact_name="Changed", **changes)
    response = researcher_client.post(url("edit", survey), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    survey.refresh_from_db()
    assert survey.contact_name == ""
    assert not AuditEvent.objects.filter(action="survey.settings_changed").exists()


def test_settings_page_shows_the_time_zone_and_a_suggested_duration(researcher_client, survey):
    page = researcher_client.get(url("edit", survey)).content.decode()
    assert "Dates and times are in UTC (UTC+00:00)." in page
    assert "Suggested: <strong>20 minutes</strong> for 50 statements" in page


def test_settings_save_refuses_another_teams_researcher(client, other_researcher, survey):
    client.force_login(other_researcher)
    response = client.post(url("edit", survey), settings_post(survey, title="Mine now"))
    assert response.status_code == 404
    survey.refresh_from_db()
    assert survey.title == "AGI safety and governance"


def test_background_questions_can_be_turned_off_and_relabelled(researcher_client, survey):
    data = {"ask_gender": "on"} | {
        f"{question}_{code}": label
        for question, options in editor.BACKGROUND_OPTIONS.items()
        for code, label in options
    }
    data["sector_agi_lab"] = "Frontier AI lab"
    researcher_client.post(url("edit_background", survey), data)
    survey.refresh_from_db()
    assert (survey.ask_sector, survey.ask_gender) == (False, True)
    assert survey.background_labels == {"sector": {"agi_lab": "Frontier AI lab"}}
    assert editor.background_labels_current(survey)["sector"]["academia"] == "Academia"
    assert AuditEvent.objects.filter(action="survey.background_changed").count() == 1


def test_background_labels_are_frozen_once_answered(researcher, survey):
    respond(survey, answers={1: 2}, stated=["academia"], gender="woman")
    labels = editor.background_labels_current(survey)
    labels["sector"] = labels["sector"] | {"academia": "Universities"}
    with pytest.raises(editor.EditorError) as refused:
        editor.survey_background_save(
            survey=survey, actor=researcher, ask_sector=True, ask_gender=False, labels=labels
        )
    assert str(refused.value) == editor.ERROR_LABELS_ANSWERED.format(question="sector")
    survey.refresh_from_db()
    assert survey.ask_gender is True and survey.background_labels == {}


def test_background_label_left_empty_is_refused(researcher, survey):
    labels = editor.background_labels_current(survey)
    labels["gender"] = labels["gender"] | {"man": " "}
    with pytest.raises(editor.EditorError) as refused:
        editor.survey_background_save(
            survey=survey, actor=researcher, ask_sector=True, ask_gender=True, labels=labels
        )
    assert str(refused.value) == editor.ERROR_LABEL_EMPTY.format(question="gender", default="Man")


def test_reminder_schedule_saves_days_and_maximum(researcher_client, survey):
    data = {"day_1": "4", "day_2": "", "day_3": "11", "reminder_max": "2"}
    response = researcher_client.post(url("edit_reminders", survey), data, follow=True)
    assert "Reminder schedule saved." in response.content.decode()
    survey.refresh_from_db()
    assert (survey.reminder_days, survey.reminder_max) == ([4, 11], 2)
    event = AuditEvent.objects.get(action="survey.reminders_changed")
    assert event.data == {"reminder_days": [4, 11], "reminder_max": 2}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day_1": "9", "day_2": "4", "reminder_max": "2"}, "rising"),
        ({"day_1": "4", "day_2": "9", "reminder_max": "1"}, "at most 1 reminder(s)"),
        ({"day_1": "0", "reminder_max": "1"}, "between 1 and 365"),
        ({"day_1": "x", "reminder_max": "1"}, "Enter a whole number."),
        ({"day_1": "4", "reminder_max": ""}, "This field is required."),
    ],
)
def test_reminder_schedule_refuses_bad_input(researcher_client, survey, data, message):
    response = researcher_client.post(url("edit_reminders", survey), data)
    assert message in response.content.decode()
    survey.refresh_from_db()
    assert (survey.reminder_days, survey.reminder_max) == ([], 2)


def test_reminder_schedule_saves_the_quiet_days_and_audits_them(researcher, survey):
    editor.survey_reminders_save(
        survey=survey, actor=researcher, reminder_days=[7], reminder_max=1, reminder_quiet_days=0
    )
    survey.refresh_from_db()
    assert survey.reminder_quiet_days == 0
    event = AuditEvent.objects.get(action="survey.reminders_changed")
    assert event.data == {"reminder_days": [7], "reminder_max": 1, "reminder_quiet_days": 0}


def test_reminder_schedule_refuses_quiet_days_out_of_range(researcher, survey):
    with pytest.raises(editor.EditorError) as refused:
        editor.survey_reminders_save(
            survey=survey,
            actor=researcher,
            reminder_days=[7],
            reminder_max=1,
            reminder_quiet_days=61,
        )
    assert str(refused.value) == emails.ERROR_QUIET_DAYS
    survey.refresh_from_db()
    assert (survey.reminder_days, survey.reminder_quiet_days) == ([], 3)


def test_editor_tab_is_marked_on_every_editor_page(researcher_client, survey):
    for name in ("edit", "edit_statements", "edit_background", "edit_reminders"):
        page = researcher_client.get(url(name, survey)).content.decode()
        assert '<a href="/research/agi/edit/" aria-current="page">Edit survey</a>' in page


def test_survey_list_offers_a_new_survey(researcher_client, survey):
    page = researcher_client.get(reverse("research:surveys")).content.decode()
    assert f'href="{reverse("research:survey_new")}"' in page


def test_copy_never_takes_invitations_even_of_many(researcher, survey):
    for number in range(3):
        invitation_create(survey=survey, email=f"e{number}@example.org", name=f"E {number}")
    copy = editor.survey_new(title="Copy", owner=researcher, copy_from=survey)
    assert Invitation.objects.filter(survey=copy).count() == 0
    assert Statement.objects.count() == 50  # the copy shares the catalogue's statements
