"""Migration 0005 splits the experts shared between surveys into one row per survey, run by
Django's migration executor on rows built in the schema before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from responses.links import link_hash, link_secret

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("responses", "0004_delivery_unknown")]
AFTER = [("responses", "0005_expert_survey")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_after():
    """The schema at 0005, and its Expert and Invitation as they were then (later migrations
    add columns the live models would ask for)."""
    apps = migrate(AFTER)
    return apps.get_model("responses", "Expert"), apps.get_model("responses", "Invitation")


@pytest.fixture
def apps_before():
    """The models as they were before 0005; the schema goes forward again afterwards."""
    apps = migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def old_invitation(apps, survey, expert, **fields):
    Invitation = apps.get_model("responses", "Invitation")
    nonce = f"{survey.pk:032x}{expert.pk:032x}"
    link = {"link_nonce": nonce, "link_hash": link_hash(link_secret(nonce))}
    return Invitation.objects.create(survey=survey, expert=expert, **(link | fields))


@pytest.fixture
def rows_before(apps_before):
    """Ann on two surveys' lists (one row, as before), Bob on one, Carl on none."""
    Survey = apps_before.get_model("responses", "Survey")
    OldExpert = apps_before.get_model("responses", "Expert")
    first, second = (Survey.objects.create(slug=s, title=s) for s in ("first", "second"))
    ann = OldExpert.objects.create(
        name="Ann", email="Ann@x.example", sector="academia", affiliation="Uni",
        attributes={"country": "UK"},
    )  # fmt: skip
    bob = OldExpert.objects.create(name="Bob", email="bob@x.example")
    OldExpert.objects.create(name="Carl", email="carl@x.example")
    invitations = {
        "ann_first": old_invitation(apps_before, first, ann),
        "ann_second": old_invitation(apps_before, second, ann),
        "bob_second": old_invitation(apps_before, second, bob),
    }
    return {"first": first.pk, "second": second.pk, "ann": ann.pk, **invitations}


def test_migration_splits_a_shared_expert_into_one_row_per_survey(rows_before):
    Expert, Invitation = migrate_after()
    first = Invitation.objects.get(pk=rows_before["ann_first"].pk).expert
    second = Invitation.objects.get(pk=rows_before["ann_second"].pk).expert
    assert (first.pk, first.survey_id) == (rows_before["ann"], rows_before["first"])
    assert second.pk != first.pk and second.survey_id == rows_before["second"]
    copied = ("name", "email", "sector", "affiliation", "attributes")
    assert [getattr(second, f) for f in copied] == [getattr(first, f) for f in copied]
    assert [getattr(first, f) for f in copied] == [
        "Ann", "Ann@x.example", "academia", "Uni", {"country": "UK"}
    ]  # fmt: skip
    assert (
        Invitation.objects.get(pk=rows_before["bob_second"].pk).expert.survey_id
        == rows_before["second"]
    )


def test_migration_deletes_experts_without_an_invitation(rows_before):
    Expert, _ = migrate_after()
    assert sorted(Expert.objects.values_list("name", flat=True)) == ["Ann", "Ann", "Bob"]


def test_migration_leaves_each_survey_its_own_expert_to_change(rows_before):
    Expert, Invitation = migrate_after()
    Expert.objects.filter(invitations__pk=rows_before["ann_second"].pk).update(
        email="new@x.example"
    )
    assert Invitation.objects.get(pk=rows_before["ann_first"].pk).expert.email == "Ann@x.example"


def test_migration_gives_an_invitation_added_in_the_admin_a_link(apps_before, rows_before):
    OldInvitation = apps_before.get_model("responses", "Invitation")
    OldInvitation.objects.filter(pk=rows_before["bob_second"].pk).update(
        link_nonce="", link_hash=""
    )
    _, Invitation = migrate_after()
    invitation = Invitation.objects.get(pk=rows_before["bob_second"].pk)
    assert len(invitation.link_nonce) == 64
    assert invitation.link_hash == link_hash(link_secret(invitation.link_nonce))


def test_migration_refuses_emails_of_one_survey_that_differ_only_in_case(apps_before, rows_before):
    OldExpert = apps_before.get_model("responses", "Expert")
    Survey = apps_before.get_model("responses", "Survey")
    twin = OldExpert.objects.create(name="Ann again", email="ann@x.example")
    old_invitation(apps_before, Survey.objects.get(pk=rows_before["first"]), twin)
    with pytest.raises(RuntimeError) as refused:
        migrate(AFTER)
    assert str(refused.value) == (
        "Survey 'first' has experts whose email addresses differ only in case "
        "(ann@x.example). Correct or remove one of each pair in the admin, then migrate again."
    )
    twin.delete()  # so that the schema can go forward again


def test_migration_backwards_merges_the_copies_into_the_oldest_row(apps_before, rows_before):
    migrate(AFTER)
    old = migrate(BEFORE)
    OldInvitation = old.get_model("responses", "Invitation")
    assert set(OldInvitation.objects.values_list("expert_id", flat=True)) == {
        rows_before["ann"],
        rows_before["bob_second"].expert_id,
    }
    assert old.get_model("responses", "Expert").objects.count() == 2
