"""Helpers shared by the management commands."""

from django.core.management.base import CommandError

ERROR_SURVEY = "No survey with the slug '{slug}'."


def survey_from_option(slug: str):
    from ..models import Survey

    found = Survey.objects.filter(slug=slug).first()
    if found is None:
        raise CommandError(ERROR_SURVEY.format(slug=slug))
    return found


def import_refused(command, refused) -> CommandError:
    """Write each problem of a refused import (ImportRefused) as `line N: ...`; the error to
    raise says why nothing was imported."""
    for problem in refused.problems:
        command.stderr.write(f"line {problem['line']}: {problem['message']}")
    return CommandError(str(refused))
