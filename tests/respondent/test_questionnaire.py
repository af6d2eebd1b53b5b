import pytest
from django.urls import reverse
from django.utils import timezone

from responses.choices import DONT_KNOW
from responses.models import Answer, Response, Section, Survey, SurveyItem
from responses.respondent import services
from responses.respondent.session import SESSION_COOKIE
from statements.models import Statement

pytestmark = pytest.mark.django_db


def page_url(number):
    return reverse("respondent:page", args=[number])


def response_of(invitation):
    return Response.objects.get(invitation=invitation)


def first_page_ids(invitation, count=10):
    return response_of(invitation).statement_order[:count]


def test_consent_is_required_to_start(expert_client, invitation):
    response = expert_client.post(reverse("respondent:consent"), {})
    assert response.status_code == 400
    assert "Please tick the box" in response.content.decode()
    assert not Response.objects.exists()


def test_consent_starts_on_page_one_with_order_drawn(expert_client, invitation, survey):
    response = expert_client.post(reverse("respondent:consent"), {"consent": "on"})
    assert response["Location"] == page_url(1)
    stored = response_of(invitation)
    assert sorted(stored.statement_order) == sorted(survey.statements.values_list("pk", flat=True))
    assert stored.consented_at is not None


def test_consent_does_not_mark_the_invitation_started(started_client, invitation):
    invitation.refresh_from_db()
    assert invitation.started_at is None


def test_consent_twice_keeps_the_first_order(started_client, invitation):
    order = response_of(invitation).statement_order
    started_client.post(reverse("respondent:consent"), {"consent": "on"})
    assert Response.objects.count() == 1
    assert response_of(invitation).statement_order == order


def test_questionnaire_order_follows_questionnaire_positions(started_client, invitation):
    order = response_of(invitation).statement_order
    positions = list(Statement.objects.in_bulk(order).values())
    by_id = {s.pk: s.questionnaire_position for s in positions}
    assert [by_id[pk] for pk in order] == sorted(by_id.values())


def test_paper_order_follows_paper_numbers(survey, invitation):
    survey.order = Survey.Order.PAPER
    survey.save()
    order = services.statement_order_draw(survey=survey)
    numbers = Statement.objects.in_bulk(order)
    assert [numbers[pk].number for pk in order] == list(range(1, 51))


def test_randomized_order_is_a_permutation_that_varies(survey):
    survey.order = Survey.Order.RANDOMIZED
    survey.save()
    orders = {tuple(services.statement_order_draw(survey=survey)) for _ in range(5)}
    assert len(orders) > 1
    assert all(sorted(order) == sorted(next(iter(orders))) for order in orders)


def test_randomized_order_is_stored_and_shown_consistently(survey, expert_client, invitation):
    survey.order = Survey.Order.RANDOMIZED
    survey.save()
    expert_client.post(reverse("respondent:consent"), {"consent": "on"})
    order = response_of(invitation).statement_order
    first = Statement.objects.get(pk=order[0])
    for _ in range(2):
        page = expert_client.get(page_url(1)).content.decode()
        assert page.index(first.title) < page.index(Statement.objects.get(pk=order[1]).title)


def test_page_shows_statements_with_six_options_in_radio_groups(started_client, invitation):
    page = started_client.get(page_url(1)).content.decode()
    ids = first_page_ids(invitation)
    assert page.count('role="radiogroup"') == 10
    for pk in ids:
        assert f'role="radiogroup" aria-labelledby="t-{pk}"' in page
        assert f'<p class="q-label" id="t-{pk}">' in page
    for label in [
        "Strongly agree",
        "Somewhat agree",
        "Neither agree nor disagree",
        "Somewhat disagree",
        "Strongly disagree",
        "I don&#x27;t know",
    ]:
        # each statement's option, and the grid's column header (aria-hidden)
        assert page.count(label) == 11
    assert f'name="value_{ids[0]}"' in page


def test_page_size_follows_the_survey(survey, started_client):
    survey.statements_per_page = 7
    survey.save()
    page = started_client.get(page_url(1)).content.decode()
    assert page.count('role="radiogroup"') == 7
    assert started_client.get(page_url(8)).status_code == 200
    assert started_client.get(page_url(9)).status_code == 404


def test_page_post_saves_all_answers_and_moves_next(started_client, invitation):
    ids = first_page_ids(invitation)
    data = {f"value_{ids[0]}": "2", f"value_{ids[1]}": str(DONT_KNOW), "goto": "next"}
    data[f"comment_{ids[1]}"] = "Depends on the lab."
    response = started_client.post(page_url(1), data)
    assert response["Location"] == page_url(2)
    answers = {a.statement_id: a for a in Answer.objects.all()}
    assert answers[ids[0]].value == 2
    assert answers[ids[1]].value == DONT_KNOW
    assert answers[ids[1]].comment == "Depends on the lab."
    assert len(answers) == 2


