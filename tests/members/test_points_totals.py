"""The stored yearly totals (PointsTotal) follow the services that change what they count, agree with a recount,
and the points page ranks by them, paged."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from members.models import DuesRecord, PointsItem, PointsTotal
from members.services import points
from members.services.dues import dues_mark_paid, dues_unmark
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
D = Decimal


def stored(member, year=2025):
    return PointsTotal.objects.filter(member=member, year=year).values_list("total", flat=True).first()


def counted(member, year=2025):
    return points.member_scores(members=[member], start=date(year, 1, 1), end=date(year, 12, 31))[0].total


def test_totals_follow_manual_items_and_dues_payments(tree, users):
    a = MemberFactory(branch=tree.a1, name="甲")
    entry = points.points_entry_add(member=a, item=PointsItem.objects.get(name="受到表彰奖励"),
                                    occurred_on=date(2025, 5, 1), note="优秀党员", by=users.secretary)
    assert stored(a) is None                                  # pending: counts nothing yet
    points.points_entry_audit(entry=entry, approve=True, by=users.staff)
    assert stored(a) == counted(a)
    record = DuesRecord.objects.create(member=a, branch=a.branch, month=date(2025, 3, 1), amount_due=D("10"))
    before = stored(a)
    dues_mark_paid(records=[record], paid_on=date(2025, 3, 10), method="cash", by=users.secretary)
    assert stored(a) == counted(a) > before                   # paid on time: a points item
    dues_unmark(record=DuesRecord.objects.get(pk=record.pk), by=users.secretary)
    assert stored(a) == counted(a) == before
    assert points.points_totals_differences(year=2025) == [] or all(
        d.member_id != a.pk for d in points.points_totals_differences(year=2025))


def test_the_check_command_finds_and_repairs_a_difference(tree, users):
    a = MemberFactory(branch=tree.a1, name="甲")
    points.points_totals_rebuild(year=2025)
    call_command("points_totals", year=2025)                  # in step: no error
    PointsTotal.objects.filter(member=a, year=2025).update(total=D("999"))
    with pytest.raises(CommandError):
        call_command("points_totals", year=2025)
    call_command("points_totals", year=2025, repair=True)
    assert stored(a) == counted(a)
    call_command("points_totals", year=2025)


def test_the_points_page_ranks_by_the_stored_totals(client, tree, users):
    low, high = MemberFactory(branch=tree.a1, name="低分"), MemberFactory(branch=tree.a1, name="高分")
    PointsTotal.objects.create(member=low, year=2025, total=D("61"))
    PointsTotal.objects.create(member=high, year=2025, total=D("80"))
    client.force_login(users.staff)
    html = client.get(reverse("members:points"), {"year": 2025, "branch": tree.a1.pk}).content.decode()
    assert html.index("高分") < html.index("低分")
    html = client.get(reverse("members:points"), {"year": 2025}).content.decode()
    assert tree.a1.name in html and "70.5" in html            # the branch's average of the stored totals
