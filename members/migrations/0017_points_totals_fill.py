"""Fill the stored yearly points totals from the existing records (this year and last year); idempotent (a
recount), so a database that already filled them under 0013 gets the same figures again.

Uses the points service, i.e. the current code and the providers other apps register (not historical models): it
must run after every migration of the tables those providers read — members' own and orglife's records — which is
what the dependencies say. A later migration that changes those tables must come before a fill like this one
(upgrading a database from the pre-orglife layout with the demo loaded is how this was found: the portal's
`migrate` from 212c1d4). `manage.py points_totals --repair` does the same at any time.

Now empty: the fill moved to 0019, after 0018 creates the branch figures (PointsBranchTotal) that the same
rebuild writes (the current code, run here, would find no table yet). A database that ran it keeps its totals and
0019 recounts them."""
from django.db import migrations


def fill(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("members", "0016_tracked_bases"), ("orglife", "0004_void_vocabulary")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