def test_page_post_marks_the_invitation_started(started_client, invitation):
    ids = first_page_ids(invitation)
    started_client.post(page_url(1), {f"value_{ids[0]}": "1", "goto": "next"})
    invitation.refresh_from_db()
    assert invitation.started_at is not None


def test_page_post_keeps_values_not_posted(started_client, invitation):
    ids = first_page_ids(invitation)
    started_client.post(page_url(1), {f"value_{ids[0]}": "1"})
    started_client.post(page_url(1), {f"value_{ids[1]}": "-1"})
    assert Answer.objects.get(statement_id=ids[0]).value == 1


def test_page_clear_button_clears_that_answer_only(started_client, invitation):
    ids = first_page_ids(invitation)
    started_client.post(page_url(1), {f"value_{ids[0]}": "1", f"value_{ids[1]}": "2"})
    response = started_client.post(
        page_url(1), {f"value_{ids[0]}": "1", f"value_{ids[1]}": "2", "clear": str(ids[0])}
    )
    assert response["Location"] == page_url(1) + f"#st-{ids[0]}"
    assert Answer.objects.get(statement_id=ids[0]).value is None
    assert Answer.objects.get(statement_id=ids[1]).value == 2


def test_page_shows_saved_answers_checked(started_client, invitation):
    ids = first_page_ids(invitation)
    started_client.post(page_url(1), {f"value_{ids[0]}": "-2"})
    page = started_client.get(page_url(1)).content.decode()
    assert f'name="value_{ids[0]}" id="v{ids[0]}_5" value="-2" checked' in page


def test_page_refuses_a_value_off_the_scale_and_saves_nothing(started_client, invitation):
    ids = first_page_ids(invitation)
    response = started_client.post(page_url(1), {f"value_{ids[0]}": "1", f"value_{ids[1]}": "3"})
    assert response.status_code == 400
    assert services.ERROR_VALUE in response.content.decode()
    assert not Answer.objects.exists()


def test_page_refuses_an_overlong_comment_and_saves_nothing(started_client, invitation):
    ids = first_page_ids(invitation)
    data = {f"value_{ids[0]}": "1", f"comment_{ids[1]}": "x" * 5001}
    response = started_client.post(page_url(1), data)
    assert response.status_code == 400
    assert "at most 5,000 characters" in response.content.decode()
    assert not Answer.objects.exists()


def test_page_accepts_a_comment_of_exactly_5000_characters(started_client, invitation):
    ids = first_page_ids(invitation)
    started_client.post(page_url(1), {f"comment_{ids[0]}": "x" * 5000})
    assert len(Answer.objects.get(statement_id=ids[0]).comment) == 5000


def test_page_navigation_moves_freely(started_client):
    assert started_client.post(page_url(3), {"goto": "previous"})["Location"] == page_url(2)
    assert started_client.post(page_url(3), {"goto": "5"})["Location"] == page_url(5)
    assert started_client.post(page_url(5), {"goto": "next"})["Location"] == reverse(
        "respondent:background"
    )
    assert started_client.post(page_url(1), {"goto": "review"})["Location"] == reverse(
        "respondent:review"
    )


@pytest.mark.parametrize("goto", ["²", "٣", "9" * 5000, "0", "6"])
def test_page_navigation_to_no_page_stays_on_the_page(started_client, goto):
    assert started_client.post(page_url(3), {"goto": goto})["Location"] == page_url(3)


def test_page_shows_progress_answered_of_total(started_client, invitation):
    ids = first_page_ids(invitation)
    started_client.post(page_url(1), {f"value_{ids[0]}": "1", f"value_{ids[1]}": "-88"})
    page = started_client.get(page_url(2)).content.decode()
    assert '<progress id="progress" class="w-100" max="50" value="2">' in page


def test_pages_need_consent_first(expert_client):
    response = expert_client.get(page_url(1))
    assert response["Location"] == reverse("respondent:landing")


def test_pages_without_a_session_ask_to_reopen_the_link(client, survey):
    response = client.get(page_url(1))
    assert response.status_code == 403
    assert "reopen your personal link" in response.content.decode().lower()


def test_background_saves_sectors_gender_and_open_answer(started_client, invitation):
    response = started_client.post(
        reverse("respondent:background"),
        {"sectors": ["agi_lab", "academia"], "gender": "woman", "open_answer": "More audits."},
    )
    assert response["Location"] == reverse("respondent:review")
    stored = response_of(invitation)
    assert stored.sectors == ["agi_lab", "academia"]
    assert stored.gender == "woman"
    assert stored.open_answer == "More audits."


