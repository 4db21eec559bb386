"""Fill the stored yearly points totals and the branch figures the ranking reads (PointsBranchTotal) from the
existing records, this year and last year; idempotent (a recount). Uses the points service, i.e. the current code
and the providers other apps register (see 0017 for why it depends on orglife's migrations).
`manage.py points_totals --repair` does the same at any time."""
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
    dependencies = [("members", "0018_points_branch_totals"), ("orglife", "0004_void_vocabulary")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
