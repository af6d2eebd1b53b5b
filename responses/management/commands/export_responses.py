from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from responses.management import chunks_write, survey_from_option
from responses.results.exports import registry


class Command(BaseCommand):
    # An offline job: the system checks import the URLconf and every view (about 0.4 s of
    # start-up); `check`, `runserver` and the deploy run them, not each export.
    requires_system_checks = []
    help = (
        "Export the submitted responses: wide CSV (default) or XLSX, long CSV or XLSX, the "
        "comments, or labelled SPSS (sav) and Stata (dta) files. For a Delphi study (any of "
        "its rounds): long holds every round's rows with their round; wide_rounds (and "
        "wide_rounds-sav, wide_rounds-dta) a row per expert and S<n>_r<k> columns; feedback "
        "what each expert saw and the answer after it. Anonymous: each respondent "
        "is their stored pseudonym, no names or emails; formulas neutralised. Test responses "
        "are left out unless --include-test."
    )

    def add_arguments(self, parser):
        parser.add_argument("--survey", required=True, help="Survey slug.")
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--format", choices=registry.RESPONSE_FORMATS, default="csv")
        parser.add_argument(
            "--include-test", action="store_true", help="Include the researchers' test responses."
        )

    def handle(self, *args, survey, output, **options):
        found = survey_from_option(survey)
        path = Path(output)
        key, include_test = options["format"], options["include_test"]
        refusal = registry.export_refusal(key=key, survey=found, include_test=include_test)
        if refusal:
            raise CommandError(refusal)
        chunks = registry.export_chunks(key=key, survey=found, include_test=include_test)
        chunks_write(path, chunks)
        self.stdout.write(f"Wrote {path}.")
