"""The settings module reads the environment; each case runs in a fresh interpreter."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from surveysite import envfile

BASE_DIR = Path(__file__).resolve().parents[2]
NO_SECRET_KEY = (
    "surveysite: SECRET_KEY must be set when DEBUG is off. Run `make run` once "
    "(it writes .env), or set it in the environment (see .env.example).\n"
)

PROBE = """
import json
from django.conf import settings
import django
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "hosts": settings.ALLOWED_HOSTS,
    "debug": settings.DEBUG,
    "secret_key": settings.SECRET_KEY,
    "site_url": settings.SITE_URL,
}))
"""


def load(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    base.pop("CELERY_TASK_ALWAYS_EAGER", None)
    base.pop("EMAIL_BACKEND", None)
    base.update({"DJANGO_SETTINGS_MODULE": "surveysite.settings", **env})
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=base, capture_output=True, text=True, timeout=60
    )
    return result


def run_clean(*argv, **env):
    """A fresh shell: nothing but PATH and the variables given, and no .env read."""
    clean = {"PATH": os.environ["PATH"], "SURVEYSITE_ENV_FILE": "", **env}
    return subprocess.run(
        [sys.executable, *argv], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


def load_clean(**env):
    result = run_clean("-c", PROBE, DJANGO_SETTINGS_MODULE="surveysite.settings", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_default_to_sqlite_eager_celery_and_file_email():
    result = load(DEBUG="1", SECRET_KEY="")
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert values["eager"] is True
    assert values["email"] == "django.core.mail.backends.filebased.EmailBackend"


def test_settings_use_postgres_and_redis_from_urls():
    result = load(
        DEBUG="1",
        DATABASE_URL="postgres://u@db.example:5432/surveys",
        REDIS_URL="redis://cache.example:6379/0",
    )
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "surveys"
    assert values["eager"] is False
    assert values["broker"] == "redis://cache.example:6379/0"


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = load(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_manage_py_without_secret_key_says_what_to_do_in_one_line_and_exits_2():
    result = run_clean("manage.py", "check")
    assert result.returncode == 2
    assert result.stderr == NO_SECRET_KEY


def test_manage_py_names_a_port_that_is_not_a_number():
    result = run_clean("manage.py", "check", DEBUG="1", PORT="abc")
    assert result.returncode == 2
    assert result.stderr == "surveysite: PORT must be a whole number, not 'abc'.\n"


def test_manage_py_names_the_allowed_email_backends():
    result = run_clean("manage.py", "check", DEBUG="1", EMAIL_BACKEND="sendmail")
    assert result.returncode == 2
    assert result.stderr == (
        "surveysite: EMAIL_BACKEND must be one of file, smtp, console, locmem; not 'sendmail'.\n"
    )


def test_manage_py_names_the_allowed_yes_and_no_words():
    result = run_clean("manage.py", "check", DEBUG="maybe")
    assert result.returncode == 2
    assert result.stderr == (
        "surveysite: DEBUG must be one of 1, true, yes, on, 0, false, no, off; not 'maybe'.\n"
    )


def test_manage_py_names_a_database_url_it_cannot_use():
    result = run_clean("manage.py", "check", DEBUG="1", DATABASE_URL="postgres://u@h:abc/db")
    assert result.returncode == 2
    assert result.stderr.startswith("surveysite: DATABASE_URL is not a database URL we can use:")
    assert len(result.stderr.splitlines()) == 1


def test_celery_without_secret_key_says_what_to_do_in_one_line_and_exits_2():
    result = run_clean("-m", "celery", "-A", "surveysite", "report")
    assert result.returncode == 2
    assert result.stderr == NO_SECRET_KEY


@pytest.fixture
def env_file(tmp_path):
    """A .env as `make run` writes it for port 8123, and a line of the developer's own."""
    path = tmp_path / ".env"
    path.write_text(envfile.render(port=8123, secret_key="k" * 50) + "EMAIL_BACKEND=console\n")
    return path


def test_settings_fill_in_from_the_env_file_what_the_environment_lacks(env_file):
    values = load_clean(SURVEYSITE_ENV_FILE=str(env_file))
    assert values["debug"] is True
    assert values["secret_key"] == "k" * 50
    assert values["site_url"] == "http://127.0.0.1:8123"
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"


