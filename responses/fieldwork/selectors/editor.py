"""The survey editor's reads."""

from statements.selectors import with_answer_flag

from ...models import Response as SurveyResponse

# The survey editor's reads.
SECONDS_PER_STATEMENT = 20  # reading and rating one statement, with the odd comment
MINUTES_AROUND = 3  # consent, the background questions and the open question


def minutes_suggested(*, statements: int) -> int:
    return MINUTES_AROUND + -(-statements * SECONDS_PER_STATEMENT // 60)


def survey_has_responses(survey) -> bool:
    """Once an expert has started, the statements they were given are fixed."""
    return SurveyResponse.objects.filter(invitation__survey=survey).exists()


def background_answered(survey, *, question: str) -> bool:
    responses = SurveyResponse.objects.filter(invitation__survey=survey)
    if question == "sector":
        return responses.exclude(sectors=[]).exists()
    return responses.exclude(gender="").exists()


def editor_items(survey) -> list:
    """The survey's statements in questionnaire order, each with its section and whether it
    has answers (any survey's: the wording is the catalogue's), in two queries."""
    items = list(survey.items.select_related("statement", "section").order_by("position", "pk"))
    flags = dict(
        with_answer_flag(survey.statements.all()).values_list("pk", "has_answers").order_by()
    )
    for item in items:
        item.has_answers = flags.get(item.statement_id, False)
    return items
