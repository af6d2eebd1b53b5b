import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from responses.models import Expert, Invitation, Survey

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_survey_creates_an_open_survey_with_all_statements():
    output = run("create_survey", "agi-2026", "--title", "AGI 2026", "--order", "paper")
    survey = Survey.objects.get(slug="agi-2026")
    assert survey.status == Survey.Status.OPEN
    assert survey.order == Survey.Order.PAPER
    assert survey.statements.count() == 50
    assert "with 50 statements" in output


def test_create_survey_closes_at_the_end_of_the_given_day():
    run("create_survey", "later", "--title", "Later", "--closes", "2099-03-31")
    closes = Survey.objects.get(slug="later").closes_at
    assert (closes.year, closes.month, closes.day, closes.hour) == (2099, 3, 31, 23)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "X", "--closes", "31/03/2099"], "YYYY-MM-DD"),
        (["--title", "X", "--closes", "2001-01-01"], "must lie in the future"),
        (["--title", "   "], "needs a title"),
    ],
)
def test_create_survey_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_survey", "bad", *args)
    assert not Survey.objects.exists()


def test_create_survey_refuses_a_taken_or_invalid_slug(survey):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_survey", survey.slug, "--title", "Again")
    with pytest.raises(CommandError, match="lowercase letters"):
        call_command("create_survey", "Not A Slug", "--title", "X")


def test_create_survey_refuses_an_unknown_order():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("create_survey", "x", "--title", "X", "--order", "alphabetical")


def test_invite_prints_a_working_link_as_last_line(survey):
    output = run(
        "invite",
        "--survey",
        survey.slug,
        "--email",
        "eve@example.org",
        "--name",
        "Eve",
        "--sector",
        "civil_society",
        "--affiliation",
        "Example NGO",
    )
    link = output.strip().splitlines()[-1]
    assert link.startswith("http://") and "/s/" in link
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert Client().get("/" + path).status_code == 302
    expert = Expert.objects.get(email="eve@example.org")
    assert (expert.sector, expert.affiliation) == ("civil_society", "Example NGO")


def test_invite_twice_finds_the_same_invitation_and_link(survey):
    first = run("invite", "--survey", survey.slug, "--email", "eve@example.org", "--name", "Eve")
    second = run("invite", "--survey", survey.slug, "--email", "EVE@example.org", "--name", "Eve")
    assert first.splitlines()[-1] == second.splitlines()[-1]
    assert "Found existing" in second
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--survey", "nope", "--email", "a@example.org", "--name", "A"], "No survey"),
        (["--survey", "agi", "--email", "not-an-email", "--name", "A"], "not a valid email"),
        (["--survey", "agi", "--email", "a@example.org", "--name", " "], "name is empty"),
        (["--survey", "agi", "--email", "a@example.org", "--name", "A", "--sector", "x"], "sector"),
    ],
)
def test_invite_refuses_bad_input(survey, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("invite", *args)
    assert not Invitation.objects.exists()


def test_seed_demo_is_idempotent_and_prints_login_and_link(settings):
    settings.DEMO_ADMIN_PASSWORD = "demo-password-123"
    first = run("seed_demo")
    second = run("seed_demo")
    assert Survey.objects.filter(slug="demo").count() == 1
    assert Invitation.objects.count() == 4 + 24
    assert Invitation.objects.filter(submitted_at__isnull=False).count() == 24
    assert Survey.objects.get(slug="demo").snapshots.count() == 1
    assert "Admin login: admin / demo-password-123" in first
    link_lines = [
        line for line in second.splitlines() if line.startswith("Sample invitation link: ")
    ]
    assert len(link_lines) == 1
    assert first.splitlines()[-1] == second.splitlines()[-1]


def test_seed_demo_generates_and_prints_a_password_when_none_is_set(settings, django_user_model):
    settings.DEMO_ADMIN_PASSWORD = ""
    output = run("seed_demo")
    password = output.split("Admin login: admin / ")[1].splitlines()[0]
    assert django_user_model.objects.get(username="admin").check_password(password)
    assert django_user_model.objects.get(username="admin").is_superuser


def test_commands_have_help():
    from django.core.management import load_command_class

    for name in ("create_survey", "invite", "seed_demo"):
        parser = load_command_class("responses", name).create_parser("manage.py", name)
        assert parser.format_help()
