"""How manage.py and the Celery app load the settings."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def settings_or_exit() -> None:
    """A missing or invalid setting ends the process with one line that says what to do,
    not a traceback (the settings' messages are written for the person at the shell)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "surveysite.settings")
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 (the first read imports the settings module)
    except ImproperlyConfigured as error:
        print(f"surveysite: {error}", file=sys.stderr)
        raise SystemExit(2) from None
