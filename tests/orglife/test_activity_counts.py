"""ActivityCount (what the compliance engine reads) equals the records after every write path, and drift is caught.

After each service write — create, submit, a new date (same month, another month, another year), a new type, a new
organization, void — and each admin save or delete, the table is compared with a recount of the records.
"""
from __future__ import annotations

import importlib
import io
import logging
from datetime import date
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.test import RequestFactory

from branches.models import Organization
from orglife import counts as activity_counts
from orglife import services as svc
from orglife.admin import ActivityAdmin
from orglife.compliance import compliance_table
from orglife.models import Activity, ActivityCount, ActivityStatus
from orglife.tasks import check_activity_counts
from tests.orglife.activity_factories import activity_type, log

TODAY = date(2026, 1, 15)


def in_step():
    assert activity_counts.differences() == []


def count(org, code, year, month) -> int:
    row = ActivityCount.objects.filter(organization=org, activity_type=activity_type(code), year=year).first()
    return getattr(row, f"m{month}") if row else 0


def held(org, code, period) -> int:
    row = compliance_table(organizations_qs=Organization.objects.filter(pk=org.pk), period=period, today=TODAY)[0]
    return row.cells[activity_type(code).pk].count


@pytest.mark.django_db
def test_every_service_write_path_keeps_the_counts_equal_to_the_records(tree):
    theme = activity_type("theme_day")
    a = svc.activity_create(organization=tree.a1, activity_type=theme, held_on=date(2025, 9, 10), title="主题党日")
    in_step()
    assert count(tree.a1, "theme_day", 2025, 9) == 0  # a draft does not count

    svc.activity_submit(activity=a, today=TODAY)
    in_step()
    assert count(tree.a1, "theme_day", 2025, 9) == 1
    assert held(tree.a1, "theme_day", "2025-09") == 1

    svc.activity_submit(activity=a, today=TODAY)  # submitted again (a correction): still one record
    in_step()
    assert count(tree.a1, "theme_day", 2025, 9) == 1

    svc.activity_update(activity=a, held_on=date(2025, 9, 28))  # same month
    in_step()
    svc.activity_update(activity=a, held_on=date(2025, 10, 3))  # another month
    in_step()
    assert (count(tree.a1, "theme_day", 2025, 9), count(tree.a1, "theme_day", 2025, 10)) == (0, 1)
    assert held(tree.a1, "theme_day", "2025-09") == 0 and held(tree.a1, "theme_day", "2025-10") == 1

    svc.activity_update(activity=a, held_on=date(2024, 12, 30))  # another year
    in_step()
    assert (count(tree.a1, "theme_day", 2025, 10), count(tree.a1, "theme_day", 2024, 12)) == (0, 1)

    svc.activity_update(activity=a, activity_type=activity_type("committee_meeting"))  # another type
    in_step()
    assert (count(tree.a1, "theme_day", 2024, 12), count(tree.a1, "committee_meeting", 2024, 12)) == (0, 1)

    svc.activity_update(activity=a, organization=tree.a2)  # another organization
    in_step()
    assert (count(tree.a1, "committee_meeting", 2024, 12), count(tree.a2, "committee_meeting", 2024, 12)) == (0, 1)

    b = svc.activity_create(organization=tree.a2, activity_type=activity_type("committee_meeting"),
                            held_on=date(2024, 12, 2), title="支委会", status=ActivityStatus.SUBMITTED)
    in_step()  # created already submitted
    assert count(tree.a2, "committee_meeting", 2024, 12) == 2

    svc.activity_void(activity=a, reason="重复登记")
    in_step()
    svc.activity_void(activity=a, reason="再次作废")  # voiding twice takes one count off once
    in_step()
    assert count(tree.a2, "committee_meeting", 2024, 12) == 1

    svc.activity_void(activity=b, reason="误登")
    in_step()
    assert count(tree.a2, "committee_meeting", 2024, 12) == 0


@pytest.mark.django_db
def test_a_stale_instance_is_counted_from_the_stored_row(tree):
    """Two requests holding the same record: the second void finds it already voided and takes nothing off."""
    a = log(tree.a1, "theme_day", date(2025, 9, 10))
    first, second = Activity.objects.get(pk=a.pk), Activity.objects.get(pk=a.pk)
    svc.activity_void(activity=first, reason="作废")
    svc.activity_void(activity=second, reason="作废")
    in_step()
    assert count(tree.a1, "theme_day", 2025, 9) == 0


@pytest.mark.django_db
def test_admin_saves_and_deletes_move_the_counts(tree, users):
    model_admin = ActivityAdmin(Activity, admin.site)
    request = RequestFactory().post("/admin/")
    request.user = users.superuser
    a = log(tree.a1, "theme_day", date(2025, 9, 10))
    b = log(tree.a1, "theme_day", date(2025, 9, 11))
    c = log(tree.a2, "theme_day", date(2025, 9, 12))
    a.held_on = date(2025, 11, 1)
    model_admin.save_model(request, a, form=None, change=True)
    in_step()
    assert (count(tree.a1, "theme_day", 2025, 9), count(tree.a1, "theme_day", 2025, 11)) == (1, 1)
    new = Activity(organization=tree.a2, activity_type=activity_type("lecture"), held_on=date(2025, 8, 1),
                   title="党课", status=ActivityStatus.SUBMITTED, checkin_code="ADM00001")
    model_admin.save_model(request, new, form=None, change=False)
    in_step()
    model_admin.delete_model(request, b)
    in_step()
    model_admin.delete_queryset(request, Activity.objects.filter(pk__in=[c.pk, new.pk]))
    in_step()
    assert count(tree.a2, "theme_day", 2025, 9) == 0 and count(tree.a2, "lecture", 2025, 8) == 0


