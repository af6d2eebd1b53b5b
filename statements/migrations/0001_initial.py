from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Statement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveSmallIntegerField(help_text="The paper's number (Appendix B), ordered by mean agreement.", unique=True)),
                ("questionnaire_position", models.PositiveSmallIntegerField(help_text="Position in the original questionnaire.", unique=True)),
                ("title", models.CharField(max_length=200)),
                ("text", models.TextField()),
                ("wording", models.CharField(choices=[("verbatim", "Verbatim (quoted from the paper)"), ("provisional", "Provisional (replace before fielding)")], max_length=12)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["number"],
                "constraints": [models.CheckConstraint(condition=models.Q(("wording__in", ["verbatim", "provisional"])), name="statement_wording_valid")],
            },
        ),
    ]
