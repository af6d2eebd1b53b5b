"""Results fixtures on top of the project's cast."""

import pytest

from tests.factories import STATEMENT_49, respond


@pytest.fixture
def statement_49_survey(survey):
    """37 submitted answers to statement 49, two blanks and one unsubmitted response."""
    for value in STATEMENT_49:
        respond(survey, answers={49: value})
    respond(survey, answers={49: None})
    respond(survey, answers={})
    respond(survey, answers={49: 2}, submitted=False)
    return survey
