"""Seed the 支部工作条例 activity types and default frequency rules (editable data afterwards)."""
from django.db import migrations


def seed(apps, schema_editor):
    from orglife.defaults import seed_defaults

    seed_defaults(apps.get_model("branches", "ActivityType"), apps.get_model("branches", "FrequencyRule"))


class Migration(migrations.Migration):
    dependencies = [("branches", "0004_orglife")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
