"""Helpers shared by the management commands."""

from django.core.management.base import CommandError

ERROR_SURVEY = "No survey with the slug '{slug}'."


def survey_from_option(slug: str):
    from ..models import Survey

    found = Survey.objects.filter(slug=slug).first()
    if found is None:
        raise CommandError(ERROR_SURVEY.format(slug=slug))
    return found
