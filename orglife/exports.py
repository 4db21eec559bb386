"""XLSX exports of the compliance table and of a branch's records (portal.xlsx: streaming, formula-safe)."""
from __future__ import annotations

from portal.xlsx import DATE, INTEGER, PERCENT, Column, Sheet, xlsx_response

from .compliance import ComplianceRow, Period
from .figures import completion_rate, completion_totals


def compliance_xlsx(*, rows: list[ComplianceRow], types, period: Period):
    columns = [
        Column("党组织", lambda r: r.organization.name, width=30),
        Column("组织编码", lambda r: r.organization.code, width=14),
        Column("类型", lambda r: r.organization.get_kind_display(), width=10),
    ]
    for t in types:
        columns.append(Column(f"{t.name} 应开", lambda r, t=t: r.cells[t.pk].required if t.pk in r.cells else None,
                              number_format=INTEGER))
        columns.append(Column(f"{t.name} 计入完成", lambda r, t=t: r.cells[t.pk].held if t.pk in r.cells else None,
                              number_format=INTEGER))
        columns.append(Column(f"{t.name} 实际开展", lambda r, t=t: r.cells[t.pk].count if t.pk in r.cells else None,
                              number_format=INTEGER))
    # The 完成率 and its base as orglife/figures.py defines them (三会一课 + 主题党日), as on the page and in reports.
    columns += [
        Column("三会一课应开展", lambda r: completion_totals(r)[0], number_format=INTEGER),
        Column("三会一课计入完成", lambda r: completion_totals(r)[1], number_format=INTEGER),
        Column("缺项", "missing", number_format=INTEGER),
        Column("已逾期", "overdue", number_format=INTEGER),
        Column("完成率", lambda r: completion_rate(r), number_format=PERCENT),
    ]
    return xlsx_response(f"组织生活落实情况-{period.key}.xlsx", [Sheet(period.label, columns=columns, rows=rows)])


def records_xlsx(*, org, records, year: int):
    columns = [
        Column("日期", "held_on", number_format=DATE),
        Column("活动类型", lambda a: a.activity_type.name, width=14),
        Column("召开组织", lambda a: a.organization.name, width=24),
        Column("主题", "title", width=30),
        Column("地点", "place", width=16),
        Column("状态", lambda a: a.get_status_display(), width=8),
        Column("应到", lambda a: a.n_expected, number_format=INTEGER),
        Column("出席", lambda a: a.n_present, number_format=INTEGER),
        Column("授课人", "lecturer"),
        Column("议题", "topics", width=30),
        Column("决议", "resolutions", width=30),
    ]
    from django.db.models import Count, Q

    from .models import PRESENT_STATUSES

    rows = records.annotate(
        n_expected=Count("attendances", filter=Q(attendances__member__isnull=False)),
        n_present=Count("attendances", filter=Q(attendances__member__isnull=False,
                                                attendances__status__in=PRESENT_STATUSES)),
    ).order_by("held_on", "id")
    return xlsx_response(f"{org.name}-{year}年组织生活记录.xlsx", [Sheet(f"{year}年", columns=columns, rows=rows.iterator())])