def test_settings_prefer_the_environment_to_the_env_file(env_file):
    values = load_clean(
        SURVEYSITE_ENV_FILE=str(env_file), SITE_URL="https://survey.example.org", DEBUG="0"
    )
    assert values["debug"] is False
    assert values["site_url"] == "https://survey.example.org"
    assert values["secret_key"] == "k" * 50


def test_manage_py_runs_in_a_fresh_shell_once_the_env_file_is_written(env_file):
    assert run_clean("manage.py", "check", SURVEYSITE_ENV_FILE=str(env_file)).returncode == 0


def test_manage_py_names_an_env_file_that_does_not_exist(tmp_path):
    missing = tmp_path / "missing.env"
    result = run_clean("manage.py", "check", SURVEYSITE_ENV_FILE=str(missing))
    assert result.returncode == 2
    assert result.stderr == (
        f"surveysite: SURVEYSITE_ENV_FILE names {missing}, which does not exist: "
        "point it at a file, or set it empty to read none.\n"
    )


def test_tests_never_read_a_developers_env_file(settings):
    assert os.environ["SURVEYSITE_ENV_FILE"] == ""
    assert settings.ENV_FILE is None


def test_settings_refuse_a_sending_timeout_a_live_task_could_outlast():
    result = run_clean(
        "manage.py",
        "check",
        DEBUG="1",
        FIELDWORK_SENDING_TIMEOUT_MINUTES="10",
        CELERY_TASK_TIME_LIMIT="600",
    )
    assert result.returncode == 2
    assert "FIELDWORK_SENDING_TIMEOUT_MINUTES must be longer than" in result.stderr


def test_settings_read_allowed_hosts_and_smtp():
    result = load(
        DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="a.example, b.example", EMAIL_BACKEND="smtp"
    )
    values = json.loads(result.stdout)
    assert values["hosts"] == ["a.example", "b.example"]
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


PLACEHOLDER_REFUSED = (
    "surveysite: SECRET_KEY starts with 'change-me', .env.example's placeholder: set a key of "
    """your own, e.g. python3 -c "import secrets; print(secrets.token_urlsafe(50))".\n"""
)


def test_settings_refuse_the_placeholder_key_of_env_example():
    result = run_clean("manage.py", "check", SURVEYSITE_ENV_FILE=str(BASE_DIR / ".env.example"))
    assert (result.returncode, result.stderr) == (2, PLACEHOLDER_REFUSED)


def test_settings_refuse_a_key_that_only_extends_the_placeholder():
    result = run_clean("manage.py", "check", DEBUG="1", SECRET_KEY="change-me-" + "x" * 60)
    assert (result.returncode, result.stderr) == (2, PLACEHOLDER_REFUSED)


def test_env_example_with_a_key_of_ones_own_passes_the_deploy_checks(tmp_path):
    example = (BASE_DIR / ".env.example").read_text()
    own = tmp_path / ".env"
    key = secrets.token_urlsafe(50)
    own.write_text(re.sub(r"^SECRET_KEY=.*$", f"SECRET_KEY={key}", example, flags=re.M))
    result = run_clean(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", SURVEYSITE_ENV_FILE=str(own)
    )
    assert (result.returncode, result.stderr) == (0, "")


SERVE_NEEDS = "surveysite: make serve needs {} (in the environment or .env; see docs/deploy.md).\n"


def test_make_serve_names_in_one_line_what_production_lacks():
    result = run_clean("-m", "surveysite.serving", DEBUG="1")
    assert result.returncode == 2
    assert result.stderr == SERVE_NEEDS.format(
        "DATABASE_URL=postgres://..., REDIS_URL=redis://..., DEBUG=0"
    )


SERVED = {
    "SECRET_KEY": "k" * 50,
    "DATABASE_URL": "postgres://u@db.example:5432/surveys",
    "REDIS_URL": "redis://cache.example:6379/0",
}


def test_make_serve_refuses_eager_tasks_beside_redis():
    result = run_clean("-m", "surveysite.serving", **SERVED, CELERY_TASK_ALWAYS_EAGER="1")
    assert result.returncode == 2
    assert result.stderr == SERVE_NEEDS.format("CELERY_TASK_ALWAYS_EAGER=0")


