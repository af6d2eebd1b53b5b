from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from responses.fieldwork.services.experts import experts_import, experts_parse
from responses.management import import_refused, survey_from_option
from responses.uploads import ImportRefused


class Command(BaseCommand):
    help = (
        "Import an expert list (CSV or XLSX with columns name, email, sector, affiliation) "
        "into a survey, all or nothing. Problems are listed with their line numbers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--survey", required=True, help="Survey slug.")
        parser.add_argument("file", help="Path to a .csv or .xlsx file.")

    def handle(self, *args, survey, file, **options):
        found = survey_from_option(survey)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            parsed = experts_parse(survey=found, data=path.read_bytes(), filename=path.name)
            if parsed.problems:
                raise ImportRefused("Nothing was imported.", parsed.problems)
            count = experts_import(survey=found, rows=parsed.rows)
        except ImportRefused as refused:
            raise import_refused(self, refused) from None
        self.stdout.write(f"Imported {count} experts into '{found.slug}'.")
