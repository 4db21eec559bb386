"""党费: rate bands at their edges (upper bound inclusive), bases with history, monthly generation (idempotent),
bulk payment, arrears flags, summaries, on-time rate and the treasurer's ledger export."""
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from members.models import DuesClass, DuesRecord
from members.selectors.registry import dues_on_time_rate
from members.services import dues
from members.tasks import generate_monthly_dues
from tests.members.factories import MemberFactory
from tests.members.lifecycle_helpers import login

D = Decimal


@pytest.mark.parametrize("base, percent, amount", [
    ("3000.00", "0.5", "15.00"), ("3000.01", "1", "30.00"),
    ("5000.00", "1", "50.00"), ("5000.01", "1.5", "75.00"),
    ("10000.00", "1.5", "150.00"), ("10000.01", "2", "200.00"),
    ("0.00", "0.5", "0.00"),
])
def test_in_service_bands_upper_bound_inclusive(db, base, percent, amount):
    rate = dues.rate_for(dues_class=DuesClass.IN_SERVICE, base=D(base))
    assert rate.percent == D(percent) and rate.amount == D(amount)


@pytest.mark.parametrize("base, percent", [("5000.00", "0.5"), ("5000.01", "1")])
def test_retiree_bands(db, base, percent):
    assert dues.rate_for(dues_class=DuesClass.RETIRED, base=D(base)).percent == D(percent)


def test_fixed_classes_and_farmer_range(db, tree):
    for cls in (DuesClass.STUDENT, DuesClass.UNEMPLOYED, DuesClass.RELIEF):
        assert dues.rate_for(dues_class=cls, base=D("0")).amount == D("0.20")
    farmer = MemberFactory(branch=tree.a1)
    dues.dues_base_set(member=farmer, dues_class=DuesClass.FARMER, effective_from=date(2025, 1, 1),
                       fixed_amount=D("1.00"))
    with pytest.raises(ValidationError) as exc:
        dues.dues_base_set(member=farmer, dues_class=DuesClass.FARMER, effective_from=date(2025, 2, 1),
                           fixed_amount=D("1.01"))
    assert "0.20 元至 1.00 元" in str(exc.value)
    with pytest.raises(ValidationError):
        dues.dues_base_set(member=farmer, dues_class=DuesClass.IN_SERVICE, effective_from=date(2025, 2, 1))


def test_generation_is_idempotent_uses_base_in_force_and_skips_people_not_on_registry(tree):
    m = MemberFactory(branch=tree.a1)
    MemberFactory(branch=tree.a1, is_active=False, left_on=date(2025, 2, 10), left_reason="去世")
    MemberFactory(branch=tree.a1, status="probationary", confirmed_on=None, joined_on=date(2025, 4, 20))
    dues.dues_base_set(member=m, dues_class=DuesClass.IN_SERVICE, base=D("4000"), effective_from=date(2025, 1, 1))
    dues.dues_base_set(member=m, dues_class=DuesClass.IN_SERVICE, base=D("6000"), effective_from=date(2025, 3, 1))
    assert dues.dues_generate_month(month=date(2025, 2, 1)) == 2    # m + gone (left mid-month)
    assert dues.dues_generate_month(month=date(2025, 2, 1)) == 0    # idempotent
    assert generate_monthly_dues("2025-03") == 1                     # gone has left; probationary not yet
    assert generate_monthly_dues("2025-04") == 2                     # 预备党员 pay from the vote month
    feb, mar = DuesRecord.objects.get(member=m, month=date(2025, 2, 1)), DuesRecord.objects.get(member=m, month=date(2025, 3, 1))
    assert (feb.amount_due, mar.amount_due) == (D("40.00"), D("90.00"))
    assert m.dues_bases.count() == 2  # history kept
    assert DuesRecord.objects.get(member__status="probationary").amount_due is None  # no base yet: shown as such


def test_new_base_recomputes_unpaid_months_only(tree):
    m = MemberFactory(branch=tree.a1)
    dues.dues_base_set(member=m, dues_class=DuesClass.IN_SERVICE, base=D("4000"), effective_from=date(2025, 1, 1))
    for month in (1, 2):
        dues.dues_generate_month(month=date(2025, month, 1))
    jan = DuesRecord.objects.get(member=m, month=date(2025, 1, 1))
    dues.dues_mark_paid(records=[jan], paid_on=date(2025, 1, 5), method="cash")
    dues.dues_base_set(member=m, dues_class=DuesClass.IN_SERVICE, base=D("8000"), effective_from=date(2025, 1, 1))
    jan.refresh_from_db()
    assert jan.amount_due == D("40.00") and jan.amount_paid == D("40.00")
    assert DuesRecord.objects.get(member=m, month=date(2025, 2, 1)).amount_due == D("120.00")


