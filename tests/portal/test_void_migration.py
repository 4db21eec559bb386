"""The move to one 作废 vocabulary (orglife 0004, practice 0003) carries the values back and forward.

Two migrations, both on data: records voided today are migrated back to the old schema (is_deleted /
deleted_reason, is_active / deactivated_reason) and checked; rows are then written the old way, with history,
and everything is migrated forward again and checked value by value. (A migration renders the whole project
state: each leg takes a minute or two, so the test takes one leg each way.)

Not in the per-commit run: `make test-migrations` runs it (RUN_MIGRATION_ROUNDTRIP=1). The two migrations shipped
and do not change; a new database runs them forward on every test run, and this round trip, 4 minutes of CPU,
was the largest single item of a CI run that must stay under 30 minutes. Run it when a migration of orglife or
practice up to 0004 / 0003, or the history models, are touched.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from orglife.models import Activity as CurrentActivity
from orglife.models import ActivityType as CurrentActivityType
from practice.models import Brand as CurrentBrand

OLD = [("orglife", "0003_compliance_results_stored"), ("practice", "0002_programmes_title_validity")]
NEW = [("orglife", "0004_void_vocabulary"), ("practice", "0003_void_vocabulary")]
T0 = timezone.make_aware(datetime(2025, 3, 1, 9, 0))

pytestmark = pytest.mark.skipif(not os.environ.get("RUN_MIGRATION_ROUNDTRIP"),
                                reason="the 作废 migration round trip runs with `make test-migrations`")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    if executor.migration_plan(targets):
        executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _history(History, obj, when, kind, user_id):
    names = {f.attname for f in History._meta.concrete_fields}
    fields = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname in names}
    return History.objects.create(**fields, history_date=when, history_type=kind, history_user_id=user_id)


@pytest.fixture
def back_to_latest():
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # also when the test failed half-way


@pytest.mark.django_db(transaction=True)
def test_void_values_go_back_and_come_forward(tree, users, back_to_latest):
    # --- today's schema: voided the new way --------------------------------------------------------------
    atype = CurrentActivityType.objects.create(code="mig", name="迁移测试")
    common = {"organization": tree.a1, "activity_type": atype, "held_on": date(2025, 2, 1)}
    today_live = CurrentActivity.objects.create(title="有效", checkin_code="MIG00001", **common)
    today_void = CurrentActivity.objects.create(title="作废", checkin_code="MIG00002", **common)
    today_void.void(reason="重复", by=users.secretary)
    today_brand = CurrentBrand.objects.create(organization=tree.a1, name="品牌甲", launched_on=date(2024, 1, 1))
    today_brand.void(reason="撤并", by=users.staff)

    old = _migrate(OLD)
    Activity, HActivity = old.get_model("orglife", "Activity"), old.get_model("orglife", "HistoricalActivity")
    Talk, Attachment = old.get_model("orglife", "Talk"), old.get_model("orglife", "Attachment")
    Brand, HBrand = old.get_model("practice", "Brand"), old.get_model("practice", "HistoricalBrand")
    Notice = old.get_model("practice", "Notice")

    assert {a.pk: (a.is_deleted, a.deleted_reason) for a in Activity.objects.all()} == {
        today_live.pk: (False, ""), today_void.pk: (True, "重复")}
    assert [h.is_deleted for h in HActivity.objects.filter(id=today_void.pk).order_by("history_date")] == [False, True]
    brand = Brand.objects.get(pk=today_brand.pk)
    assert (brand.is_active, brand.deactivated_reason) == (False, "撤并")
    assert [h.is_active for h in HBrand.objects.filter(id=brand.pk).order_by("history_date")] == [True, False]

    # --- the old schema: voided the old ways ----------------------------------------------------------------
    common = {"organization_id": tree.a1.pk, "activity_type_id": atype.pk, "held_on": date(2025, 2, 1)}
    # voided by the secretary (history: created, voided, edited while voided)
    voided = Activity.objects.create(title="旧作废", checkin_code="MIG00003", is_deleted=True, deleted_reason="录错",
                                     **common)
    voided.is_deleted = False
    _history(HActivity, voided, T0, "+", users.staff.pk)
    voided.is_deleted = True
    h_void = _history(HActivity, voided, T0 + timedelta(days=1), "~", users.secretary.pk)
    _history(HActivity, voided, T0 + timedelta(days=2), "~", users.staff.pk)
    # voided with no history at all (a bulk load): voided_at falls back to updated_at
    bare = Activity.objects.create(title="无记录作废", checkin_code="MIG00004", is_deleted=True, **common)
    talk = Talk.objects.create(organization_id=tree.a1.pk, held_on=date(2025, 2, 2), topic="谈心", is_deleted=True)
    attachment = Attachment.objects.create(activity_id=today_live.pk, file="a.pdf", original_name="a.pdf", kind="pdf",
                                           content_type="application/pdf", size=1, is_deleted=True)
    old_brand = Brand.objects.create(organization_id=tree.a1.pk, name="品牌乙", launched_on=date(2024, 1, 1),
                                     is_active=True)
    _history(HBrand, old_brand, T0, "+", users.staff.pk)
    old_brand.is_active, old_brand.deactivated_reason = False, "停办"
    old_brand.save()
    h_brand_off = _history(HBrand, old_brand, T0 + timedelta(hours=3), "~", users.secretary.pk)
    notice = Notice.objects.create(organization_id=tree.a1.pk, title="通知", body="正文", published_at=T0)

    new = _migrate(NEW)
    Activity, HActivity = new.get_model("orglife", "Activity"), new.get_model("orglife", "HistoricalActivity")
    Brand, HBrand = new.get_model("practice", "Brand"), new.get_model("practice", "HistoricalBrand")

    rows = {a.pk: a for a in Activity.objects.all()}
    assert (rows[today_live.pk].is_voided, rows[today_live.pk].voided_at, rows[today_live.pk].void_reason) == (False, None, "")
    back = rows[today_void.pk]
    first_void = HActivity.objects.filter(id=today_void.pk, is_voided=True).order_by("history_date").first()
    assert (back.is_voided, back.void_reason, back.voided_by_id, back.voided_at) == (
        True, "重复", users.secretary.pk, first_void.history_date)
    v = rows[voided.pk]
    assert (v.is_voided, v.void_reason, v.voided_at, v.voided_by_id) == (True, "录错", h_void.history_date, users.secretary.pk)
    assert [(h.is_voided, h.voided_at, h.voided_by_id)
            for h in HActivity.objects.filter(id=voided.pk).order_by("history_date")] == [
        (False, None, None), (True, h_void.history_date, users.secretary.pk), (True, h_void.history_date, users.secretary.pk)]
    b = rows[bare.pk]
    assert (b.is_voided, b.voided_by_id) == (True, None) and b.voided_at == b.updated_at == bare.updated_at
    t = new.get_model("orglife", "Talk").objects.get(pk=talk.pk)
    assert (t.is_voided, t.void_reason, t.voided_at) == (True, "", t.created_at)
    att = new.get_model("orglife", "Attachment").objects.get(pk=attachment.pk)
    assert (att.is_voided, att.voided_at) == (True, att.uploaded_at)

    assert Brand.objects.get(pk=today_brand.pk).is_voided
    nb = Brand.objects.get(pk=old_brand.pk)
    assert (nb.is_voided, nb.void_reason, nb.voided_at, nb.voided_by_id) == (
        True, "停办", h_brand_off.history_date, users.secretary.pk)
    assert [h.is_voided for h in HBrand.objects.filter(id=old_brand.pk).order_by("history_date")] == [False, True]
    assert new.get_model("practice", "Notice").objects.get(pk=notice.pk).is_voided is False
