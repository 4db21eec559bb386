"""The stored attendance counts (orglife.attendance_counts) follow every write of a record and of its attendance, and
give the same figures as the records (compliance.attendance_totals), per branch and for a whole tree (#23)."""
from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.utils import timezone

from orglife import attendance_counts
from orglife import services as svc
from orglife.compliance import attendance_totals
from orglife.models import Activity, ActivityType, AttendanceCount, AttendanceStatus
from tests.concurrency import all_at_once, failures, held_at
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import activity_type

pytestmark = pytest.mark.django_db
D = date(2025, 9, 10)
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def in_step():
    assert attendance_counts.differences() == []


def stored(org, start=YEAR[0], end=YEAR[1]):
    return attendance_counts.totals(organization_ids=[org.pk], start=start, end=end)[org.pk]


def create(org, code="general_meeting", on=D, **kw):
    return svc.activity_create(organization=org, activity_type=activity_type(code), held_on=on, title="会", **kw)


def submit(activity):
    if activity.activity_type.is_general_meeting:
        host = activity.attendances.first().member
        svc.activity_update(activity=activity, host=host, recorder=host, minutes="纪要")
    return svc.activity_submit(activity=activity, today=date(2026, 1, 1))


def test_every_write_of_a_record_and_its_attendance_moves_the_counts_up_the_tree(tree):
    a1 = MemberFactory.create_batch(3, branch=tree.a1, party_group=tree.a1g)
    MemberFactory.create_batch(2, branch=tree.b1)
    meeting = create(tree.a1)
    in_step()
    assert stored(tree.root) == (0, 0, 0)                      # a draft does not count
    submit(meeting)
    in_step()
    assert stored(tree.a1) == stored(tree.ga) == stored(tree.root) == (3, 3, 1)
    svc.attendance_set(activity=meeting, marks={a1[0].pk: (AttendanceStatus.ABSENT, ""),
                                                a1[1].pk: (AttendanceStatus.LEAVE, "sick")})
    in_step()
    assert stored(tree.root) == (3, 1, 1)
    group = create(tree.a1g, "group_meeting")
    submit(group)
    in_step()
    assert stored(tree.a1) == (6, 4, 2) and stored(tree.a1g) == (3, 3, 1)   # the group rolls into its branch
    other = create(tree.b1, "theme_day", on=date(2025, 10, 2))
    submit(other)
    in_step()
    assert stored(tree.root) == (8, 6, 3) and stored(tree.gb) == (2, 2, 1)
    assert stored(tree.root, date(2025, 10, 1), date(2025, 10, 31)) == (2, 2, 1)   # a month: its row only
    svc.activity_update(activity=other, held_on=date(2025, 11, 5))                  # moves to another month
    in_step()
    assert stored(tree.root, date(2025, 10, 1), date(2025, 10, 31)) == (0, 0, 0)
    svc.activity_void(activity=group, reason="重复")
    in_step()
    assert stored(tree.a1) == (3, 1, 1)
    svc.activity_create(organization=tree.b1, activity_type=activity_type("lecture"), held_on=D, title="党课",
                        status="submitted", lecturer="书记", lecture_title="课")   # created submitted, roster counts
    in_step()
    assert stored(tree.gb) == (4, 4, 2)
    for branch in (tree.a1, tree.a2, tree.b1):                 # the figure's definition, per branch
        assert stored(branch) == attendance_totals(branch_ids=[branch.pk], start=YEAR[0], end=YEAR[1])[branch.pk]


def test_a_members_check_in_counts(tree, users):
    from tests.branches.factories import UserFactory

    person = MemberFactory(branch=tree.a1, user=UserFactory())
    meeting = create(tree.a1, "theme_day", on=timezone.localdate())
    svc.attendance_set(activity=meeting, marks={person.pk: (AttendanceStatus.ABSENT, "")})
    svc.activity_submit(activity=meeting)
    assert stored(tree.root, timezone.localdate().replace(day=1), timezone.localdate()) == (1, 0, 1)
    start, _end = svc.checkin_window(meeting)
    svc.checkin(code=meeting.checkin_code, user=person.user, now=start)
    in_step()
    assert stored(tree.root, timezone.localdate().replace(day=1), timezone.localdate()) == (1, 1, 1)


