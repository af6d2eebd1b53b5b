"""`make serve`'s first step: the production shape (docs/deploy.md) runs on PostgreSQL and Redis
with DEBUG off. Anything else stops it here with one line, before migrate and collectstatic.

`python -m surveysite.serving`. It reads the settings, so `.env` counts as the settings count it.
"""

import sys

from surveysite.boot import settings_or_exit

NEEDS = "surveysite: make serve needs {missing} (in the environment or .env; see docs/deploy.md)."


def missing(settings) -> list[str]:
    """What the settings lack for the production shape, each as the line that would set it."""
    lines = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        lines.append("DATABASE_URL=postgres://...")
    if not settings.REDIS_URL:
        lines.append("REDIS_URL=redis://...")
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        lines.append("CELERY_TASK_ALWAYS_EAGER=0")
    if settings.DEBUG:
        lines.append("DEBUG=0")
    return lines


def main() -> None:
    settings_or_exit()
    from django.conf import settings

    lines = missing(settings)
    if lines:
        print(NEEDS.format(missing=", ".join(lines)), file=sys.stderr)
        raise SystemExit(2)


if __name__ == "__main__":
    main()
