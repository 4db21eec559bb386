"""The stored 党费收缴 totals (members.DuesMonthTotal): the dues summary and the organization page read a row per
organization and month, equal to adding up the subtree's records, after every write path; the nightly check
repairs a write that went around them; the migration fills them."""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext

from branches.models import Organization
from members.models import DuesClass, DuesMonthTotal, DuesRecord
from members.services import dues, dues_totals
from members.tasks import check_dues_totals
from tests.branches.factories import make_org
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def by_the_records(org, start, end):
    """The summary's figures added up from the records of the subtree (what the page did before)."""
    r = DuesRecord.objects.filter(branch__path__startswith=org.path, month__gte=start, month__lte=end).aggregate(
        n=Count("id"), n_paid=Count("id", filter=Q(paid_on__isnull=False)), due=Sum("amount_due"),
        paid=Sum("amount_paid"))
    return (r["n"], r["n_paid"], r["due"] or D("0"), r["paid"] or D("0"))


def summary(orgs, start=JAN, end=MAR):
    return [(c.records, c.paid_records, c.due, c.paid)
            for c in dues.collection_summary(organizations=orgs, start=start, end=end)]


def in_step():
    assert dues_totals.differences() == []
    orgs = list(Organization.objects.order_by("path"))
    for start, end in ((JAN, MAR), (FEB, FEB), (MAR, date(2025, 12, 1))):
        assert summary(orgs, start, end) == [by_the_records(o, start, end) for o in orgs]


@pytest.fixture
def ledger(tree, users):
    people = [MemberFactory(branch=b) for b in (tree.a1, tree.a1, tree.a2, tree.b1)]
    for m in people:
        dues.dues_base_set(member=m, dues_class=DuesClass.IN_SERVICE, base=D("4000"), effective_from=JAN)
    for month in (JAN, FEB):
        dues.dues_generate_month(month=month)
    return people


def test_every_write_path_keeps_the_totals_in_step(tree, users, ledger):
    in_step()
    assert summary([tree.root], JAN, FEB) == [(8, 0, D("320.00"), D("0"))]
    jan = list(DuesRecord.objects.filter(month=JAN, branch=tree.a1))
    dues.dues_mark_paid(records=jan, paid_on=date(2025, 1, 20), method="cash", by=users.secretary)
    in_step()
    dues.dues_mark_paid(records=DuesRecord.objects.filter(month=FEB, branch=tree.b1), paid_on=date(2025, 2, 3),
                        method="wechat", amounts=None)
    in_step()
    dues.dues_unmark(record=jan[0], by=users.secretary)
    in_step()
    dues.dues_base_set(member=ledger[2], dues_class=DuesClass.IN_SERVICE, base=D("9000"), effective_from=FEB)
    in_step()
    DuesRecord.objects.create(member=ledger[3], branch=tree.b1, month=MAR, amount_due=D("12.50"))   # by hand
    in_step()
    DuesRecord.objects.get(member=ledger[3], month=MAR).delete()
    in_step()
    new_branch = make_org(tree.gb, name="新支部")
    MemberFactory(branch=new_branch)
    dues.dues_generate_month(month=MAR)
    in_step()
    assert summary([tree.root, tree.ga, tree.a1, new_branch], MAR, MAR)[3][0] == 1


def test_the_summary_reads_the_totals_not_the_records(tree, ledger):
    with CaptureQueriesContext(connection) as ctx:
        rows = summary([tree.root, tree.ga, tree.gb, tree.a1])
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert len(ctx.captured_queries) == 1 and "members_duesmonthtotal" in sql and "members_duesrecord" not in sql
    assert rows == [by_the_records(o, JAN, MAR) for o in (tree.root, tree.ga, tree.gb, tree.a1)]


def test_the_nightly_check_logs_a_write_around_the_services_and_repairs(tree, ledger, caplog):
    DuesRecord.objects.filter(month=JAN, branch=tree.a2).update(paid_on=JAN, amount_paid=D("1"))   # no signal
    with caplog.at_level(logging.ERROR, logger="members.tasks"):
        assert check_dues_totals() >= 1
    assert any("differ" in r.getMessage() for r in caplog.records)
    in_step()


def test_the_migration_fills_them_from_the_records(tree, ledger):
    from importlib import import_module

    from django.apps import apps

    DuesMonthTotal.objects.all().delete()
    import_module("members.migrations.0026_dues_month_totals").fill(apps, None)
    in_step()


def _row_names(response):
    return [r.organization.name for r in response.context["rows"]]


def test_the_summary_page_shows_heads_and_children_a_page_at_a_time_and_opens_a_row(client, tree, users, ledger,
                                                                                     monkeypatch):
    from django.urls import reverse

    from members.views import dues as dues_views

    client.force_login(users.staff)
    url = reverse("members:dues")
    page = client.get(url, {"year": 2025})
    assert _row_names(page) == ["测试党委", "甲党总支", "乙党总支"]       # the head and its children, not the tree
    assert page.context["rows"][1].records == by_the_records(tree.ga, JAN, date(2025, 12, 1))[0]
    html = page.content.decode()
    assert f"?under={tree.ga.pk}&amp;year=2025" in html                     # a 党总支 row opens its children

    opened = client.get(url, {"under": tree.ga.pk, "year": 2025})
    assert _row_names(opened) == ["甲党总支", "甲一支部", "甲二支部"]
    assert "返回全部" in opened.content.decode()

    monkeypatch.setattr(dues_views, "SUMMARY_PAGE_SIZE", 2)                # pages, in tree order, none lost
    first, second = client.get(url, {"year": 2025}), client.get(url, {"year": 2025, "page": 2})
    assert _row_names(first) + _row_names(second) == ["测试党委", "甲党总支", "乙党总支"]
    assert "共 3 条，第 1/2 页" in first.content.decode()


def test_a_row_outside_the_viewers_scope_cannot_be_opened(client, tree, users, ledger):
    from django.urls import reverse

    client.force_login(users.staff_a)                                      # 甲党总支's staff
    url = reverse("members:dues")
    assert _row_names(client.get(url, {"year": 2025})) == ["甲党总支", "甲一支部", "甲二支部"]
    for foreign in (tree.gb.pk, tree.root.pk, "x", 10**9):                 # 乙's, an ancestor's, junk: her own heads
        assert _row_names(client.get(url, {"under": foreign, "year": 2025})) == ["甲党总支", "甲一支部", "甲二支部"]
    assert "乙党总支" not in client.get(url, {"under": tree.gb.pk}).content.decode()
