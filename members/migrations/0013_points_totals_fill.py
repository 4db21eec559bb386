"""Fill the stored yearly points totals from the existing records (this year and last year).

Uses the points service (the providers other apps register are code, not historical models); a fresh database
has no members yet and writes nothing. `manage.py points_totals --repair` does the same later."""
from datetime import date

from django.db import migrations


def fill(apps, schema_editor):
    from members.models import Member
    from members.services.points import points_totals_rebuild

    if not Member.objects.exists():
        return
    for year in (date.today().year - 1, date.today().year):
        points_totals_rebuild(year=year)


class Migration(migrations.Migration):
    dependencies = [("members", "0012_points_totals")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
