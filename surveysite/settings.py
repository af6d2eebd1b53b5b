"""One settings module for every environment, driven by environment variables.

Nothing set: DEBUG off, SQLite in the project folder, Celery eager, file email backend.
`make run` writes a local `.env` (DEBUG=1, a SECRET_KEY, SITE_URL, PORT), read below; the
real environment wins over it. Production sets SECRET_KEY, DATABASE_URL, REDIS_URL,
ALLOWED_HOSTS and the EMAIL_* variables. See `.env.example` and the README.
"""

import os
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from surveysite import envfile
from surveysite.env import env_bool, env_choice, env_database, env_int, env_list, env_str

BASE_DIR = envfile.BASE_DIR

# Before anything is read, .env fills in what the environment lacks (override=False: a real
# variable always wins). python-dotenv, not a reader of our own: it is small, pure Python,
# without dependencies, and its parser is also the one `make run` edits the file with.
ENV_FILE = envfile.env_file_path()
if ENV_FILE is not None:
    if os.environ.get("SURVEYSITE_ENV_FILE") and not ENV_FILE.is_file():
        raise ImproperlyConfigured(
            f"SURVEYSITE_ENV_FILE names {ENV_FILE}, which does not exist: "
            "point it at a file, or set it empty to read none."
        )
    load_dotenv(ENV_FILE, override=False, interpolate=False)


DEBUG = env_bool("DEBUG")

SECRET_KEY = env_str("SECRET_KEY")
# .env.example's placeholder starts so: copied as it is, it would be a key anyone can read.
PLACEHOLDER_KEY_PREFIX = "change-me"
if SECRET_KEY.startswith(PLACEHOLDER_KEY_PREFIX):
    raise ImproperlyConfigured(
        f"SECRET_KEY starts with '{PLACEHOLDER_KEY_PREFIX}', .env.example's placeholder: set a key "
        """of your own, e.g. python3 -c "import secrets; print(secrets.token_urlsafe(50))"."""
    )
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Run `make run` once (it writes .env), "
            "or set it in the environment (see .env.example)."
        )
    # Development only: personal links are derived from this key, so links printed under
    # `make run` stop working if it changes. Production always sets its own.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Our own page (and the autosave's JSON) instead of Django's raw "CSRF verification failed".
CSRF_FAILURE_VIEW = "surveysite.views.csrf_failure"
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client
# (docs/deploy.md). Empty: the client is the address that connects.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
# Absolute base of the links we print and email, e.g. https://survey.example.org
SITE_URL = env_str("SITE_URL", envfile.local_site_url(env_int("PORT", 8000))).rstrip("/")