@pytest.mark.django_db
def test_a_decrement_that_finds_the_table_wrong_recounts_and_logs(tree, caplog):
    a = log(tree.a1, "theme_day", date(2025, 9, 10))
    log(tree.a1, "theme_day", date(2025, 9, 20))
    ActivityCount.objects.filter(organization=tree.a1).update(m9=0)  # drift: a write around the services
    with caplog.at_level(logging.ERROR, logger="orglife.counts"):
        svc.activity_void(activity=a, reason="作废")
    assert "already wrong" in caplog.text
    in_step()
    assert count(tree.a1, "theme_day", 2025, 9) == 1


@pytest.mark.django_db
def test_differences_command_repair_and_nightly_task_catch_writes_around_the_services(tree, caplog):
    log(tree.a1, "theme_day", date(2025, 9, 10))
    log(tree.a1g, "group_meeting", date(2025, 9, 10))
    call_command("activity_counts", stdout=io.StringIO())  # in step: exits normally

    Activity.objects.bulk_create([Activity(organization=tree.a2, activity_type=activity_type("lecture"),
                                           held_on=date(2025, 3, 5), title="批量", status=ActivityStatus.SUBMITTED,
                                           checkin_code="BULK0001")])
    ActivityCount.objects.filter(organization=tree.a1).update(m9=5)
    found = activity_counts.differences()
    assert {(d.key[0], d.key[2], d.key[3], d.table, d.records) for d in found} == {
        (tree.a2.pk, 2025, 3, 0, 1), (tree.a1.pk, 2025, 9, 5, 1)}
    out = io.StringIO()
    with pytest.raises(CommandError, match="不一致：2"):
        call_command("activity_counts", stdout=out)
    assert "计数 5，记录 1" in out.getvalue()

    call_command("activity_counts", "--repair", stdout=io.StringIO())
    in_step()

    ActivityCount.objects.all().delete()
    with caplog.at_level(logging.ERROR, logger="orglife.tasks"):
        assert check_activity_counts.apply().get() == 3
    assert "differ from the records" in caplog.text
    in_step()
    assert check_activity_counts.apply().get() == 0


@pytest.mark.django_db
def test_rebuild_and_the_backfill_migration_count_what_the_records_say(tree):
    for day in (date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 31), date(2025, 12, 1)):
        log(tree.a1, "theme_day", day)
    log(tree.a1, "theme_day", date(2025, 1, 5), status=ActivityStatus.DRAFT)
    log(tree.a1, "theme_day", date(2025, 1, 6), is_voided=True)
    ActivityCount.objects.all().delete()
    assert activity_counts.rebuild() == 2  # 2024 and 2025 rows
    in_step()
    assert count(tree.a1, "theme_day", 2025, 1) == 2

    migration = importlib.import_module("branches.migrations.0008_activity_counts_backfill")
    ActivityCount.objects.all().delete()
    moved = _MovedApps()  # the migration names the models where they were then (branches); they live in orglife now
    migration.backfill(moved, None)
    in_step()
    migration.empty(moved, None)
    assert not ActivityCount.objects.exists()


class _MovedApps:
    """The app registry as branches 0008 saw it: organizational-life models under the label "branches", and an
    Activity whose 作废 flag was `is_deleted` (orglife 0004 renamed it is_voided)."""

    def get_model(self, app_label, model_name):
        if app_label == "branches" and model_name in {"Activity", "ActivityCount"}:
            app_label = "orglife"
        model = apps.get_model(app_label, model_name)
        if model_name == "Activity":
            return SimpleNamespace(objects=model.objects.alias(is_deleted=F("is_voided")))
        return model


@pytest.mark.django_db
def test_counts_across_a_year_boundary_reach_completion_rates(tree):
    """A range over two years reads both years' rows and puts each month in its place."""
    from orglife.compliance import completion_rates

    for month in range(1, 13):
        log(tree.a1, "theme_day", date(2025, month, 3))
        log(tree.a1, "committee_meeting", date(2025, month, 3))
    rates = completion_rates(branch_ids=[tree.a1.pk], start=date(2024, 7, 1), end=date(2025, 6, 30), today=TODAY)
    full = completion_rates(branch_ids=[tree.a1.pk], start=date(2025, 1, 1), end=date(2025, 6, 30), today=TODAY)
    assert 0 < rates[tree.a1.pk] < full[tree.a1.pk]


@pytest.mark.django_db
def test_the_demo_data_fills_the_counts():
    """seed_demo bulk-creates its records: the counts are rebuilt with them."""
    call_command("seed_demo", stdout=io.StringIO())
    assert Activity.objects.exists() and ActivityCount.objects.exists()
    in_step()
