"""Processes started as production starts them: collectstatic, gunicorn."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.factories import free_port, server_start

# DEBUG off as in production, and the hashed files of the manifest storage.
PRODUCTION = {"DEBUG": "0", "STATIC_MANIFEST": "1"}


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """A STATIC_ROOT filled by `manage.py collectstatic` with DEBUG off (once per test process:
    compressing every file takes seconds)."""
    root = tmp_path_factory.mktemp("staticfiles")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **PRODUCTION, "STATIC_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def gunicorn_server(tmp_path):
    """Start gunicorn as the Procfile does (surveysite/gunicorn.conf.py), with one worker on a
    free loopback port and the test's environment plus `env`; stopped when the test ends."""
    servers = []

    def start(**env):
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "-c", "surveysite/gunicorn.conf.py"]
        environment = {**os.environ, "DEBUG": "0", "PORT": str(port), "WEB_CONCURRENCY": "1"}
        server = server_start(
            [*command, "surveysite.wsgi"],
            name="gunicorn",
            port=port,
            logs=tmp_path,
            cwd=settings.BASE_DIR,
            env={**environment, **env},
        )
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