INSTALLED_APPS = [
    "surveysite.apps.AdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_ratelimit",
    "statements",
    "responses",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "surveysite.csrf.NullOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# bench/ swaps in a urlconf that adds its baseline views beside ours.
ROOT_URLCONF = env_str("ROOT_URLCONF", "surveysite.urls")
WSGI_APPLICATION = "surveysite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "responses.navigation.research_navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env_database(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}", env_int("CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the page render while an autosave writes; IMMEDIATE avoids lock upgrades.
    # `timeout`: how long a write waits for another's lock (SQLite's busy timeout, s).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that is down, frozen or overloaded must not hold a request until gunicorn kills
    # it: connecting gives up after DATABASE_CONNECT_TIMEOUT, a statement after
    # DATABASE_STATEMENT_TIMEOUT, and the server ends a session left idle inside a transaction
    # (a process stuck between two statements keeps its locks) after
    # DATABASE_IDLE_IN_TRANSACTION_TIMEOUT. Long jobs raise their own limit locally (the
    # recount, results/services/counts.py).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5),
            "options": (
                f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT', 20)}s "
                "-c idle_in_transaction_session_timeout="
                f"{env_int('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT', 60)}s"
            ),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The languages an expert may answer in (a survey offers those its texts exist in). Researcher
# pages stay English; the respondent gate activates the expert's language.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves hashed, compressed files after `collectstatic`; development and the
# tests serve static/ as it is (STATIC_MANIFEST=0).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# Researchers sign in on a page of ours (surveysite/signin.py); superusers also at the admin's.
LOGIN_URL = "research:login"
LOGIN_REDIRECT_URL = "research:surveys"
LOGOUT_REDIRECT_URL = "research:login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Two kinds of session, each with its own age. An expert's is a signed cookie of its own
# (responses/respondent/session.py), opened by the personal link: it may last the fieldwork.
# A researcher's is Django's session, which signs them in to the research pages and the admin:
# a working day, since it reads every expert's name and email.
if "SESSION_COOKIE_AGE" in os.environ:
    raise ImproperlyConfigured(
        "SESSION_COOKIE_AGE is no longer read: set RESPONDENT_SESSION_SECONDS (experts, default "
        "14 days) and RESEARCH_SESSION_SECONDS (researchers, default 8 hours) instead."
    )
RESPONDENT_SESSION_SECONDS = env_int("RESPONDENT_SESSION_SECONDS", 14 * 24 * 3600)
SESSION_COOKIE_AGE = env_int("RESEARCH_SESSION_SECONDS", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# No Referer leaves any page; browsers then post forms with `Origin: null`, which
# surveysite/csrf.py accepts only when the browser vouches for the same origin.
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Email: a file backend under `make run`, SMTP in production (EMAIL_BACKEND=smtp).
EMAIL_BACKEND = env_choice(
    "EMAIL_BACKEND",
    {
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
    },
    "file",
)
EMAIL_FILE_PATH = Path(env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent_emails")))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "surveysite <survey@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: eager without REDIS_URL, so the app runs on a bare machine.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# The cache holds the throttles' counts (surveysite/throttle.py). CACHE_URL: redis://... (by
# default REDIS_URL) is shared by every web process; locmem:// (the default without Redis:
# `make run` serves one process) lives in the process. Short timeouts: a frozen Redis must not
# hang a request (the throttles then fail open).
CACHE_URL = env_str("CACHE_URL", REDIS_URL or "locmem://")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "surveysite",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL must be redis://... or locmem://, not '{CACHE_URL}'.")
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True
RATELIMIT_IP_META_KEY = "surveysite.throttle.client_ip"
# Django's own Redis backend counts with Redis' atomic INCR, though django-ratelimit lists
# only django-redis; a local-memory cache is shared by the one process `make run` serves.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHE_URL == "locmem://":
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing never hangs a request on a broker that is down or frozen (kombu's defaults wait
# forever for a reply, and retry the publish three times): connecting and each reply give up
# after BROKER_TIMEOUT seconds, and a publish is retried once, at once (a frozen broker then
# costs a request about three timeouts). A publish that still fails raises; the rows it was
# for are already committed, and the beat's sweeps queue them again (responses/broker.py).
# The worker's own BRPOP waits 1 s for a reply that it reads only once it is there.
BROKER_TIMEOUT = env_int("BROKER_TIMEOUT", 1)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": BROKER_TIMEOUT,
    "socket_connect_timeout": BROKER_TIMEOUT,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0}
# Submissions only mark results stale; this recomputes each stale survey once a minute, and
# first queues again the recompute jobs whose task was lost (still pending after a minute).
RESULTS_REFRESH_SECONDS = env_int("RESULTS_REFRESH_SECONDS", 60)
CELERY_BEAT_SCHEDULE: dict = {
    "results-refresh-stale": {"task": "results.refresh_stale", "schedule": RESULTS_REFRESH_SECONDS},
}
# Fieldwork: close surveys on their date, then queue the scheduled reminders that are due.
# Both are idempotent (conditional updates, one delivery row per round), so a beat that
# fires twice or late sends nothing twice.
CELERY_BEAT_SCHEDULE["fieldwork-surveys-close-due"] = {
    "task": "fieldwork.surveys_close_due",
    "schedule": env_int("FIELDWORK_CLOSE_CHECK_SECONDS", 60),
}
CELERY_BEAT_SCHEDULE["fieldwork-reminders-due"] = {
    "task": "fieldwork.reminders_due",
    "schedule": env_int("FIELDWORK_REMINDER_CHECK_SECONDS", 600),
}
# The sends researchers scheduled ("send at"), each made once (claimed by a conditional update).
CELERY_BEAT_SCHEDULE["fieldwork-scheduled-sends-due"] = {
    "task": "fieldwork.scheduled_sends_due",
    "schedule": env_int("FIELDWORK_SCHEDULED_CHECK_SECONDS", 60),
}
# A delivery still 'sending' this long after its claim was left by a worker that died: the
# sweep marks it 'unknown' (it may have gone out) and never resends it by itself. Longer than
# a task may run, so that it never marks an email a live worker is still sending. The same
# sweep then queues again the deliveries still 'pending' a minute after their task was due
# (the broker was down when they were queued, or their worker died before taking them).
FIELDWORK_SWEEP_SECONDS = env_int("FIELDWORK_SWEEP_SECONDS", 60)
CELERY_BEAT_SCHEDULE["fieldwork-deliveries-sweep"] = {
    "task": "fieldwork.deliveries_sweep",
    "schedule": FIELDWORK_SWEEP_SECONDS,
}
FIELDWORK_SENDING_TIMEOUT_MINUTES = env_int("FIELDWORK_SENDING_TIMEOUT_MINUTES", 15)
if FIELDWORK_SENDING_TIMEOUT_MINUTES * 60 <= CELERY_TASK_TIME_LIMIT:
    # Else the sweep could mark an email that a live worker is still sending.
    raise ImproperlyConfigured(
        "FIELDWORK_SENDING_TIMEOUT_MINUTES must be longer than CELERY_TASK_TIME_LIMIT "
        f"({FIELDWORK_SENDING_TIMEOUT_MINUTES} min is not longer than "
        f"{CELERY_TASK_TIME_LIMIT} s): raise it, or lower the time limit."
    )
# Transient SMTP errors are retried after base, 2 x base, 4 x base... seconds.
FIELDWORK_EMAIL_RETRY_BASE = env_int("FIELDWORK_EMAIL_RETRY_BASE", 30)
# A checked expert list waits 24 hours for its confirmation; this deletes those past it.
CELERY_BEAT_SCHEDULE["fieldwork-staged-imports-expire"] = {
    "task": "fieldwork.staged_imports_expire",
    "schedule": env_int("FIELDWORK_STAGED_EXPIRE_SECONDS", 3600),
}
# A download built whole in memory (XLSX, SAV, DTA, codebooks) of a survey with more counted
# responses than this becomes a job; its file is kept, private, under EXPORTS_DIR (never
# under static or media) for EXPORT_KEEP_HOURS, then the sweep removes it.
EXPORT_JOB_ABOVE = env_int("EXPORT_JOB_ABOVE", 5000)
EXPORTS_DIR = Path(env_str("EXPORTS_DIR", str(BASE_DIR / "var" / "exports")))
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
CELERY_BEAT_SCHEDULE["results-exports-sweep"] = {
    "task": "results.exports_sweep",
    "schedule": env_int("EXPORT_SWEEP_SECONDS", 3600),
}
CELERY_TIMEZONE = TIME_ZONE

# Personal links appear in request paths; every log record passes this filter first.
# gunicorn's loggers are not named here: surveysite/logging.py says why, and filters them.
LOGGING_CONFIG = "surveysite.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_links": {"()": "surveysite.logging.RedactPersonalLinks"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_links"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        name: {"filters": ["redact_links"], "level": "INFO"}
        for name in ("django", "django.request", "django.server")
    },
}

# Demo admin password for `seed_demo`; generated and printed when unset.
DEMO_ADMIN_PASSWORD = env_str("DEMO_ADMIN_PASSWORD")
