"""Org-life writes keep the stored 党员积分 totals (members.PointsTotal) equal to a recount (issue #23): a roll
marked, a record submitted, moved to another year or voided, a 谈心谈话 recorded."""
from datetime import date

import pytest

from members.models import PointsTotal
from members.services import points
from orglife import services as svc
from orglife.models import AttendanceStatus
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import activity_type

pytestmark = pytest.mark.django_db


def stored(member, year):
    return PointsTotal.objects.filter(member=member, year=year).values_list("total", flat=True).first()


def counted(member, year):
    return points.member_scores(members=[member], start=date(year, 1, 1), end=date(year, 12, 31))[0].total


def test_stored_totals_follow_every_orglife_write(tree, users):
    a, b = MemberFactory(branch=tree.a1, name="甲"), MemberFactory(branch=tree.a1, name="乙")
    day = date(2025, 3, 10)
    meeting = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=day,
                                  title="主题党日", by=users.secretary)
    svc.attendance_set(activity=meeting, marks={a.pk: (AttendanceStatus.PRESENT, ""),
                                                b.pk: (AttendanceStatus.ABSENT, "")}, by=users.secretary)
    before = counted(a, 2025)
    svc.activity_submit(activity=meeting, by=users.secretary, today=date(2025, 3, 11))
    assert counted(a, 2025) > before                      # attendance at a submitted record counts
    assert stored(a, 2025) == counted(a, 2025) and stored(b, 2025) == counted(b, 2025)

    svc.attendance_set(activity=meeting, marks={b.pk: (AttendanceStatus.PRESENT, "")}, by=users.secretary)
    assert stored(b, 2025) == counted(b, 2025) > counted(b, 2024)

    svc.activity_update(activity=meeting, held_on=date(2024, 12, 20), by=users.secretary)   # into last year
    assert stored(a, 2025) == counted(a, 2025) and stored(a, 2024) == counted(a, 2024)
    assert counted(a, 2024) > counted(a, 2025)

    svc.activity_void(activity=meeting, reason="重复录入", by=users.secretary)
    assert stored(a, 2024) == counted(a, 2024) and stored(b, 2024) == counted(b, 2024)

    svc.talk_create(organization=tree.a1, held_on=date(2025, 5, 1), participants=[a, b], topic="谈心谈话",
                    by=users.secretary)
    assert stored(a, 2025) == counted(a, 2025) and stored(b, 2025) == counted(b, 2025)
    assert not points.points_totals_differences(year=2025) and not points.points_totals_differences(year=2024)
    # and the branch figures the ranking reads
    assert not points.points_branch_totals_differences(year=2025)
    assert not points.points_branch_totals_differences(year=2024)


def test_saving_and_submitting_a_record_recounts_its_roll_once(tree, users, monkeypatch):
    """activity_save marks the roll and submits in one go: the roll's totals are recounted once, at the end
    (they used to be recounted after the marks and again on submit), and they end up right."""
    a, b = MemberFactory(branch=tree.a1, name="甲"), MemberFactory(branch=tree.a1, name="乙")
    day = date(2025, 3, 10)
    meeting = svc.activity_create(organization=tree.a1, activity_type=activity_type("theme_day"), held_on=day,
                                  title="主题党日", by=users.secretary)
    calls = []
    real = svc.points_totals_refresh
    monkeypatch.setattr(svc, "points_totals_refresh", lambda **kw: calls.append(kw) or real(**kw))
    marks = {a.pk: (AttendanceStatus.PRESENT, ""), b.pk: (AttendanceStatus.ABSENT, "")}
    svc.activity_save(activity=meeting, data={"title": "主题党日", "held_on": date(2025, 3, 11)},
                      marks_for=lambda on_roll: marks, guests=[], photos=[], submit=True, by=users.secretary)
    assert len(calls) == 1, calls
    assert calls[0]["year"] == 2025 and set(calls[0]["member_ids"]) == {a.pk, b.pk}
    assert stored(a, 2025) == counted(a, 2025) and stored(b, 2025) == counted(b, 2025)
