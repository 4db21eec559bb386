"""The stored 欠缴 standings (members.DuesArrear): equal to the rule applied to the records for every principal and
after every write path; read by home's counts and the 欠缴名单 instead of a year of records; a moved member's
arrears follow her; a month's turn falls back to the rule until the rebuild; the nightly check repairs."""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal as D

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import DuesArrear, DuesRecord, Member
from members.services import dues
from members.services.registry import member_deactivate, member_move, member_restore
from members.tasks import check_dues_arrears
from tests.members.factories import MemberFactory
from tests.members.test_member_list_total import principals  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

THIS = dues.month_start(date.today())


def months_back(n: int) -> list[date]:
    """The n months up to this one, oldest first."""
    return [THIS - relativedelta(months=k) for k in range(n - 1, -1, -1)]


def records(member, *, unpaid_last: int, gaps=(), total: int = 12, branch=None):
    """A year of records for `member`, paid except the last `unpaid_last` months and the months in `gaps`."""
    out = []
    for i, month in enumerate(months_back(total)):
        unpaid = i >= total - unpaid_last or i in gaps
        out.append(DuesRecord.objects.create(member=member, branch=branch or member.branch, month=month,
                                             amount_due=D("10"), paid_on=None if unpaid else month,
                                             amount_paid=None if unpaid else D("10")))
    return out


def by_the_rule(user):
    """What the rule gives `user` from the records (the stored table is not read)."""
    found = dues._unpaid_runs(dues._arrears_records(user=user, upto=THIS))
    return {pk: (run, since, amount) for pk, (run, since, amount) in found.items()}


def stored(user):
    return {a.member.pk: (a.months, a.since, a.amount) for a in dues.arrears(user=user)}


def in_step():
    assert dues.arrears_differences() == []


@pytest.fixture
def owing(tree, principals):  # noqa: F811
    people = {}
    for name, branch, unpaid, gaps in (("三个月", tree.a1, 3, ()), ("七个月", tree.a1, 7, ()), ("两个月", tree.a2, 2, ()),
                                       ("中间补交", tree.b1, 3, range(0, 6)), ("全未交", tree.b1, 12, ()),
                                       ("另一棵树", None, 4, ())):
        if branch is None:
            from branches.models import Organization
            branch = Organization.objects.get(name="另一支部")
        people[name] = MemberFactory(branch=branch, name=name)
        records(people[name], unpaid_last=unpaid, gaps=gaps)
    return people


def test_the_stored_standings_equal_the_rule_for_every_principal(tree, principals, owing):  # noqa: F811
    in_step()
    assert DuesArrear.objects.count() == 5
    checked = 0
    for name, user in principals.items():
        rule = by_the_rule(user)
        assert stored(user) == rule, name
        owing_n = len(rule)
        committee = sum(1 for run, *_ in rule.values() if run >= dues.COMMITTEE_MONTHS)
        assert dues.arrears_counts(user=user) == (owing_n, committee), name
        checked += 1
    assert checked == 9
    assert stored(principals["superuser"])[owing["七个月"].pk] == (7, months_back(7)[0], D("70"))
    assert owing["两个月"].pk not in stored(principals["superuser"])


def test_every_write_path_keeps_them_in_step(tree, users, owing):
    three = owing["三个月"]
    open_records = DuesRecord.objects.filter(member=three, paid_on__isnull=True).order_by("month")
    dues.dues_mark_paid(records=[open_records.last()], paid_on=THIS, method="cash", by=users.secretary)
    in_step()
    assert not DuesArrear.objects.filter(member=three).exists()   # the latest month paid: no run
    latest = DuesRecord.objects.get(member=three, month=THIS)
    dues.dues_unmark(record=latest, by=users.secretary)
    in_step()
    assert DuesArrear.objects.get(member=three).months == 3
    from members.models import DuesClass
    dues.dues_base_set(member=three, dues_class=DuesClass.IN_SERVICE, base=D("4000"), effective_from=months_back(3)[0])
    in_step()
    assert DuesArrear.objects.get(member=three).amount == D("120.00")   # the open months' dues recomputed
    DuesRecord.objects.filter(member=owing["七个月"], month=THIS).get().delete()
    in_step()
    new = MemberFactory(branch=tree.a2, name="新党员")
    records(new, unpaid_last=4, total=4)
    in_step()
    DuesRecord.objects.filter(member=new).delete()
    dues.dues_generate_month(month=THIS - relativedelta(months=1))
    dues.dues_generate_month(month=THIS)
    in_step()


