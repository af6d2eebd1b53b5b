from django.core.management.base import BaseCommand, CommandError

from responses.choices import SECTOR_CODES
from responses.fieldwork.services.experts import ExpertError, invitation_create
from responses.links import invitation_url
from responses.management import survey_from_option


class Command(BaseCommand):
    help = "Create (or find) an expert's invitation; prints the personal link as the last line."

    def add_arguments(self, parser):
        parser.add_argument("--survey", required=True, help="Survey slug.")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--sector", default="", help=f"One of: {', '.join(SECTOR_CODES)}.")
        parser.add_argument("--affiliation", default="")

    def handle(self, *args, survey, email, name, sector, affiliation, **options):
        found = survey_from_option(survey)
        try:
            invitation, created = invitation_create(
                survey=found, email=email, name=name, sector=sector, affiliation=affiliation
            )
        except ExpertError as error:
            raise CommandError(str(error)) from None
        verb = "Created" if created else "Found existing"
        self.stdout.write(
            f"{verb} invitation for {invitation.expert.name} <{invitation.expert.email}>."
        )
        self.stdout.write(invitation_url(invitation))
