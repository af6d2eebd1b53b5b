"""Servers of the fault tests' own: one PostgreSQL cluster per test process (a database
migrated once, copied for each test), and per test a Redis, the site under gunicorn and
Celery workers, all stopped at the end."""

import subprocess
import sys
import uuid

import pytest

from tests.factories import require
from tests.faults.servers import (
    ROOT,
    Gunicorn,
    Postgres,
    Redis,
    SlowSMTP,
    Worker,
    postgres_binaries,
    site_env,
)

TEMPLATE = "faults_template"


@pytest.fixture(scope="session")
def own_postgres(tmp_path_factory):
    import shutil

    binaries = postgres_binaries()
    require(binaries is not None, "needs PostgreSQL's binaries (/usr/lib/postgresql/*/bin)")
    require(shutil.which("runuser") is not None, "needs runuser, to run PostgreSQL as postgres")
    server = Postgres(binaries)
    try:
        server.create()
        server.start()
        server.sql(f'CREATE DATABASE "{TEMPLATE}"')
        env = site_env(
            database_url=server.url(TEMPLATE),
            redis_url=None,
            mail_dir=tmp_path_factory.mktemp("migrate-mail"),
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        yield server
    finally:
        server.destroy()


@pytest.fixture
def fault_database(own_postgres):
    """A fresh copy of the migrated database; its URL."""
    name = f"fault_{uuid.uuid4().hex[:10]}"
    own_postgres.sql(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return own_postgres.url(name)


@pytest.fixture
def own_redis(tmp_path):
    require(bool(__import__("shutil").which("redis-server")), "needs redis-server")
    server = Redis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_server():
    """A mail server of the test's own; set its `delay` to slow it down."""
    server = SlowSMTP(delay=0).start()
    yield server
    server.stop()


@pytest.fixture
def broker_site(fault_database, own_redis, mail_dir, mail_server):
    """The environment of the site on our PostgreSQL and Redis, mailing to mail_server."""
    return site_env(
        database_url=fault_database,
        redis_url=own_redis.url,
        mail_dir=mail_dir,
        smtp_port=mail_server.port,
    )


@pytest.fixture
def mail_dir(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def started(tmp_path):
    """Start servers of the site (gunicorn, workers); every one is stopped at the end."""
    running = []

    def start(kind, env, **options):
        server = {"gunicorn": Gunicorn, "worker": Worker}[kind](
            env, tmp_path / f"{kind}-{len(running)}.log", **options
        )
        running.append(server)
        server.start()
        return server

    yield start
    for server in reversed(running):
        server.stop()
    for log in sorted(tmp_path.glob("*.log")):  # shown when the test fails
        print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
