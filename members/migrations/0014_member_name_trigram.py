"""A trigram GIN index on Member.name for the member list's name search (PostgreSQL only).

`name__icontains=q` compiles to `UPPER(name::text) LIKE UPPER('%q%')`, so the index is on UPPER(name) with
gin_trgm_ops: PostgreSQL answers the LIKE from it for a pattern of ≥ 3 characters. One or two CJK characters
(a single surname, "王") form no complete trigram: the planner falls back to a scan of the (scoped) rows, which
the branch/path filters keep small; see tests/members/test_name_search_index.py. SQLite gets nothing."""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "members_member_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON members_member USING gin (UPPER(name) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class PostgresOnlyTrigramExtension(TrigramExtension):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # other apps may use the extension


class Migration(migrations.Migration):
    dependencies = [("members", "0013_points_totals_fill")]
    operations = [PostgresOnlyTrigramExtension(), migrations.RunPython(create, drop)]
