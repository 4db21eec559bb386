"""Seed the lifecycle rule tables from domain-rules §4/§5 (editable afterwards; data in members/defaults.py),
the monthly dues beat schedule, and 预备期满日 for 预备党员 already on the registry (one year from 入党日期)."""
from dateutil.relativedelta import relativedelta
from django.db import migrations


def seed(apps, schema_editor):
    from members.defaults import ensure_defaults

    ensure_defaults(apps.get_model)
    Member = apps.get_model("members", "Member")
    for m in Member.objects.filter(status="probationary", probation_ends_on__isnull=True).only("pk", "joined_on"):
        Member.objects.filter(pk=m.pk).update(probation_ends_on=m.joined_on + relativedelta(years=1))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_lifecycle"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