def _records(member, months, paid_months=()):
    for month in months:
        DuesRecord.objects.create(member=member, branch=member.branch, month=month, amount_due=D("10"),
                                  paid_on=month if month in paid_months else None,
                                  amount_paid=D("10") if month in paid_months else None)


def test_arrears_flags_at_3_and_6_consecutive_months(tree, users):
    months = [date(2025, m, 1) for m in range(1, 13)]
    two = MemberFactory(branch=tree.a1, name="欠两月")
    three = MemberFactory(branch=tree.a1, name="欠三月")
    six = MemberFactory(branch=tree.a1, name="欠六月")
    gap = MemberFactory(branch=tree.a1, name="中间补交")
    other = MemberFactory(branch=tree.b1, name="外支部")
    _records(two, months, paid_months=months[:10])
    _records(three, months, paid_months=months[:9])
    _records(six, months, paid_months=months[:6])
    _records(gap, months, paid_months=[months[8]])   # unpaid 1–8, paid Sep, unpaid Oct–Dec: run of 3
    _records(other, months)
    rows = {a.member.name: a for a in dues.arrears(user=users.secretary, upto=date(2025, 12, 1))}
    assert set(rows) == {"欠三月", "欠六月", "中间补交"}
    assert rows["欠三月"].months == 3 and rows["欠三月"].level == "reminder" and rows["欠三月"].amount == D("30")
    assert rows["欠六月"].months == 6 and rows["欠六月"].level == "committee" and rows["欠六月"].since == date(2025, 7, 1)
    assert rows["中间补交"].months == 3
    assert "外支部" in {a.member.name for a in dues.arrears(user=users.staff, upto=date(2025, 12, 1))}
    # the summary's counts are the same rule, aggregated in SQL
    assert dues.arrears_counts(user=users.secretary, upto=date(2025, 12, 1)) == (3, 1)
    assert dues.arrears_counts(user=users.staff, upto=date(2025, 12, 1)) == (4, 2)


def test_summary_on_time_rate_and_bulk_payment(tree, users):
    a, b = MemberFactory(branch=tree.a1), MemberFactory(branch=tree.a2)
    for m in (a, b):
        dues.dues_base_set(member=m, dues_class=DuesClass.IN_SERVICE, base=D("2000"), effective_from=date(2025, 1, 1))
    dues.dues_generate_month(month=date(2025, 1, 1))
    dues.dues_generate_month(month=date(2025, 2, 1))
    jan = list(DuesRecord.objects.filter(month=date(2025, 1, 1)))
    assert dues.dues_mark_paid(records=jan, paid_on=date(2025, 1, 31), method="wechat", by=users.secretary) == 2
    assert dues.dues_mark_paid(records=jan, paid_on=date(2025, 2, 2), method="cash") == 0  # already paid: untouched
    late = DuesRecord.objects.get(member=a, month=date(2025, 2, 1))
    dues.dues_mark_paid(records=[late], paid_on=date(2025, 3, 1), method="cash")
    rates = dues_on_time_rate(branch_ids=[tree.a1.pk, tree.a2.pk], start=date(2025, 1, 1), end=date(2025, 2, 28))
    assert rates == {tree.a1.pk: 0.5, tree.a2.pk: 0.5}
    [ga, a1] = dues.collection_summary(organizations=[tree.ga, tree.a1], start=date(2025, 1, 1), end=date(2025, 2, 1))
    assert (ga.records, ga.paid_records, ga.paid) == (4, 3, D("30.00"))
    assert (a1.records, a1.paid_records, a1.rate) == (2, 2, 1.0)
    with pytest.raises(ValidationError):
        dues.dues_mark_paid(records=[], paid_on=date(2025, 1, 1), method="cash")


def test_treasurer_ledger_xlsx(client, tree, users):
    m = MemberFactory(branch=tree.a1, name="张会计")
    dues.dues_base_set(member=m, dues_class=DuesClass.IN_SERVICE, base=D("4000"), effective_from=date(2025, 1, 1))
    for month in (1, 2, 3):
        dues.dues_generate_month(month=date(2025, month, 1))
    dues.dues_mark_paid(records=DuesRecord.objects.filter(month=date(2025, 2, 1)), paid_on=date(2025, 2, 3),
                        method="cash")
    login(client, users.secretary)
    resp = client.get(reverse("members:dues_ledger"), {"branch": tree.a1.pk, "year": 2025})
    assert resp.status_code == 200
    ws = load_workbook(BytesIO(b"".join(resp.streaming_content))).active
    header = [c.value for c in ws[1]]
    assert header[:5] == ["序号", "姓名", "身份", "月缴费基数", "比例（%）"] and header[5] == "1月"
    row = [c.value for c in ws[2]]
    assert row[1] == "张会计" and row[5] is None and row[6] == 40 and row[-3:] == [120, 40, 80]
    login(client, users.secretary)
    assert client.get(reverse("members:dues_ledger"), {"branch": tree.b1.pk, "year": 2025}).status_code == 302
