"""Each expert row belongs to one survey.

Until now one row per email address served every survey that invited it, so one team could
edit or delete another team's expert. An expert invited to several surveys is split into one
row per survey (name, email, sector, affiliation and attributes copied), each invitation
pointing at its survey's copy; experts with no invitation are deleted. Email addresses are
then unique within a survey, ignoring case. An invitation's link can no longer be empty: one
added in the admin, which had none, gets one.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Lower

ERROR_CASE_TWINS = (
    "Survey '{slug}' has experts whose email addresses differ only in case ({email}). "
    "Correct or remove one of each pair in the admin, then migrate again."
)
COPIED = ("name", "email", "sector", "affiliation", "attributes")


def _checked_immediately(schema_editor) -> None:
    # PostgreSQL cannot ALTER a table with deferred foreign-key checks still pending in the
    # transaction: check this migration's row changes as they happen.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def experts_split(apps, schema_editor):
    Expert = apps.get_model("responses", "Expert")
    Invitation = apps.get_model("responses", "Invitation")
    _checked_immediately(schema_editor)
    Expert.objects.filter(invitations__isnull=True).delete()
    first = Invitation.objects.filter(expert=OuterRef("pk")).order_by("created_at", "pk")
    Expert.objects.update(survey_id=Subquery(first.values("survey_id")[:1]))
    moved = list(
        Invitation.objects.exclude(survey_id=F("expert__survey_id"))
        .select_related("expert")
        .order_by("pk")
    )
    copies = Expert.objects.bulk_create(
        [
            Expert(survey_id=invitation.survey_id, **{f: getattr(invitation.expert, f) for f in COPIED})
            for invitation in moved
        ],
        batch_size=1000,
    )
    for invitation, copy in zip(moved, copies, strict=True):
        invitation.expert_id = copy.pk
    Invitation.objects.bulk_update(moved, ["expert"], batch_size=1000)
    _refuse_case_twins(apps)


def _refuse_case_twins(apps) -> None:
    """The old unique email was case-sensitive: two rows could differ only in case."""
    Expert = apps.get_model("responses", "Expert")
    twins = (
        Expert.objects.values("survey_id", "survey__slug", lowered=Lower("email"))
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("survey__slug", "lowered")
    )
    problems = [ERROR_CASE_TWINS.format(slug=t["survey__slug"], email=t["lowered"]) for t in twins]
    if problems:
        raise RuntimeError(" ".join(problems))


def links_fill(apps, schema_editor):
    from responses.links import link_fields_new

    Invitation = apps.get_model("responses", "Invitation")
    for invitation in Invitation.objects.filter(Q(link_nonce="") | Q(link_hash="")):
        Invitation.objects.filter(pk=invitation.pk).update(**link_fields_new())


def experts_merge(apps, schema_editor):
    """Backwards: one row per email address again. Each address keeps its oldest row, which
    all its invitations point to; the other surveys' copies, and their edits, are lost."""
    Expert = apps.get_model("responses", "Expert")
    Invitation = apps.get_model("responses", "Invitation")
    _checked_immediately(schema_editor)
    kept = {}
    for pk, email in Expert.objects.order_by("pk").values_list("pk", "email"):
        kept.setdefault(email, pk)
    invitations = list(Invitation.objects.select_related("expert").order_by("pk"))
    for invitation in invitations:
        invitation.expert_id = kept[invitation.expert.email]
    Invitation.objects.bulk_update(invitations, ["expert"], batch_size=1000)
    Expert.objects.filter(invitations__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('responses', '0004_delivery_unknown'),
    ]

    operations = [
        migrations.AlterField(
            model_name='expert',
            name='email',
            field=models.EmailField(max_length=254),
        ),
        migrations.AddField(
            model_name='expert',
            name='survey',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='experts', to='responses.survey'),
        ),
        migrations.RunPython(experts_split, experts_merge),
        migrations.RunPython(links_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='expert',
            name='survey',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='experts', to='responses.survey'),
        ),
        migrations.AddConstraint(
            model_name='expert',
            constraint=models.UniqueConstraint(models.F('survey'), django.db.models.functions.text.Lower('email'), name='expert_email_once_per_survey', violation_error_message='Another expert of this survey has this email address.'),
        ),
        migrations.AddConstraint(
            model_name='invitation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('link_nonce', ''), _negated=True), models.Q(('link_hash', ''), _negated=True)), name='invitation_has_a_link'),
        ),
    ]
