"""Loaded by pytest before Django (`-p surveysite.testenv`): production-like settings
(DEBUG off) with a test-only key.
DATABASE_URL and REDIS_URL come from the caller: `.ci/run` points them at PostgreSQL and
Redis; without them the suite runs on SQLite with eager Celery and says what it skipped.
"""

import os
import tempfile

# Never a developer's .env (it would change the database, the email backend, the key...);
# set, not defaulted, so an exported SURVEYSITE_ENV_FILE cannot point the tests at one either.
os.environ["SURVEYSITE_ENV_FILE"] = ""

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Unit tests run tasks eagerly through the real on-commit path; the `celery_worker` fixture
# switches a test to a real worker on Redis.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# Each test process keeps its throttle counts to itself; the conftest clears them per test.
os.environ.setdefault("CACHE_URL", "locmem://")
# Export jobs write their files to a directory of the run's own, never into the project.
os.environ.setdefault("EXPORTS_DIR", tempfile.mkdtemp(prefix="surveysite-exports-"))