def test_make_serve_starts_on_postgres_and_redis_with_debug_off():
    result = run_clean("-m", "surveysite.serving", **SERVED)
    assert (result.returncode, result.stderr) == (0, "")


SESSION_AGES = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps([settings.RESPONDENT_SESSION_SECONDS, settings.SESSION_COOKIE_AGE]))
"""


def test_settings_give_experts_and_researchers_sessions_of_their_own_ages():
    result = run_clean("-c", SESSION_AGES, DEBUG="1", DJANGO_SETTINGS_MODULE="surveysite.settings")
    assert json.loads(result.stdout) == [14 * 24 * 3600, 8 * 3600]


def test_settings_read_both_session_ages_from_the_environment():
    result = run_clean(
        "-c",
        SESSION_AGES,
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="surveysite.settings",
        RESPONDENT_SESSION_SECONDS="600",
        RESEARCH_SESSION_SECONDS="900",
    )
    assert json.loads(result.stdout) == [600, 900]


def test_manage_py_says_that_session_cookie_age_was_split_in_two():
    result = run_clean("manage.py", "check", DEBUG="1", SESSION_COOKIE_AGE="1209600")
    assert result.returncode == 2
    assert result.stderr == (
        "surveysite: SESSION_COOKIE_AGE is no longer read: set RESPONDENT_SESSION_SECONDS "
        "(experts, default 14 days) and RESEARCH_SESSION_SECONDS (researchers, default 8 hours) "
        "instead.\n"
    )


TIMEOUTS_PROBE = """
import json
from django.conf import settings
from surveysite.celery import app
print(json.dumps({
    "database": settings.DATABASES["default"].get("OPTIONS", {}),
    "transport": app.conf.broker_transport_options,
    "connection_timeout": app.conf.broker_connection_timeout,
    "publish_retry": app.conf.task_publish_retry_policy,
}))
"""


def probe_timeouts(**env):
    result = run_clean(
        "-c", TIMEOUTS_PROBE, DJANGO_SETTINGS_MODULE="surveysite.settings", DEBUG="1", **env
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_bound_the_postgres_connect_and_statement_times_by_default():
    values = probe_timeouts(DATABASE_URL="postgres://u@db.example:5432/surveys")
    assert values["database"] == {
        "connect_timeout": 5,
        "options": "-c statement_timeout=20s -c idle_in_transaction_session_timeout=60s",
    }


def test_settings_read_the_postgres_timeouts_from_the_environment():
    values = probe_timeouts(
        DATABASE_URL="postgres://u@db.example:5432/surveys",
        DATABASE_CONNECT_TIMEOUT="2",
        DATABASE_STATEMENT_TIMEOUT="0",
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT="300",
    )
    assert values["database"] == {
        "connect_timeout": 2,
        "options": "-c statement_timeout=0s -c idle_in_transaction_session_timeout=300s",
    }


def test_settings_keep_sqlites_busy_timeout():
    assert probe_timeouts()["database"]["timeout"] == 20


def test_settings_bound_publishing_to_the_broker():
    values = probe_timeouts(REDIS_URL="redis://cache.example:6379/0", BROKER_TIMEOUT="3")
    assert values["transport"] == {"socket_timeout": 3, "socket_connect_timeout": 3}
    assert values["connection_timeout"] == 3
    assert values["publish_retry"] == {"max_retries": 1, "interval_start": 0, "interval_step": 0}


def test_postgres_sessions_run_under_the_statement_timeouts(postgres, db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        idle = cursor.fetchone()[0]
    assert (statement, idle) == ("20s", "1min")


def test_postgres_recount_raises_its_own_statement_timeout(postgres, db, settings):
    from django.db import connection

    from responses.results.services.counts import counts_rebuild_run

    seen = []

    def spy(execute, sql, params, many, context):
        if sql.startswith("INSERT"):
            with connection.cursor() as cursor:
                cursor.execute("SHOW statement_timeout")
                seen.append(cursor.fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy), connection.cursor() as cursor:
        counts_rebuild_run(cursor, survey_id=None)
        cursor.execute("SHOW statement_timeout")
        after = cursor.fetchone()[0]
    limit = f"{settings.CELERY_TASK_TIME_LIMIT // 60}min"
    assert (seen, after) == ([limit, limit], "20s")
