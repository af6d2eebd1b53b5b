"""The cast: a researcher, another researcher, a superuser, an invited expert, an outsider."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse

from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import survey_create
from responses.links import link_secret
from responses.models import Survey
from responses.respondent.session import SESSION_COOKIE
from statements.services import statements_load
from tests.factories import celery_publishing_to, free_port, require


def pytest_terminal_summary(terminalreporter):
    """How many inputs the fuzz tests sent (tests/strategies.py), per endpoint and database:
    each records a property "fuzz <database>" of {endpoint: count}."""
    totals: dict[str, dict[str, int]] = {}
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        for key, counts in getattr(report, "user_properties", []):
            if key.startswith("fuzz "):
                for endpoint, count in counts.items():
                    database = totals.setdefault(key.removeprefix("fuzz "), {})
                    database[endpoint] = database.get(endpoint, 0) + count
    for database, counts in totals.items():
        terminalreporter.write_sep("-", f"fuzz inputs sent, {database}")
        for endpoint, count in counts.items():
            terminalreporter.write_line(f"{endpoint:<28} {count:>8,}")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs ~0.3 s per user; the tests do not test it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """The throttles count in the cache: each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def unreachable_redis_cache(settings):
    """The throttles' cache on a Redis server that is not there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


@pytest.fixture(autouse=True)
def statement_catalogue(request):
    """The 50 statements, as the data migration loads them. Transactional tests (live server,
    real worker) flush every table when they end, catalogue included: put it back."""
    names = set(request.fixturenames)
    if {"transactional_db", "live_server"} & names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    statements_load()


@pytest.fixture
def researcher(django_user_model):
    return django_user_model.objects.create_user(
        "rita", "rita@example.org", "rita-password-1", is_staff=True
    )


@pytest.fixture
def other_researcher(django_user_model):
    return django_user_model.objects.create_user(
        "oscar", "oscar@example.org", "oscar-password-1", is_staff=True
    )


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("sam", "sam@example.org", "sam-password-1")


@pytest.fixture
def survey(db, researcher):
    return survey_create(
        slug="agi",
        title="AGI safety and governance",
        order=Survey.Order.QUESTIONNAIRE,
        owner=researcher,
    )


@pytest.fixture
def invitation(survey):
    invitation, _ = invitation_create(
        survey=survey, email="alice@example.org", name="Alice Expert", sector="academia"
    )
    return invitation


@pytest.fixture
def other_invitation(survey):
    invitation, _ = invitation_create(
        survey=survey, email="bob@example.org", name="Bob Expert", sector="agi_lab"
    )
    return invitation


@pytest.fixture
def secret(invitation):
    return link_secret(invitation.link_nonce)


@pytest.fixture
def expert_client(client, invitation, secret):
    """A browser that opened Alice's personal link."""
    client.get(reverse("respondent:link", args=[secret]))
    assert client.cookies[SESSION_COOKIE].value
    return client


@pytest.fixture
def started_client(expert_client):
    """Alice after giving consent."""
    expert_client.post(reverse("respondent:consent"), {"consent": "on"})
    return expert_client


@pytest.fixture
def answering_client(started_client, invitation):
    """Alice mid-way: consented and one answer saved, so the invitation counts as started
    and her next saves take the one-statement path."""
    first = invitation.response.statement_order[0]
    started_client.post(reverse("respondent:autosave"), {"statement": first, "value": "1"})
    return started_client


@pytest.fixture
def outsider(client):
    return client


@pytest.fixture
def researcher_client(client, researcher, survey):
    client.force_login(researcher)
    return client


@pytest.fixture
def many_invitations(survey):
    def make(count: int, start: int = 0):
        return [
            invitation_create(
                survey=survey,
                email=f"expert{number}@example.org",
                name=f"Expert {number}",
                sector=["agi_lab", "academia", "civil_society", "other"][number % 4],
            )[0]
            for number in range(start, start + count)
        ]

    return make


# Services. Without them the tests that need them are skipped and say why (`require`).
@pytest.fixture
def dead_broker(transactional_db, settings):
    """Redis down: Celery publishes, not eagerly, to a port where nothing listens. The
    data is committed (transactional_db), so on-commit publishing runs as in a request."""
    with celery_publishing_to(f"redis://127.0.0.1:{free_port()}/0") as app:
        # After the app saved its own eager setting, which reads this one.
        settings.CELERY_TASK_ALWAYS_EAGER = False
        yield app


@pytest.fixture
def postgres(settings):
    from django.db import connection

    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def nginx_binary():
    """Debian's nginx (.ci/run installs it), for the tests of deploy/nginx.conf."""
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    require(Path(path).is_file(), "needs Debian's nginx: apt-get install nginx")
    require(bool(shutil.which("openssl")), "needs openssl, for a test certificate")
    return path


@pytest.fixture
def celery_worker(transactional_db, postgres, settings):
    """A real Celery worker process on Redis, sharing this test's PostgreSQL database.

    Tests using it see committed data only (transactional_db), as the worker does."""
    from django.db import connection

    require(bool(os.environ.get("REDIS_URL")), "needs Redis: set REDIS_URL=redis://...")
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{db['USER'] or 'postgres'}@{host}/{db['NAME']}"
    # A queue of our own, so parallel test processes never take each other's tasks.
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "surveysite",
            "worker",
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            # A name of its own: parallel test processes each run a worker.
            "-n",
            f"{queue}@%h",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    from surveysite.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        # Generous: on a loaded 2-core machine a worker's start can take a while.
        deadline = time.monotonic() + 60
        node = f"{queue}@{socket.gethostname()}"
        while not app.control.inspect(destination=[node], timeout=0.5).ping():
            if process.poll() is not None:
                pytest.fail("the Celery worker exited at start")
            if time.monotonic() > deadline:
                pytest.fail("the Celery worker did not answer within 60 s")
            time.sleep(0.2)
        yield app
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        process.terminate()
        process.wait(timeout=20)


# A real browser: Debian's chromium driven by Playwright, one per test process (two sync
# Playwright instances cannot share a thread). Nothing downloads a browser.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def playwright():
    require(CHROMIUM.exists(), "needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the Django ORM calls the
    # tests make from the same thread are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def launch_browser(playwright):
    """Start another chromium, for tests that close theirs on purpose."""

    def launch():
        return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

    return launch


@pytest.fixture(scope="session")
def browser(launch_browser):
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, live_server):
    """Fresh browser contexts (own cookies), closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    # Playwright's loop gives this thread another async context, with its own database
    # connection; close it, or PostgreSQL cannot drop the test database at the end.
    connections.close_all()


@pytest.fixture
def page(new_context):
    return new_context().new_page()
