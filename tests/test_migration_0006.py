"""Data migrations, run forwards on rows written as the schema before them had them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_ITEMS = [("responses", "0005_expert_survey"), ("statements", "0002_load_catalogue")]
AFTER_ITEMS = [("responses", "0006_shared_survey_fields")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_latest():
    yield
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())


def test_migration_0006_keeps_statements_in_questionnaire_order_and_draws_pseudonyms(at_latest):
    old = migrate(BEFORE_ITEMS)
    Survey, Statement = (
        old.get_model("responses", "Survey"),
        old.get_model("statements", "Statement"),
    )
    Expert, Invitation = (
        old.get_model("responses", "Expert"),
        old.get_model("responses", "Invitation"),
    )
    Response = old.get_model("responses", "Response")
    survey = Survey.objects.create(slug="old", title="Old")
    chosen = list(Statement.objects.order_by("-questionnaire_position")[:3])
    survey.statements.set(chosen)
    for index in range(3):
        expert = Expert.objects.create(
            survey=survey, name=f"E{index}", email=f"e{index}@example.org"
        )
        invitation = Invitation.objects.create(
            survey=survey, expert=expert, link_nonce=f"n{index}", link_hash=f"h{index}"
        )
        Response.objects.create(
            invitation=invitation, consented_at=timezone.now(), statement_order=[]
        )

    new = migrate(AFTER_ITEMS)
    SurveyItem = new.get_model("responses", "SurveyItem")
    items = SurveyItem.objects.filter(survey_id=survey.pk).order_by("position")
    expected = sorted(chosen, key=lambda statement: statement.questionnaire_position)
    assert [(item.position, item.statement_id) for item in items] == [
        (position, statement.pk) for position, statement in enumerate(expected, start=1)
    ]
    pseudonyms = list(
        new.get_model("responses", "Response").objects.values_list("pseudonym", flat=True)
    )
    assert len(set(pseudonyms)) == 3
    assert all(p.startswith("R") and len(p) == 13 for p in pseudonyms)
