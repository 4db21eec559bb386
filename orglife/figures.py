"""Organizational-life figures, defined once (registered into portal.figures) and read by the compliance page,
the compliance API, the XLSX export and every report.

Vocabulary (the same on every surface):
- 应开展 (required): the sum over the rule windows ending in the period of each window's minimum.
- 计入完成 (credited): per window, the records held up to that window's minimum; windows never make up for each
  other (Q4 held twice does not cover a missed Q3).
- 实际开展 (records): submitted records, uncapped.
- 完成率: credited / required over the types that count for completion (三会一课 and 主题党日); 谈心谈话, a
  per-member requirement, and yearly items such as 组织生活会 are reported on their own.
"""
from __future__ import annotations

from portal.figures import FigureDef, FigureScope, register

GROUP = "组织生活"
PERIOD_WINDOWS = "报告期间内结束的各考核窗口（月、季、年；窗口之间不互相抵补）"
BRANCH_SCOPE = "本党支部及其党小组（党小组会计入所在党支部）"
AS_OF_TODAY = "编制日期（未结束的窗口按“待完成”计，不算逾期）"


def compliance_row(scope: FigureScope):
    """The compliance engine's row for the scope's branch (the compliance page's and the API's row)."""
    from .compliance import Period, compliance_table
    from .models import Organization

    def load():
        rows = compliance_table(organizations_qs=Organization.objects.filter(pk=scope.org.pk),
                                period=Period.parse(scope.key), today=scope.today)
        return rows[0] if rows else None

    return scope.memo("compliance_row", load)


def completion_totals(row) -> tuple[int, int]:
    """(required, credited) over the types counting for completion: the 完成率 base and numerator."""
    if row is None:
        return 0, 0
    required = credited = 0
    for cell in row.cells.values():
        if cell.activity_type.counts_for_completion:
            required += cell.required
            credited += cell.held
    return required, credited


def completion_rate(row) -> float | None:
    """credited / required over 三会一课 + 主题党日; None when nothing was required (nothing to rate)."""
    required, credited = completion_totals(row)
    return credited / required if required else None


def _type_cell(scope: FigureScope):
    row = compliance_row(scope)
    if row is None:
        return None
    return next((c for c in row.cells.values() if c.activity_type.code == scope.param), None)


def _attendance(scope: FigureScope):
    from .compliance import attendance_rates

    rates = scope.memo("attendance", lambda: attendance_rates(branch_ids=[scope.org.pk], start=scope.start,
                                                                end=scope.end, empty=None))
    return rates.get(scope.org.pk)


def _talks(scope: FigureScope):
    from .compliance import talk_coverage

    rates = scope.memo("talks", lambda: talk_coverage(branch_ids=[scope.org.pk], year=scope.year,
                                                      end=min(scope.end, scope.today)))
    return rates.get(scope.org.pk)


REQUIRED = register(FigureDef(
    "orglife.required", "“三会一课”及主题党日应开展次数", "int",
    counts="支部党员大会、支部委员会会议、党小组会、党课、主题党日各考核窗口的规定最低次数之和（组织在窗口内成立或撤销的按存续天数折算）",
    base="频次要求（就近适用上级或本级设置）", period=PERIOD_WINDOWS, scope=BRANCH_SCOPE, as_of=AS_OF_TODAY,
    compute=lambda s: completion_totals(compliance_row(s))[0], group=GROUP))
CREDITED = register(FigureDef(
    "orglife.credited", "“三会一课”及主题党日计入完成次数", "int",
    counts="各考核窗口已提交、未作废的记录，每个窗口最多计入该窗口规定次数", base="同“应开展次数”",
    period=PERIOD_WINDOWS, scope=BRANCH_SCOPE, as_of=AS_OF_TODAY,
    compute=lambda s: completion_totals(compliance_row(s))[1], group=GROUP))
COMPLETION = register(FigureDef(
    "orglife.completion_rate", "“三会一课”完成率", "percent",
    counts="计入完成次数", base="应开展次数（不含谈心谈话、组织生活会、民主评议党员；无要求时不计算）",
    period=PERIOD_WINDOWS, scope=BRANCH_SCOPE, as_of=AS_OF_TODAY,
    compute=lambda s: completion_rate(compliance_row(s)), group=GROUP))
TYPE_REQUIRED = register(FigureDef(
    "orglife.type_required", "某类活动应开展次数", "int",
    counts="该类活动各考核窗口规定最低次数之和（谈心谈话为应谈党员人数）", base="频次要求",
    period=PERIOD_WINDOWS, scope=BRANCH_SCOPE, as_of=AS_OF_TODAY, param="活动类型代码",
    compute=lambda s: (c.required if (c := _type_cell(s)) else 0), group=GROUP))
TYPE_CREDITED = register(FigureDef(
    "orglife.type_credited", "某类活动计入完成次数", "int",
    counts="每个窗口最多计入该窗口规定次数的记录数（谈心谈话为已谈党员人数）", base="同该类活动应开展次数",
    period=PERIOD_WINDOWS, scope=BRANCH_SCOPE, as_of=AS_OF_TODAY, param="活动类型代码",
    compute=lambda s: (c.held if (c := _type_cell(s)) else 0), group=GROUP))
TYPE_RECORDS = register(FigureDef(
    "orglife.type_records", "某类活动实际开展次数", "int",
    counts="已提交、未作废的记录数，不设上限（同一窗口多开的也计入）", base="—",
    period=PERIOD_WINDOWS, scope=BRANCH_SCOPE, as_of=AS_OF_TODAY, param="活动类型代码",
    compute=lambda s: (c.count if (c := _type_cell(s)) else 0), group=GROUP))
ATTENDANCE = register(FigureDef(
    "orglife.attendance_rate", "组织生活出席率", "percent",
    counts="出席和迟到的人次",
    base="需考勤的已提交记录在活动时登记的应到人次（本支部及其党小组；不随之后的党员调动变化；没有记录时不计算）",
    period="报告期间内召开的活动", scope=BRANCH_SCOPE, as_of="编制日期", compute=_attendance, group=GROUP))
TALKS = register(FigureDef(
    "orglife.talk_coverage", "谈心谈话覆盖率", "percent",
    counts="时点在册党员中，所在年度1月1日至时点参加过至少1次谈心谈话的人数",
    base="时点在册党员人数（按组织关系记录还原到时点所在的党支部，不是编制日的党员名册；没有党员时不计算）",
    period="所在年度1月1日至报告期末", scope="本党支部（含党小组）党员",
    as_of="报告期末（期末晚于编制日期的，为编制日期）",
    compute=_talks, group=GROUP))
