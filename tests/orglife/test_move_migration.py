"""The move of organizational life from branches to orglife (issue #15) renames exactly the tables that left."""
import importlib

from django.db.migrations.loader import MigrationLoader

MOVE = importlib.import_module("orglife.migrations.0001_house_initial")


def _tables(state, app_label):
    tables = set()
    for (label, _name), model_state in state.models.items():
        if label != app_label:
            continue
        tables.add(model_state.options.get("db_table") or f"{label}_{model_state.name_lower}")
        for field_name, field in model_state.fields.items():
            if field.many_to_many:
                tables.add(f"{label}_{model_state.name_lower}_{field_name}")
    return tables


def test_every_table_that_left_branches_is_renamed_and_nothing_else():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    before = _tables(loader.project_state(("branches", "0008_activity_counts_backfill")), "branches")
    after = _tables(loader.project_state(("branches", "0009_house_orglife_moved")), "branches")
    assert before - after == {f"branches_{t}" for t in MOVE.TABLES}
    moved = _tables(loader.project_state(("orglife", "0001_house_initial")), "orglife")
    assert moved == {f"orglife_{t}" for t in MOVE.TABLES}


def test_content_types_follow_every_moved_model_but_the_m2m_table():
    assert set(MOVE.TABLES) - set(MOVE.CONTENT_TYPES) == {"talk_participants"}
