import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from responses.models import Survey
from responses.services.links import invitation_url
from responses.services.surveys import invitation_create, survey_create
from statements.services import statements_load

DEMO_EXPERTS = [
    ("Ada Example", "ada@example.org", "agi_lab", "Example AI Lab"),
    ("Ben Example", "ben@example.org", "academia", "Example University"),
    ("Chloé Example", "chloe@example.org", "civil_society", "Example Institute"),
    ("Dev Example", "dev@example.org", "other", "Example Consulting"),
]


class Command(BaseCommand):
    help = "Load the statements, a demo survey, an admin user and demo invitations (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        statements_load()
        admin, password = self._admin()
        survey = Survey.objects.filter(slug="demo").first() or survey_create(
            slug="demo",
            title="Towards best practices in AGI safety and governance (demo)",
            owner=admin,
        )
        invitations = [
            invitation_create(
                survey=survey, email=email, name=name, sector=sector, affiliation=aff
            )[0]
            for name, email, sector, aff in DEMO_EXPERTS
        ]
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/")
        if password:
            self.stdout.write(f"Admin login: admin / {password}")
        else:
            self.stdout.write(
                "Admin login: admin (password unchanged; set DEMO_ADMIN_PASSWORD to reset it)"
            )
        self.stdout.write(f"Demo survey: '{survey.slug}' with {len(invitations)} invitations")
        self.stdout.write(f"Sample invitation link: {invitation_url(invitations[0])}")

    def _admin(self):
        User = get_user_model()
        user = User.objects.filter(username="admin").first()
        password = settings.DEMO_ADMIN_PASSWORD
        if user is None:
            password = password or secrets.token_urlsafe(12)
            user = User.objects.create_superuser("admin", "admin@example.org", password)
            return user, password
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user, password
