"""One base for tracked records (issue #15): history from portal.tracking, one vocabulary for 作废.

Every model that keeps a history gets it from TrackedModel (nobody writes `HistoricalRecords(` again); every
soft-deletable model is a VoidableModel (is_voided, voided_at, voided_by, void_reason; `.live()` / `.voided()`),
and no model speaks an old dialect (is_deleted, deleted_reason, deactivated_reason).
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
from django.db.migrations.state import ProjectState
from django.utils import translation

from portal.tracking import TrackedModel, VoidableModel

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "branches", "members", "notifications", "orglife", "practice", "evaluations", "programmes", "inbox",
        "selfservice", "reports")
OLD_VOCABULARY = {"is_deleted", "deleted_at", "deleted_reason", "deactivated_reason", "deactivated_at"}
VOIDABLE = {"orglife.Activity", "orglife.Attachment", "orglife.Talk", "practice.Attachment", "practice.Brand",
            "practice.BrandRecognition", "practice.BrandSelectionRound", "practice.ContactPoint", "practice.ContactVisit",
            "practice.Honour", "practice.KnowledgeContest", "practice.Notice", "practice.StudyPlan",
            "practice.StudyRecord", "practice.TrainingCourse", "practice.VanguardPost"}


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _project_models():
    return [m for m in apps.get_models() if m._meta.app_label in APPS]


def test_every_model_with_history_gets_it_from_the_base():
    tracked = [m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")]
    assert len(tracked) >= 70
    outside = [_label(m) for m in tracked if not issubclass(m, TrackedModel)]
    assert not outside, f"subclass portal.tracking.TrackedModel instead of writing HistoricalRecords(): {outside}"
    for model in apps.get_models():
        if issubclass(model, TrackedModel) and not model._meta.proxy:
            assert model.history.model._meta.db_table == f"{model._meta.app_label}_historical{model._meta.model_name}"


def test_nobody_writes_historical_records_but_the_base():
    written = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel == "portal/tracking.py":
                continue
            written += [f"{rel}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1)
                        if re.search(r"\bHistoricalRecords\(", line)]
    assert not written, f"history comes from portal.tracking.TrackedModel: {written}"


def test_history_options_are_kept_per_model():
    from branches.models import ApiClient, Organization
    from members.models import Candidate, Member
    from orglife.models import Talk

    assert {"id_number_encrypted", "id_number_digest"}.isdisjoint(f.name for f in Member.history.model._meta.fields)
    assert {"path", "depth", "numchild"}.isdisjoint(f.name for f in Organization.history.model._meta.fields)
    assert "token_hash" not in {f.name for f in ApiClient.history.model._meta.fields}
    assert "name" in {f.name for f in Member.history.model._meta.fields}
    assert {f.name for f in Candidate.history.model._history_m2m_fields} == {"contacts", "introducers"}
    assert [f.name for f in Talk.history.model._history_m2m_fields] == ["participants"]


def test_soft_delete_has_one_vocabulary():
    old = [f"{_label(m)}.{f.name}" for m in _project_models() for f in m._meta.get_fields() if f.name in OLD_VOCABULARY]
    assert not old, f"作废 is is_voided / voided_at / voided_by / void_reason (portal.tracking.VoidableModel): {old}"
    voidable = {_label(m) for m in _project_models()
                if issubclass(m, VoidableModel) and not m._meta.proxy}
    assert voidable == VOIDABLE
    with_flag = {_label(m) for m in _project_models() if not m.__name__.startswith("Historical")
                 and not m._meta.proxy and any(f.name == "is_voided" for f in m._meta.get_fields())}
    assert with_flag == voidable, "an is_voided field comes only from VoidableModel"
    for label in voidable:
        model = apps.get_model(label)
        qs = model._default_manager.all()
        assert hasattr(qs, "live") and hasattr(qs, "voided"), f"{label}'s manager must offer .live() and .voided()"
        assert model._meta.get_field("is_voided").db_index


@pytest.mark.django_db
def test_void_records_who_when_and_why_and_unvoid_takes_it_back(tree, users):
    from practice.models import Brand

    brand = Brand.objects.create(organization=tree.a1, name="红色引擎", launched_on=date(2024, 1, 1))
    with pytest.raises(ValidationError):
        brand.void(reason="  ", by=users.staff)
    brand.void(reason=" 撤并 ", by=users.staff)
    brand.refresh_from_db()
    assert brand.is_voided and brand.void_reason == "撤并" and brand.voided_by == users.staff and brand.voided_at
    assert list(Brand.objects.live()) == [] and list(Brand.objects.voided()) == [brand]
    assert brand.history.first().history_user == users.staff and brand.history.first().is_voided

    brand.unvoid(by=users.staff)
    brand.refresh_from_db()
    assert not brand.is_voided and brand.void_reason == "" and brand.voided_by is None and brand.voided_at is None
    assert list(Brand.objects.live()) == [brand]
    assert [h.is_voided for h in brand.history.order_by("history_date")] == [False, True, False]


def test_makemigrations_is_clean():
    """What `makemigrations --check` checks, without a database: the models match the migrations."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    with translation.override(None):  # as the command does (@no_translations): verbose names untranslated
        changes = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps),
                                        NonInteractiveMigrationQuestioner(dry_run=True)).changes(graph=loader.graph)
    assert not changes, f"run makemigrations: {changes}"
