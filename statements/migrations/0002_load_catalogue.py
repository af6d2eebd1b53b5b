from django.db import migrations


def load(apps, schema_editor):
    from statements.services import statements_load

    statements_load(model=apps.get_model("statements", "Statement"))


class Migration(migrations.Migration):
    dependencies = [("statements", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
