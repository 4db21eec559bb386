"""Was: fill the stored yearly points totals. Moved to 0017_points_totals_fill, after the schema the points
providers read (orglife's records, voided by is_voided since orglife 0004): run here, on a database upgraded from
before the orglife move, the current code queried columns that did not exist yet. Kept as a no-op so that
databases which applied it keep a consistent history."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0012_points_totals")]
    operations = []
