"""The settings module reads the environment; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys

import pytest

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


def test_settings_refuse_a_sending_timeout_a_live_task_could_outlast():
    result = load(DEBUG="1", FIELDWORK_SENDING_TIMEOUT_MINUTES="10", CELERY_TASK_TIME_LIMIT="600")
    assert result.returncode != 0
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
