from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from responses.fieldwork.services.lifecycle import SurveyError, survey_create
from responses.models import Survey


def parse_date(value: str) -> datetime:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"--closes must be a date as YYYY-MM-DD, not '{value}'.") from None
    # Open through the whole closing day, in the site's time zone.
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


class Command(BaseCommand):
    help = "Create an open survey that asks all the catalogue's statements."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short name used in addresses, e.g. agi-2026.")
        parser.add_argument("--title", required=True, help="Title shown to experts.")
        parser.add_argument(
            "--order",
            choices=Survey.Order.values,
            default=Survey.Order.RANDOMIZED,
            help="Statement order (default: randomized per respondent).",
        )
        parser.add_argument("--closes", metavar="YYYY-MM-DD", help="Last day to answer.")

    def handle(self, *args, slug, title, order, closes, **options):
        closes_at = parse_date(closes) if closes else None
        try:
            survey = survey_create(slug=slug, title=title, order=order, closes_at=closes_at)
        except SurveyError as error:
            raise CommandError(str(error)) from None
        count = survey.statements.count()
        self.stdout.write(f"Created open survey '{survey.slug}' with {count} statements.")
