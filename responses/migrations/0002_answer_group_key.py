import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    """Every answer gets its survey, and submitted ones their respondent's group key."""
    from responses.results.group_keys import answers_backfill

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Check the new foreign keys now: a pending deferred check would forbid the
            # ALTER TABLE that follows in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        answers_backfill(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="group_key",
            field=models.SmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="answer",
            name="survey",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="responses.survey",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="answer",
            name="survey",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="responses.survey",
            ),
        ),
        migrations.AddIndex(
            model_name="answer",
            index=models.Index(
                fields=["survey", "group_key", "statement", "value"], name="answer_results"
            ),
        ),
    ]
