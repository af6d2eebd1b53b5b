from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from responses.management import import_refused, survey_from_option
from responses.results.services.imports import responses_import
from responses.uploads import ImportRefused

ERROR_FILE = "Cannot read {path}: {error}"


class Command(BaseCommand):
    help = (
        "Import submitted responses in the wide format (respondent, sector, gender, S1..S50 "
        "with codes -2..2, -88 or DK for I don't know, blank for not answered; optional "
        "open_answer and order_shown), from CSV or XLSX. Every row is checked first; any "
        "error imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--survey", required=True, help="Survey slug.")
        parser.add_argument("file", help="A .csv or .xlsx file.")

    def handle(self, *args, survey, file, **options):
        found = survey_from_option(survey)
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(ERROR_FILE.format(path=path, error=error.strerror)) from None
        try:
            count = responses_import(survey=found, data=data, filename=path.name)
        except ImportRefused as refused:
            raise import_refused(self, refused) from None
        self.stdout.write(f"Imported {count} respondents into {found.slug}.")
