"""Figure definitions for members, committees, 评星定级, 整改 and the committee-wide aggregates (registered into
portal.figures; the organizational-life ones are in orglife/figures.py). Each compute function reads the same
source function the report builders read (reports/sources.py, which calls the owning apps' selectors), so a
printed figure and its definition cannot drift apart; tests/reports/test_figure_consistency.py checks every
figure of every report kind against these and against the compliance API.
"""
from __future__ import annotations

from branches.models import BRANCH_KINDS, Organization
from portal.figures import FigureDef, FigureScope, register

from . import sources
from .periods import ReportPeriod

AS_OF = "报告期末（期末晚于编制日期的，为编制日期）"
SUBTREE = "本组织及全部下级组织"
BRANCHES_SCOPE = "本组织下属党支部（含联合党支部、临时党支部），按报告期末存续的计"


def _period(scope: FigureScope) -> ReportPeriod:
    return ReportPeriod.parse(scope.key)


def _members(scope):
    return scope.memo("members", lambda: sources.member_structure(org=scope.org, on=scope.as_of))


def _changes(scope):
    return scope.memo("changes", lambda: sources.member_changes(org=scope.org, period=_period(scope)))


def _committee(scope):
    return scope.memo("committee", lambda: sources.committee(branch=scope.org, on=scope.as_of, today=scope.today))


def _result(scope):
    results = scope.memo("results", lambda: sources.evaluation_results(branch_ids=[scope.org.pk], year=scope.year))
    return (results or {}).get(scope.org.pk)


def _rect(scope):
    return scope.memo("rect", lambda: sources.rectifications(org=scope.org, period=_period(scope), today=scope.today))


def _branch_ids(scope):
    return scope.memo("branches", lambda: sources.branches_under(scope.org, on=scope.as_of))


def _rates(scope):
    return scope.memo("rates", lambda: sources.org_life_rates(branch_ids=_branch_ids(scope), period=_period(scope),
                                                               today=scope.today) or {})


def _branch_results(scope):
    return scope.memo("branch_results",
                      lambda: sources.evaluation_results(branch_ids=_branch_ids(scope), year=scope.year) or {})


