"""The committee 四强建设工作汇报's prose: under each criterion an 一是/二是/三是 paragraph naming example branches,
and 存在的问题 / 下一步工作, all built from the per-branch rows (`collect_parts`), the named records
(`sources.committee_facts`) and the practice summary. A clause appears only when its records exist, and its
wording follows the facts (all / some / none, one example or several), so two committees read differently.
"""
from __future__ import annotations

from collections import Counter

from .branch import _ordinal_paragraph
from .common import pct
from .document import Document

EXAMPLES = 3


def names(rows, key: str = "name", limit: int = EXAMPLES) -> str:
    """"甲、乙、丙等" from distinct values, "等" only when more exist."""
    values = list(dict.fromkeys(r[key] if isinstance(r, dict) else r for r in rows))
    return "、".join(values[:limit]) + ("等" if len(values) > limit else "")


def _practice_value(practice: dict | None, key: str, metric: str, doc: Document):
    """A practice metric's value (recorded as practice.metric), or None when absent or zero."""
    for f in ((practice or {}).get(key) or {}).get("figures", []):
        if f["key"] == metric and f.get("value") not in (None, "", 0, 0.0):
            doc.fig("practice.metric", f["value"], param=metric)
            return f["value"]
    return None


def _g(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def political(parts: list[dict], facts: dict, practice: dict | None, doc: Document) -> str:
    clauses = []
    rated = [p for p in parts if p.get("completion") is not None]
    if rated:
        met = [p for p in rated if p["completion"] >= 1]
        if len(met) == len(rated):
            clauses.append(f"严格落实“三会一课”制度，所属 {doc.fig('committee.branches_met', len(met))} 个党支部均完成"
                           "“三会一课”及主题党日规定次数")
        else:
            best = sorted(rated, key=lambda p: (-p["completion"], p["path"]))[:EXAMPLES]
            text = "落实“三会一课”制度，"
            n_met = doc.fig("committee.branches_met", len(met))
            if met:
                text += (f"{names(met)} {n_met} 个党支部完成全部规定次数" if len(met) > 1
                         else f"{met[0]['name']}完成全部规定次数")
            else:
                text += ("完成率较高的有" + "、".join(f"{p['name']}（{pct(p['completion'])}）" for p in best))
            clauses.append(text)
    lectures = facts.get("lectures", [])
    if lectures:
        branches = {x["branch"] for x in lectures}
        titled = [x for x in lectures if x["title"]]
        text = (f"{len(branches)} 个党支部讲授党课 {len(lectures)} 次" if len(branches) > 1
                else f"{lectures[0]['branch']}讲授党课 {len(lectures)} 次")
        if titled:
            examples = list({x["branch"]: x for x in titled}.values())[:2]
            text += "，" + "；".join(
                f"{x['branch']}{x['lecturer'] or ''}讲授“{x['title']}”" for x in examples)
        clauses.append(text)
    themes = [t for t in facts.get("theme_days", []) if t["title"]]
    if themes:
        import re

        titles = list(dict.fromkeys(re.sub(r"^\d{1,2}月主题党日[：:]\s*", "", t["title"]) for t in themes))
        n_branches = len({t["branch"] for t in themes})
        clauses.append(f"{'各' if n_branches == len(parts) and n_branches > 1 else f'{n_branches} 个'}党支部开展主题党日 "
                       f"{len(themes)} 次，围绕" + "、".join(f"“{t}”" for t in titles[:3]) + ("等主题" if len(titles) > 3
                                                                                    else "主题") + "组织党员学习实践")
    first = facts.get("first_topics", [])
    if first:
        by_branch = Counter(x["branch"] for x in first)
        clauses.append(f"落实“第一议题”制度，{names(list(by_branch))}在支部委员会会议上学习“第一议题”{len(first)} 次")
    hours = _practice_value(practice, "political", "study_hours", doc)
    if hours:
        per = _practice_value(practice, "political", "study_hours_per_member", doc)
        clauses.append(f"党员个人自学 {_g(hours)} 学时" + (f"，人均 {_g(per)} 学时" if per else ""))
    contest = _practice_value(practice, "political", "contest_people", doc)
    if contest:
        awards = _practice_value(practice, "political", "contest_awards", doc)
        clauses.append(f"组织 {contest} 名党员参加知识竞赛" + (f"，获奖 {awards} 人次" if awards else ""))
    return _ordinal_paragraph(clauses)


def leadership(parts: list[dict], practice: dict | None, doc: Document, when: str) -> str:
    clauses = []
    with_committee = [p for p in parts if (p.get("seats") or 0) >= 3]
    overdue = [p for p in parts if p.get("term_overdue")]
    n_committee = doc.fig("committee.with_committee", len(with_committee))
    doc.fig("committee.term_overdue", len(overdue))
    if parts:
        if len(with_committee) == len(parts):
            text = f"{when}所属党支部均设立支部委员会"
        elif with_committee:
            text = f"{when}设立支部委员会的党支部 {n_committee} 个，其余党支部设书记（或委员不足 3 名）"
        else:
            text = f"{when}所属党支部均未设立支部委员会"
        text += "，各党支部均按期换届" if not overdue and with_committee else ""
        clauses.append(text)
    trained = _practice_value(practice, "leadership", "secretaries_trained", doc)
    if trained:
        coverage = _practice_value(practice, "leadership", "secretary_training_coverage", doc)
        clauses.append(f"{trained} 个党支部书记参加书记培训并结业" + (f"，覆盖率 {pct(coverage)}" if coverage else ""))
    attended = _practice_value(practice, "leadership", "training_attended", doc)
    if attended:
        clauses.append(f"组织党务培训，参训 {attended} 人次")
    visits = _practice_value(practice, "leadership", "contact_visits", doc)
    if visits:
        findings = _practice_value(practice, "leadership", "contact_findings", doc)
        clauses.append(f"落实党建联系点制度，走访联系点 {visits} 次" + (f"，发现问题 {findings} 个" if findings else ""))
    return _ordinal_paragraph(clauses)


def team(parts: list[dict], facts: dict, changes: dict, talks, doc: Document, talks_text: str) -> str:
    clauses = []
    if changes["admitted"] or changes["confirmed"]:
        clauses.append(f"严格党员发展程序，接收预备党员 {doc.fig('members.admitted', changes['admitted'])} 名、"
                       f"预备党员转正 {doc.fig('members.confirmed', changes['confirmed'])} 名")
    if talks_text:
        clauses.append(talks_text)
    posts = facts.get("posts", [])
    if posts:
        kinds = Counter(p["kind"] for p in posts)
        text = "开展党员先锋岗、责任区创建，设立" + "、".join(f"{k} {n} 个" for k, n in kinds.items())
        examples = list({p["branch"]: p for p in posts}.values())[:EXAMPLES]
        text += "，如" + "、".join(f"{p['branch']}“{p['name']}”" + (f"（{'、'.join(p['holders'][:3])}）"
                                                                  if p["holders"] else "") for p in examples)
        clauses.append(text)
    honours = facts.get("member_honours", [])
    if honours:
        shown = honours[:EXAMPLES]
        clauses.append(f"党员获个人荣誉 {len(honours)} 项，" + "、".join(
            f"{h['branch']}{h['member']}获{h['level']}“{h['title']}”" for h in shown) + ("等" if len(honours) > len(shown)
                                                                                     else ""))
    return _ordinal_paragraph(clauses)


def role(facts: dict, doc: Document, practice: dict | None) -> str:
    clauses = []
    brands = facts.get("brands", [])
    if brands:
        _practice_value(practice, "role", "brands", doc)
        matrices = [b for b in brands if b["children"]]
        text = f"打造党建品牌，所属党组织创建主品牌 {len(brands)} 个"
        if matrices:
            text += "，" + "；".join(
                f"{b['branch']}“{b['name']}”形成“1+{len(b['children'])}”品牌矩阵，下设"
                + "".join(f"“{c}”" for c in b["children"][:3]) + ("等" if len(b["children"]) > 3 else "") + "子品牌"
                for b in matrices[:2])
        else:
            text += "，如" + "、".join(f"{b['branch']}“{b['name']}”" for b in brands[:EXAMPLES])
        clauses.append(text)
    recognitions = facts.get("recognitions", [])
    if recognitions:
        clauses.append("品牌创建取得成效，" + "、".join(
            f"{r['branch']}“{r['brand']}”获评{r['level']}{r['title']}" for r in recognitions[:EXAMPLES])
            + ("等" if len(recognitions) > EXAMPLES else ""))
    honours = facts.get("org_honours", [])
    if honours:
        clauses.append("创先争优，" + "、".join(f"{h['branch']}获{h['level']}“{h['title']}”" for h in honours[:EXAMPLES])
                       + (f"等，共 {len(honours)} 项集体荣誉" if len(honours) > EXAMPLES else ""))
    return _ordinal_paragraph(clauses)


def rating(four_strong: list[dict], evaluated: list[dict], facts: dict) -> str:
    """The 四强 named (best scores first) and the year's rechecks."""
    clauses = []
    if four_strong:
        best = sorted(four_strong, key=lambda p: (-(p.get("total") or 0), p["path"]))
        clauses.append(f"{names(best)}获评“四强”党支部" + (f"，其中{best[0]['name']}综合得分最高（{best[0]['total']:.1f} 分）"
                                                      if len(best) > 1 and best[0].get("total") is not None else ""))
    elif evaluated:
        clauses.append("在所采用的评星定级结果中，尚无党支部获评“四强”党支部")
    rechecks = facts.get("rechecks", [])
    if rechecks:
        kept = [r for r in rechecks if r["four_strong"]]
        clauses.append(f"开展评星定级复查复核，复核党支部 {len(rechecks)} 个"
                       + (f"，{names(kept, 'branch')}保持“四强”党支部称号" if kept else ""))
    return _ordinal_paragraph(clauses)


def problems(parts: list[dict], rect: dict | None, practice: dict | None, evaluated: list[dict],
             doc: Document) -> list[str]:
    """存在的问题, each with the branches it concerns; nothing listed that the rows do not show."""
    out = []
    low = sorted((p for p in parts if p.get("completion") is not None and p["completion"] < 0.8),
                 key=lambda p: (p["completion"], p["path"]))
    short = [p for p in parts if p.get("completion") is not None and 0.8 <= p["completion"] < 1]
    if low:
        out.append(f"组织生活落实不平衡，{names(low)} {doc.fig('committee.branches_low', len(low))} 个党支部“三会一课”完成率低于 80%"
                   + f"（最低 {pct(low[0]['completion'])}）")
    elif short:
        out.append(f"{names(short)} {len(short)} 个党支部“三会一课”仍有缺开的考核窗口")
    absent = sorted((p for p in parts if p.get("attendance") is not None and p["attendance"] < 0.8),
                    key=lambda p: (p["attendance"], p["path"]))
    if absent:
        lowest = pct(absent[0]["attendance"])
        out.append(f"{names(absent)}组织生活出席率低于 80%（" + (f"最低 {lowest}" if len(absent) > 1 else lowest)
                   + "），党员参加组织生活不够经常")
    talks = [p for p in parts if p.get("talks") is not None and p["talks"] < 0.8]
    if talks:
        out.append(f"谈心谈话覆盖不全，{names(talks)} {len(talks)} 个党支部年内谈心谈话覆盖率低于 80%")
    overdue_terms = [p for p in parts if p.get("term_overdue")]
    if overdue_terms:
        out.append(f"{names(overdue_terms)}支部委员会任期届满未按期换届")
    weak_stars = [p for p in evaluated if p.get("stars") is not None and p["stars"] <= 2]
    if weak_stars:
        out.append(f"{names(weak_stars)} {len(weak_stars)} 个党支部评定为二星及以下，基础工作薄弱")
    if rect and rect.get("overdue"):
        branches = list(dict.fromkeys(r["organization"] for r in rect["rows"] if r["state"] == "已逾期"))
        out.append(f"整改落实不到位，{names(branches)}有 {rect['overdue']} 项整改事项超过整改期限仍未销号")
    coverage = next((f["value"] for f in ((practice or {}).get("leadership") or {}).get("figures", [])
                     if f["key"] == "secretary_training_coverage"), None)
    if coverage is not None and 0 < coverage < 1 and parts:
        out.append(f"党支部书记培训覆盖率为 {pct(coverage)}，尚未实现全覆盖")
    return out


def next_steps(plan_lines: list[str], parts: list[dict], rect: dict | None, evaluated: list[dict],
               four_strong: list[dict]) -> list[str]:
    """下一步工作: the committee's own plan first, then one measure per problem found."""
    out = list(plan_lines)
    low = [p for p in parts if p.get("completion") is not None and p["completion"] < 1]
    if low:
        out.append(f"督促{names(low)}补齐“三会一课”缺开的考核窗口，按月跟踪组织生活记录")
    if any(p.get("attendance") is not None and p["attendance"] < 0.8 for p in parts):
        out.append("对出席率偏低的党支部，核实缺席原因，落实请假和补学制度")
    if any(p.get("talks") is not None and p["talks"] < 0.8 for p in parts):
        out.append("对年内尚未谈心谈话的党员逐一安排谈话，实现谈心谈话全覆盖")
    overdue_terms = [p for p in parts if p.get("term_overdue")]
    if overdue_terms:
        out.append(f"指导{names(overdue_terms)}尽快完成换届选举")
    if rect and rect.get("open"):
        out.append(f"对 {rect['open']} 项未销号的整改事项明确责任人和时限，完成一项销号一项")
    weak = [p for p in evaluated if p.get("stars") is not None and p["stars"] <= 3 and not p.get("four_strong")]
    if weak:
        out.append(f"对{names(weak)}{'' if len(weak) > EXAMPLES else '等'}三星及以下党支部开展结对帮扶，推动晋位升级")
    if four_strong:
        out.append(f"总结推广{names(four_strong)}{'' if len(four_strong) > EXAMPLES else '等'}“四强”党支部的经验做法")
    return out


