from django.db import migrations


def rekey(apps, schema_editor):
    """The stated-sector collapse now follows the paper's code (civil society before
    academia): every submitted answer's group key and every kept count again, by the rule
    as it is now."""
    from responses.results.group_keys import answers_backfill
    from responses.results.services.counts import counts_rebuild_run

    with schema_editor.connection.cursor() as cursor:
        answers_backfill(cursor)
        counts_rebuild_run(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0006_shared_survey_fields"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