def test_a_bulk_payment_recounts_once(tree, users, owing):
    open_now = list(DuesRecord.objects.filter(month=THIS, paid_on__isnull=True))
    assert len(open_now) >= 4
    with CaptureQueriesContext(connection) as ctx:
        dues.dues_mark_paid(records=open_now, paid_on=THIS, method="cash", by=users.secretary)
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"] and "members_member" in q["sql"]]
    assert len(locks) == 1
    in_step()


def test_home_and_the_summary_read_the_standings_not_the_records(tree, principals, owing):  # noqa: F811
    user = principals["staff"]
    with CaptureQueriesContext(connection) as ctx:
        counts = dues.arrears_counts(user=user)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "members_duesarrear" in sql and "members_duesrecord" not in sql
    # 三个月, 七个月, 中间补交 (paid in the middle, then 3 open), 全未交; not 两个月, not the other tree's
    assert counts == (4, 2)
    assert set(stored(user)) == {owing[n].pk for n in ("三个月", "七个月", "中间补交", "全未交")}


def test_a_moved_member_takes_her_arrears_with_her(tree, users, principals, owing):  # noqa: F811
    seven = owing["七个月"]
    member_move(member=seven, to_branch=tree.b1, on=THIS, by=users.staff)
    secretary_a1 = principals["secretary"]
    assert seven.pk not in stored(secretary_a1) and seven.pk not in by_the_rule(secretary_a1)
    in_b1 = principals["disjoint"]   # STAFF on 甲二 and 乙一
    assert stored(in_b1)[seven.pk][0] == 7 == dues.member_arrear(member=seven).months
    for user in principals.values():
        assert stored(user) == by_the_rule(user)
    member_deactivate(member=seven, on=THIS, reason="出国定居", by=users.staff)
    assert seven.pk not in stored(principals["superuser"])
    in_step()
    member_restore(member=Member.objects.get(pk=seven.pk), on=THIS, reason="回国", by=users.staff)
    assert stored(principals["superuser"])[seven.pk][0] == 7
    in_step()


def test_a_new_month_reads_the_rule_until_the_rebuild(tree, principals, owing, caplog):  # noqa: F811
    user = principals["superuser"]
    before = stored(user)
    DuesArrear.objects.update(upto=THIS - relativedelta(months=1))   # the month turned, nothing rebuilt yet
    with CaptureQueriesContext(connection) as ctx:
        assert stored(user) == before == by_the_rule(user)
    assert "members_duesrecord" in " ".join(q["sql"] for q in ctx.captured_queries)
    with caplog.at_level(logging.ERROR, logger="members.tasks"):
        assert check_dues_arrears() == 0   # only the month moved: rebuilt, no error
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    in_step()
    assert set(DuesArrear.objects.values_list("upto", flat=True)) == {THIS}


def test_the_nightly_check_logs_a_write_around_the_services_and_repairs(tree, owing, caplog):
    DuesRecord.objects.filter(member=owing["两个月"], month=months_back(3)[0]).update(paid_on=None)   # no signal
    with caplog.at_level(logging.ERROR, logger="members.tasks"):
        assert check_dues_arrears() == 1
    assert any(str(owing["两个月"].pk) in r.getMessage() for r in caplog.records)
    in_step()
    assert DuesArrear.objects.get(member=owing["两个月"]).months == 3


def test_the_migration_fills_them_from_the_records(tree, owing):
    from importlib import import_module

    from django.apps import apps

    DuesArrear.objects.all().delete()
    import_module("members.migrations.0025_dues_arrears").fill(apps, None)
    fill_paths = import_module("members.migrations.0027_dues_arrear_scope_path").Migration.operations[-1].sql
    with connection.cursor() as cursor:
        cursor.execute(fill_paths)
    in_step()


def test_the_list_page_shows_a_page_in_order_and_the_export_all(client, tree, principals, owing, monkeypatch):  # noqa: F811
    from io import BytesIO

    from django.urls import reverse
    from openpyxl import load_workbook

    from members.views import dues as dues_views

    monkeypatch.setattr(dues_views, "ARREARS_PAGE_SIZE", 2)
    client.force_login(principals["superuser"])
    pages = [client.get(reverse("members:dues_arrears"), {"page": n}).context for n in (1, 2, 3)]
    shown = [a.member.name for ctx in pages for a in ctx["rows"]]
    assert [a.months for ctx in pages for a in ctx["rows"]] == sorted((a.months for ctx in pages for a in ctx["rows"]),
                                                                      reverse=True)
    assert sorted(shown) == sorted(["全未交", "七个月", "另一棵树", "三个月", "中间补交"])
    assert pages[0]["page_obj"].paginator.count == 5
    response = client.get(reverse("members:dues_arrears"), {"format": "xlsx"})
    wb = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert [r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)] == shown