def _avg(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _d(id, name, kind, compute, *, counts, base, period, scope, as_of, group, param=""):
    return register(FigureDef(id, name, kind, counts=counts, base=base, period=period, scope=scope, as_of=as_of,
                              compute=compute, group=group, param=param))


M = "党员"
_d("members.total", "党员总数", "int", lambda s: _members(s)["total"], group=M,
   counts="在册党员（正式党员和预备党员），按组织关系记录还原到时点所在的党支部", base="—", period="时点数",
   scope=SUBTREE, as_of=AS_OF)
_d("members.full", "正式党员", "int", lambda s: _members(s)["full"], group=M,
   counts="时点前已转正的在册党员", base="—", period="时点数", scope=SUBTREE, as_of=AS_OF)
_d("members.probationary", "预备党员", "int", lambda s: _members(s)["probationary"], group=M,
   counts="时点尚未转正的在册党员", base="—", period="时点数", scope=SUBTREE, as_of=AS_OF)
_d("members.admitted", "发展党员（接收预备党员）", "int", lambda s: _changes(s)["admitted"], group=M,
   counts="入党日期在报告期间内的党员", base="—", period="报告期间", scope="现属本组织及下级组织的党员", as_of="编制日期")
_d("members.confirmed", "预备党员转正", "int", lambda s: _changes(s)["confirmed"], group=M,
   counts="转正日期在报告期间内的党员", base="—", period="报告期间", scope="现属本组织及下级组织的党员", as_of="编制日期")

C = "组织建设"
_d("committee.seats", "支部委员会委员数", "int", lambda s: len(_committee(s)["seats"]), group=C,
   counts="时点在任的本届支部委员会委员", base="—", period="时点数", scope="本党支部", as_of=AS_OF)
_d("committee.branches", "党支部数", "int", lambda s: len(_branch_ids(s)), group=C,
   counts="成立日期不晚于时点、时点未撤销的党支部", base="—", period="时点数", scope=BRANCHES_SCOPE, as_of=AS_OF)


def _with_committee(s):
    return sum(1 for pk in _branch_ids(s) if _branch_overview(s, pk)["seats"] >= 3)


def _term_overdue(s):
    return sum(1 for pk in _branch_ids(s) if _branch_overview(s, pk)["term_overdue"])


def _branch_overview(s, pk):
    overview = s.memo("overview", lambda: sources.committee_overview(branch_ids=_branch_ids(s), on=s.as_of))
    return overview[pk]


_d("committee.with_committee", "设立支部委员会的党支部", "int", _with_committee, group=C,
   counts="时点在任委员3名及以上的党支部", base="—", period="时点数", scope=BRANCHES_SCOPE, as_of=AS_OF)
_d("committee.term_overdue", "换届逾期的党支部", "int", _term_overdue, group=C,
   counts="时点在任的支部委员会任期届满日早于时点的党支部", base="—", period="时点数", scope=BRANCHES_SCOPE, as_of=AS_OF)

L = "组织生活（汇总）"
_d("committee.avg_completion", "“三会一课”平均完成率", "percent",
   lambda s: _avg(r.get("completion") for r in _rates(s).values()), group=L,
   counts="各党支部“三会一课”完成率（见该指标口径）", base="有应开展要求的党支部个数（简单平均，不按人数加权）",
   period="报告期间内结束的考核窗口", scope=BRANCHES_SCOPE, as_of="编制日期")
_d("committee.avg_attendance", "组织生活平均出席率", "percent",
   lambda s: _avg(r.get("attendance") for r in _rates(s).values()), group=L,
   counts="各党支部组织生活出席率", base="党支部个数（简单平均）", period="报告期间", scope=BRANCHES_SCOPE, as_of="编制日期")
_d("committee.avg_talks", "谈心谈话平均覆盖率", "percent",
   lambda s: _avg(r.get("talks") for r in _rates(s).values()), group=L,
   counts="各党支部谈心谈话覆盖率", base="党支部个数（简单平均）", period="所在年度1月1日至报告期末",
   scope=BRANCHES_SCOPE, as_of="编制日期")
_d("committee.branches_met", "全部完成规定次数的党支部", "int",
   lambda s: sum(1 for r in _rates(s).values() if r.get("completion") is not None and r["completion"] >= 1),
   group=L, counts="“三会一课”完成率为100%的党支部", base="—", period="报告期间内结束的考核窗口",
   scope=BRANCHES_SCOPE, as_of="编制日期")
_d("committee.branches_low", "完成率低于80%的党支部", "int",
   lambda s: sum(1 for r in _rates(s).values() if r.get("completion") is not None and r["completion"] < 0.8),
   group=L, counts="“三会一课”完成率低于80%的党支部", base="—", period="报告期间内结束的考核窗口",
   scope=BRANCHES_SCOPE, as_of="编制日期")

E = "评星定级"
RESULT_PERIOD = "报告年度及以前最近一次已公布结果的评价周期"
_d("evaluation.stars", "星级", "stars", lambda s: (r or {}).get("stars") if (r := _result(s)) else None, group=E,
   counts="已公布的评星定级结果", base="—", period=RESULT_PERIOD, scope="本党支部", as_of="编制日期")
_d("evaluation.total", "综合得分", "decimal", lambda s: r["total"] if (r := _result(s)) else None, group=E,
   counts="已公布的综合得分（百分制）", base="—", period=RESULT_PERIOD, scope="本党支部", as_of="编制日期")
_d("evaluation.four_strong", "“四强”党支部", "bool", lambda s: bool(r and r["four_strong"]) if (r := _result(s)) else None,
   group=E, counts="已公布结果中评定为“四强”党支部", base="—", period=RESULT_PERIOD, scope="本党支部", as_of="编制日期")
_d("committee.evaluated", "公布评星结果的党支部", "int", lambda s: len(_branch_results(s)), group=E,
   counts="有已公布评星定级结果的党支部", base="—", period=RESULT_PERIOD, scope=BRANCHES_SCOPE, as_of="编制日期")
_d("committee.four_strong", "“四强”党支部数", "int",
   lambda s: sum(1 for r in _branch_results(s).values() if r["four_strong"]), group=E,
   counts="已公布结果评定为“四强”的党支部", base="—", period=RESULT_PERIOD, scope=BRANCHES_SCOPE, as_of="编制日期")
_d("committee.stars", "某星级党支部数", "int",
   lambda s: sum(1 for r in _branch_results(s).values() if r["stars"] == s.param), group=E, param="星级（1—5）",
   counts="已公布结果评定为该星级的党支部", base="—", period=RESULT_PERIOD, scope=BRANCHES_SCOPE, as_of="编制日期")

R = "整改"
RECT_PERIOD = "报告期末前提出（或由本年度评价提出）且未在期初前销号的整改事项"
RECT_AS_OF = "编制日期（整改跟踪至销号）"
_d("rect.total", "整改事项", "int", lambda s: (r := _rect(s)) and r["total"], group=R,
   counts="本期间整改事项", base="—", period=RECT_PERIOD, scope=SUBTREE, as_of=RECT_AS_OF)
_d("rect.closed", "已销号整改事项", "int", lambda s: (r := _rect(s)) and r["closed"], group=R,
   counts="时点前已销号的整改事项", base="—", period=RECT_PERIOD, scope=SUBTREE, as_of=RECT_AS_OF)
_d("rect.open", "整改中事项", "int", lambda s: (r := _rect(s)) and r["open"], group=R,
   counts="时点尚未销号的整改事项（含逾期）", base="—", period=RECT_PERIOD, scope=SUBTREE, as_of=RECT_AS_OF)
_d("rect.overdue", "逾期整改事项", "int", lambda s: (r := _rect(s)) and r["overdue"], group=R,
   counts="时点尚未销号且已过整改期限的事项", base="—", period=RECT_PERIOD, scope=SUBTREE, as_of=RECT_AS_OF)


def _practice(s):

    def load():
        if s.org.kind in BRANCH_KINDS:
            return sources.practice_branch(branch=s.org, period=_period(s))
        return sources.practice_subtree(organizations_qs=Organization.objects.filter(pk=s.org.pk), period=_period(s))

    summary = s.memo("practice", load) or {}
    for key in ("political", "leadership", "members", "role"):
        for f in (summary.get(key) or {}).get("figures", []):
            if f["key"] == s.param:
                return f["value"]
    return None


_d("practice.metric", "党建实践指标", "decimal", _practice, group="党建实践", param="指标代码（品牌、先锋岗、学习、培训、联系点、荣誉等）",
   counts="党建实践模块中登记、日期在报告期间内的记录，按各指标的说明统计（比例为0—1）", base="各指标说明所列",
   period="报告期间", scope="本组织及下属党支部", as_of="编制日期")


def _programme(s, key: str):
    summary = s.memo(f"programme:{s.param}", lambda: sources.programme_summary(org=s.org, programme=s.param,
                                                                                year=s.year, as_of=s.as_of))
    return summary["totals"][key]


P = "创建活动"
PROGRAMME = "活动代码（four_strong “四强”党支部、red_flag 红旗党支部、five_star 五星党员）"
TITLE_SCOPE = "本组织及全部下级组织（党员称号按党员所在党支部）"
for key, name, counts, period in (
        ("current", "称号在有效期内（党委命名）", "门户内党组织命名、时点在有效期内且未摘牌的称号", "时点数"),
        ("higher", "称号在有效期内（上级机关再次命名）", "上级机关再次命名、时点在有效期内且未摘牌的称号", "时点数"),
        ("new", "新命名（党委）", "命名日期在报告年度内且不晚于时点的党委命名称号", "报告年度1月1日至时点"),
        ("new_higher", "新命名（上级机关）", "命名日期在报告年度内且不晚于时点的上级机关命名称号", "报告年度1月1日至时点"),
        ("revoked", "摘牌", "摘牌日期在报告年度内且不晚于时点的称号（含到期前摘牌）", "报告年度1月1日至时点"),
        ("downgraded", "复查复核降级", "决定日期在报告年度内的降级记录（动态管理）", "报告年度1月1日至时点"),
        ("upgraded", "复查复核升级", "决定日期在报告年度内的升级记录（动态管理）", "报告年度1月1日至时点"),
        ("applied", "参加创建（申报和指定参评）", "报告年度创建活动中的申报和党委指定参评", "报告年度的创建活动"),
        ("in_progress", "评审中", "时点尚处于申报、推荐或公示环节的", "报告年度的创建活动"),
        ("models", "标兵", "评为标兵的（五星党员评选）", "报告年度的创建活动")):
    _d(f"programme.{key}", name, "int", lambda s, key=key: _programme(s, key), group=P, param=PROGRAMME,
       counts=counts, base="—", period=period, scope=TITLE_SCOPE, as_of=AS_OF)
