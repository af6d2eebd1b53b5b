from pathlib import Path

from django.core.management.base import BaseCommand

from responses.management import chunks_write, survey_from_option
from responses.results.exports import registry


class Command(BaseCommand):
    # An offline job: the system checks import the URLconf and every view (about 0.4 s of
    # start-up); `check`, `runserver` and the deploy run them, not each export.
    requires_system_checks = []
    help = (
        "Write the codebook of the raw-response files: DDI-Codebook 2.5 XML (default) or "
        "readable HTML. Every column with its label, the wording shown and its codes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--survey", required=True, help="Survey slug.")
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--format", choices=list(registry.CODEBOOK_FORMATS), default="ddi")
        parser.add_argument(
            "--include-test", action="store_true", help="Count the researchers' test responses."
        )

    def handle(self, *args, survey, output, **options):
        found = survey_from_option(survey)
        key = registry.CODEBOOK_FORMATS[options["format"]]
        chunks = registry.export_chunks(key=key, survey=found, include_test=options["include_test"])
        chunks_write(Path(output), chunks)
        self.stdout.write(f"Wrote {output}.")
