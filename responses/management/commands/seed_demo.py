import random
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from responses.choices import GENDERS, SCALE_VALUES, SECTOR_GROUPS, STATED_SECTORS
from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import survey_create
from responses.links import invitation_url
from responses.models import Survey
from responses.respondent import services as respondent
from responses.results.services.snapshots import snapshot_refresh
from statements.services import statements_load

DEMO_RESPONDENTS = 24  # synthetic, submitted: the dashboard and the results have data to show

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
        answered = self._demo_respondents(survey)
        self.stdout.write(f"Sign in: {settings.SITE_URL}/research/login/")
        if password:
            self.stdout.write(f"Admin login: admin / {password}")
        else:
            self.stdout.write(
                "Admin login: admin (password unchanged; set DEMO_ADMIN_PASSWORD to reset it)"
            )
        self.stdout.write(
            f"Demo survey: '{survey.slug}' with {len(invitations)} open invitations and "
            f"{answered} synthetic submitted responses"
        )
        self.stdout.write(f"Researcher dashboard: {settings.SITE_URL}/research/{survey.slug}/")
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

    def _demo_respondents(self, survey) -> int:
        """Synthetic experts who answered, drawn with a fixed seed (the same every run)."""
        draw = random.Random(2023)
        sectors = [code for code, _ in SECTOR_GROUPS]
        stated = [code for code, _ in STATED_SECTORS[:-1]]
        genders = [code for code, _ in GENDERS]
        created = 0
        for n in range(1, DEMO_RESPONDENTS + 1):
            invitation, new = invitation_create(
                survey=survey,
                email=f"respondent{n}@example.org",
                name=f"Demo respondent {n}",
                sector=sectors[n % len(sectors)],
            )
            if not new:
                continue
            response = respondent.response_start(invitation=invitation)
            answers = [
                respondent.AnswerInput(pk, draw.choice(SCALE_VALUES[:3] * 4 + SCALE_VALUES), "")
                for pk in response.statement_order
                if draw.random() > 0.1  # some left blank, as in the real survey
            ]
            respondent.answers_save(
                response=response, answers=answers, link_hash=invitation.link_hash
            )
            respondent.response_background_save(
                response=response,
                link_hash=invitation.link_hash,
                sectors=[draw.choice(stated)],
                gender=draw.choice(genders),
                open_answer="",
            )
            respondent.response_submit(response=response)
            created += 1
        if created:
            snapshot_refresh(survey=survey)
        return survey.invitations.filter(submitted_at__isnull=False).count()
