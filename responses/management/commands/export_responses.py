from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from responses.management import survey_from_option
from responses.results.exports import registry

ERROR_OUTPUT = "Cannot write {path}: {error}"


class Command(BaseCommand):
    help = (
        "Export the submitted responses: wide CSV (default), wide XLSX, long CSV or long XLSX. "
        "Anonymous: random respondent ids, no names or emails; formulas neutralised."
    )

    def add_arguments(self, parser):
        parser.add_argument("--survey", required=True, help="Survey slug.")
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--format", choices=registry.RESPONSE_FORMATS, default="csv")

    def handle(self, *args, survey, output, **options):
        found = survey_from_option(survey)
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(ERROR_OUTPUT.format(path=path, error="no such directory"))
        body = registry.export_bytes(key=options["format"], survey=found)
        try:
            path.write_bytes(body)
        except OSError as error:
            raise CommandError(ERROR_OUTPUT.format(path=path, error=error)) from None
        self.stdout.write(f"Wrote {path}.")