def test_admin_edits_and_deletes_are_followed(tree, users):
    MemberFactory.create_batch(2, branch=tree.a1)
    meeting = submit(create(tree.a1, "theme_day"))
    admin = site._registry[Activity]
    request = RequestFactory().post("/")
    request.user = users.superuser
    admin.delete_model(request, Activity.objects.get(pk=meeting.pk))
    in_step()
    assert stored(tree.root) == (0, 0, 0)


def test_a_type_that_stops_taking_attendance_leaves_the_counts(tree):
    MemberFactory.create_batch(2, branch=tree.a1)
    submit(create(tree.a1, "theme_day"))
    theme = ActivityType.objects.get(code="theme_day")
    theme.takes_attendance = False
    theme.save()
    in_step()
    assert stored(tree.root) == (0, 0, 0)


def test_rebuild_and_repair_give_the_records_figures(tree):
    MemberFactory.create_batch(2, branch=tree.a1)
    submit(create(tree.a1, "theme_day"))
    AttendanceCount.objects.filter(organization=tree.root).update(present=0)
    found = attendance_counts.differences()
    assert [k[0] for k, _s, _r in found] == [tree.root.pk]
    attendance_counts.repair(found)
    in_step()
    AttendanceCount.objects.all().delete()
    assert attendance_counts.rebuild() == 3                    # a1, its 党总支 and the 党委: one month each
    in_step()


def test_the_backfill_migration_the_command_and_the_nightly_task(tree):
    import importlib
    import io

    from django.apps import apps
    from django.core.management import CommandError, call_command

    from orglife.tasks import check_activity_counts

    MemberFactory.create_batch(2, branch=tree.a1)
    submit(create(tree.a1, "theme_day"))
    AttendanceCount.objects.all().delete()
    importlib.import_module("orglife.migrations.0005_attendance_counts").fill(apps, None)
    in_step()
    AttendanceCount.objects.filter(organization=tree.ga).update(expected=7)
    out = io.StringIO()
    with pytest.raises(CommandError, match="不一致：1"):
        call_command("activity_counts", stdout=out)
    assert "出席计数" in out.getvalue()
    assert check_activity_counts.apply().get() == 1            # found, logged and repaired
    in_step()


def test_the_demo_data_fills_the_counts():
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert AttendanceCount.objects.exists()
    in_step()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_under_one_committee_add_up(tree, monkeypatch):
    """Three branches submit in the same instant: each moves its figures into the same 党委 row (and two into the same
    党总支 row). Atomic increments in key order: the rows add up, no lost update, no deadlock. PostgreSQL, a thread and
    a connection each, released together just before the counts move."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL")
    # A transactional test may run after another one flushed the data migration's types (xdist order on CI).
    ActivityType.objects.get_or_create(code="theme_day", defaults={"name": "主题党日", "takes_attendance": True,
                                                                   "counts_for_completion": True})
    drafts = []
    for branch, n in ((tree.a1, 2), (tree.a2, 3), (tree.b1, 4)):
        MemberFactory.create_batch(n, branch=branch)
        drafts.append(create(branch, "theme_day").pk)

    def submitting(pk):
        return lambda: svc.activity_submit(activity=Activity.objects.get(pk=pk), today=date(2026, 1, 1))

    # Held where a submission first moves its counts in (nothing → submitted).
    with held_at(monkeypatch, attendance_counts, "move", parties=len(drafts),
                 when=lambda before, after: before is None and after is not None):
        errors = failures(all_at_once(*(submitting(pk) for pk in drafts)))
    assert errors == []
    in_step()
    assert stored(tree.root) == (9, 9, 3) and stored(tree.ga) == (5, 5, 2)