def test_background_is_optional(started_client, invitation):
    response = started_client.post(reverse("respondent:background"), {})
    assert response.status_code == 302
    assert response_of(invitation).sectors == []


def test_background_refuses_unknown_sector(started_client, invitation):
    response = started_client.post(reverse("respondent:background"), {"sectors": ["pirates"]})
    assert response.status_code == 400
    assert response_of(invitation).sectors == []


def test_background_refuses_prefer_not_to_say_with_a_sector(started_client, invitation):
    data = {"sectors": ["prefer_not_to_say", "academia"]}
    response = started_client.post(reverse("respondent:background"), data)
    assert response.status_code == 400
    assert "cannot be combined" in response.content.decode()


def test_background_shows_the_survey_open_question(started_client, survey):
    page = started_client.get(reverse("respondent:background")).content.decode()
    assert survey.open_question in page


def test_review_lists_unanswered_statements_with_links_back(started_client, invitation):
    ids = first_page_ids(invitation, count=12)
    started_client.post(page_url(1), {f"value_{pk}": "1" for pk in ids[:10]})
    page = started_client.get(reverse("respondent:review")).content.decode()
    assert "40 statements not answered" in page
    assert f'href="{page_url(2)}#st-{ids[10]}"' in page
    assert f"#st-{ids[0]}" not in page


def test_review_counts_dont_know_as_answered(started_client, invitation):
    ids = first_page_ids(invitation, count=1)
    started_client.post(page_url(1), {f"value_{ids[0]}": "-88"})
    page = started_client.get(reverse("respondent:review")).content.decode()
    assert "49 statements not answered" in page


def test_landing_offers_continue_after_consent(started_client):
    page = started_client.get(reverse("respondent:landing")).content.decode()
    assert "Continue where you stopped" in page


def test_answers_saved_before_close_stay_after_close(started_client, invitation, survey):
    ids = first_page_ids(invitation)
    started_client.post(page_url(1), {f"value_{ids[0]}": "2"})
    survey.closes_at = timezone.now() - timezone.timedelta(seconds=1)
    survey.save()
    response = started_client.post(page_url(1), {f"value_{ids[0]}": "-2"})
    assert response.status_code == 410
    assert Answer.objects.get(statement_id=ids[0]).value == 2


def test_switching_to_another_link_answers_as_its_invitation(
    client, invitation, other_invitation, secret
):
    from responses.links import link_secret

    client.get(reverse("respondent:link", args=[secret]))
    client.post(reverse("respondent:link", args=[link_secret(other_invitation.link_nonce)]))
    client.post(reverse("respondent:consent"), {"consent": "on"})
    assert Response.objects.get().invitation == other_invitation


def test_a_tampered_session_cookie_counts_as_no_session(started_client, invitation):
    value = started_client.cookies[SESSION_COOKIE].value
    forged = str(invitation.pk + 1) + value[value.index(":") :]
    started_client.cookies[SESSION_COOKIE] = forged
    response = started_client.get(page_url(1))
    assert response.status_code == 403


def test_the_session_cookie_is_http_only_and_same_site(client, secret):
    response = client.get(reverse("respondent:link", args=[secret]))
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 14 * 24 * 3600


def test_page_heads_each_section_once_with_its_title(started_client, invitation, survey):
    ids = first_page_ids(invitation)
    governance = Section.objects.create(survey=survey, position=1, title="Governance")
    deployment = Section.objects.create(survey=survey, position=2, title="Deployment")
    SurveyItem.objects.filter(survey=survey, statement_id__in=ids[:3]).update(section=governance)
    SurveyItem.objects.filter(survey=survey, statement_id__in=ids[3:5]).update(section=deployment)
    page = started_client.get(page_url(1)).content.decode()
    assert page.count('<h2 class="q-section">Governance</h2>') == 1
    assert page.count('<h2 class="q-section">Deployment</h2>') == 1
    heading = page.index("Governance</h2>")
    assert heading < page.index(f'id="st-{ids[0]}"')
    assert page.index(f'id="st-{ids[2]}"') < page.index("Deployment</h2>")
    assert page.index("Deployment</h2>") < page.index(f'id="st-{ids[3]}"')
    assert page.count('class="q-section"') == 2


def test_page_shows_no_sections_in_a_randomized_order(survey, expert_client, invitation):
    survey.order = Survey.Order.RANDOMIZED
    survey.save(update_fields=["order"])
    section = Section.objects.create(survey=survey, position=1, title="Governance")
    SurveyItem.objects.filter(survey=survey).update(section=section)
    expert_client.post(reverse("respondent:consent"), {"consent": "on"})
    page = expert_client.get(page_url(1)).content.decode()
    assert 'class="q-section"' not in page
