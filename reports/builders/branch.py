"""Branch reports: 组织生活情况 (month / quarter), 年度党支部工作报告, 书记抓党建述职报告 skeleton."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from reports import sources
from reports.periods import ReportPeriod
from reports.rendering import charts

from .common import NO_DATA, held_required_chart, num, pct, radar
from .document import Col, Document, Figure, Section, Table, format_value

CRITERIA = sources.CRITERIA
CN_NUM = "一二三四五六七八九十"


@dataclass
class BuildContext:
    org: object
    period: ReportPeriod
    today: date
    progress: object  # callable(percent, stage)
    plan: object = None  # reports.models.ReportPlan or None

    @property
    def as_of(self) -> date:
        """State-like figures (members, committee, open 整改) are taken at the period's end, or today if earlier."""
        return min(self.period.end, self.today)

    def step(self, percent: int, stage: str) -> None:
        if self.progress:
            self.progress(percent, stage)


def _heading(n: int, text: str) -> str:
    return f"{CN_NUM[n - 1]}、{text}"


def _cover(doc_title: str, ctx: BuildContext, extra: list[tuple[str, str]] | None = None) -> dict:
    return {
        "title": doc_title,
        "organization": ctx.org.name,
        "subtitle": ctx.period.label,
        "cover_meta": [("报告期间", f"{ctx.period.start:%Y年%m月%d日}至{ctx.period.end:%Y年%m月%d日}"),
                       *(extra or []), ("编制日期", f"{ctx.today:%Y年%m月%d日}")],
    }


# --- shared sections -----------------------------------------------------------------------------------------


def _org_life_section(sid: str, title: str, ctx: BuildContext, life: dict | None, rates: dict | None,
                      doc: Document) -> Section:
    section = Section(sid, title)
    if life is None:
        section.empty = sources.UNAVAILABLE["orglife"]
        return section
    if life["required"]:
        section.paragraphs.append(
            f"{ctx.period.label}，按组织生活制度应开展“三会一课”及主题党日 {doc.fig('orglife.required', life['required'])} 次，"
            f"计入完成 {doc.fig('orglife.credited', life['held'])} 次，"
            f"完成率 {doc.fig('orglife.completion_rate', life['rate'])}。")
    else:
        section.paragraphs.append(f"{ctx.period.label}内没有到期的“三会一课”及主题党日频次要求。")
    section.paragraphs.extend(_rates_sentences(rates, life, doc))
    missing = [t for t in life["types"] if t["state"] == "未达标"]
    if missing:
        section.paragraphs.append("未达到规定次数的有：" + "；".join(_shortfall(t, doc) for t in missing) + "。")
    for t in life["types"]:
        doc.fig("orglife.type_required", t["required"], param=t["code"])
        doc.fig("orglife.type_credited", t["credited"], param=t["code"])
        doc.fig("orglife.type_records", t["held"], param=t["code"])
    section.tables.append(Table(
        f"{sid}-types", "组织生活按类型开展情况",
        [Col("活动类型", "name", width=20), Col("应开展（次）", "required", "int"), Col("计入完成（次）", "credited", "int"),
         Col("实际开展（次）", "held", "int"), Col("差额（次）", "missing", "int"), Col("状态", "state", width=9)],
        [dict(t, _highlight="state" if t["state"] == "未达标" else None) for t in life["types"]],
        sheet="组织生活按类型", note="谈心谈话一行为应谈、已谈党员人数；每个考核窗口最多计入规定次数，多开的不抵补其他窗口。"))
    if life["months"] and any(r or h for _, r, h in life["months"]):
        section.figures.append(Figure(held_required_chart(life["months"]), "“三会一课”及主题党日应开展与计入完成次数（按考核窗口结束月份）"))
    return section


def _shortfall(t: dict, doc: Document) -> str:
    text = f"{t['name']}应开展 {t['required']} 次、计入完成 {t['credited']} 次"
    if t["held"] != t["credited"]:
        text += f"（实际开展 {t['held']} 次，多开的不抵补其他考核窗口）"
    if t["short_windows"]:
        text += "，" + "、".join(t["short_windows"]) + "未达到规定次数"
    return text


def _rates_sentences(rates: dict | None, life: dict | None, doc: Document) -> list[str]:
    """Attendance only when records were kept; 谈心谈话 coverage with its base."""
    if not rates:
        return []
    out = []
    if rates.get("attendance") is not None:
        out.append(f"党员参加组织生活出席率 {doc.fig('orglife.attendance_rate', rates['attendance'], summary='组织生活')}。")
    if rates.get("talks") is not None:
        text = f"年内谈心谈话覆盖 {doc.fig('orglife.talk_coverage', rates['talks'], summary='组织生活')} 的党员"
        text += f"（期末在册党员 {rates['talk_base']} 名，已谈 {rates['talked']} 名）"
        out.append(text + "。")
    return out


def _lead(section: Section, paragraph: str, first: bool = True) -> None:
    if paragraph:
        if first:
            section.paragraphs.insert(0, paragraph)
        else:
            section.paragraphs.append(paragraph)


def _practice_block(section: Section, summary: dict | None, key: str, *, items: bool = True,
                    doc: Document | None = None, skip_items: int = 0) -> None:
    if summary is None:
        section.paragraphs.append(sources.UNAVAILABLE["practice"])
        return
    part = summary.get(key) or {}
    figures = [f for f in part.get("figures", []) if f.get("value") not in (None, "")]
    if doc is not None:
        for f in figures:
            doc.fig("practice.metric", f["value"], param=f["key"])
    if figures:
        text = "；".join(f"{f['label']}{_figure_value(f)}" for f in figures[:6])
        section.paragraphs.append(f"实践记录显示：{text}。")
        section.tables.append(Table(
            f"{section.id}-practice", f"{part.get('label', '')}相关工作数据",
            [Col("项目", "label", width=28), Col("数值", "text", width=16)],
            [{"label": f["label"], "text": _figure_value(f)} for f in figures],
            sheet=f"{part.get('label', key)}数据"))
    if items and part.get("items"):
        section.items.extend(part["items"][skip_items:skip_items + 15])


def _figure_value(f: dict) -> str:
    if f.get("unit") == "%":
        return pct(f["value"])
    value = f["value"]
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} {f.get('unit', '')}".strip()


ORDINALS = "一二三四五六七八"


def _ordinal_paragraph(facts: list[str]) -> str:
    """"一是……；二是……。" from facts, each a clause taken from the records (nothing when there are none)."""
    facts = [f.rstrip("。；") for f in facts if f]
    if not facts:
        return ""
    if len(facts) == 1:
        return facts[0] + "。"
    return "；".join(f"{ORDINALS[i]}是{f}" for i, f in enumerate(facts[:len(ORDINALS)])) + "。"


def _held(life: dict | None, code: str) -> dict | None:
    return next((t for t in (life or {}).get("types", []) if t["code"] == code and t["held"]), None)


def _narrative(key: str, *, life, facts, practice, doc: Document, com: dict | None = None,
               changes: dict | None = None, rates: dict | None = None) -> tuple[str, int]:
    """The criterion's 一是/二是 paragraph from the records, and how many practice items it already names."""
    clauses: list[str] = []
    items = list(((practice or {}).get(key) or {}).get("items", []))
    used = 0
    if key == "political":
        meetings = [(t, n) for code, n in (("general_meeting", "召开支部党员大会"), ("group_meeting", "召开党小组会"),
                                           ("theme_day", "开展主题党日")) if (t := _held(life, code))]
        if meetings:
            clauses.append("落实“三会一课”制度，" + "、".join(
                f"{n} {doc.fig('orglife.type_records', t['held'], param=t['code'])} 次" for t, n in meetings))
        lectures = (facts or {}).get("lectures", [])
        if lectures:
            by_lecturer: dict[str, list[str]] = {}
            for lec in lectures:
                by_lecturer.setdefault(lec["lecturer"] or "", []).append(lec["title"])
            parts = []
            for lecturer, titles in by_lecturer.items():
                who = ("书记" if com and lecturer == com.get("secretary") else "") + lecturer if lecturer else "未登记授课人的"
                distinct = list(dict.fromkeys(t for t in titles if t))[:3]
                parts.append(f"{who}讲授党课 {len(titles)} 次" + (
                    "，题目包括" + "".join(f"“{t}”" for t in distinct) if distinct else ""))
            clauses.append("；".join(parts) if len(parts) == 1 else "，".join(parts))
        themes = list(dict.fromkeys(re.sub(r"^\d{1,2}月主题党日[：:]\s*", "", t["title"])
                                    for t in (facts or {}).get("theme_days", []) if t["title"]))[:3]
        if themes:
            clauses.append("围绕" + "、".join(f"“{t}”" for t in themes) + "等主题开展主题党日")
        first = (facts or {}).get("first_topics", [])
        if first:
            clauses.append(f"落实“第一议题”制度，{len(first)} 次支部委员会会议将学习“第一议题”列入议程")
    elif key == "leadership":
        committee_meetings = _held(life, "committee_meeting")
        if committee_meetings:
            clauses.append("支部委员会召开会议 "
                           f"{doc.fig('orglife.type_records', committee_meetings['held'], param='committee_meeting')} 次，"
                           "研究支部重要事项")
    elif key == "members" and changes is not None:
        if changes["admitted"] or changes["confirmed"]:
            clauses.append(f"发展党员 {changes['admitted']} 名、预备党员转正 {changes['confirmed']} 名")
        if rates and rates.get("talked"):
            clauses.append(f"与 {rates['talked']} 名党员开展谈心谈话")
    for item in items[:2]:
        clauses.append(item)
        used += 1
    return _ordinal_paragraph(clauses), used


def _rectification_section(sid: str, title: str, rect: dict | None, doc: Document) -> Section:
    section = Section(sid, title)
    if rect is None:
        section.empty = sources.UNAVAILABLE["evaluations"]
        return section
    if not rect["rows"]:
        doc.fig("rect.total", 0)
        section.paragraphs.append("本期间没有需要整改的问题。")
        return section
    text = (f"本期间涉及整改事项 {doc.fig('rect.total', rect['total'])} 项，截至{rect['as_of']:%Y年%m月%d日}"
            f"已销号 {doc.fig('rect.closed', rect['closed'])} 项、整改中 {doc.fig('rect.open', rect['open'])} 项")
    if rect["overdue"]:
        text += f"，其中超过整改期限 {doc.fig('rect.overdue', rect['overdue'])} 项，需明确责任人和完成时限"
    section.paragraphs.append(text + "。")
    section.tables.append(Table(
        f"{sid}-table", "整改事项清单",
        [Col("问题", "problem", width=34), Col("整改要求", "requirement", width=34), Col("责任人", "responsible", width=10),
         Col("期限", "due_on", "date", width=13), Col("来源", "source", width=10), Col("状态", "state", width=9)],
        [dict(r, _highlight="state" if r["state"] == "已逾期" else None) for r in rect["rows"]],
        sheet="整改事项"))
    return section


def _overview_stats(members: dict, life: dict | None, rates: dict | None, result: dict | None) -> list:
    """The stat boxes repeat figures the paragraphs print (recorded there), in the same format."""
    stats = [(num(members["total"]), "党员（名）")]
    if life is not None and life["rate"] is not None:
        stats.append((pct(life["rate"]), "三会一课完成率"))
    if rates is not None:
        if rates.get("attendance") is not None:
            stats.append((pct(rates["attendance"]), "组织生活出席率"))
        if rates.get("talks") is not None:
            stats.append((pct(rates["talks"]), "谈心谈话覆盖率"))
    if result:
        stats.append((format_value(result["stars"], "stars") if result["stars"] else "未定级", "星级"))
    return stats


def _members_sentence(org, members: dict, doc: Document, ctx: BuildContext) -> str:
    when = "" if ctx.as_of >= ctx.today else f"截至{ctx.as_of:%Y年%m月%d日}，"
    return (f"{when}{org.name}有党员 {doc.fig('members.total', members['total'], summary='基本情况')} 名，其中正式党员 "
            f"{doc.fig('members.full', members['full'], summary='基本情况')} 名、预备党员 "
            f"{doc.fig('members.probationary', members['probationary'], summary='基本情况')} 名。")


def _committee_sentence(com: dict, doc: Document) -> str:
    if not com["seats"]:
        return "未登记在任的支部委员会。"
    return (f"支部委员会在任委员 {doc.fig('committee.seats', len(com['seats']))} 名"
            + (f"，书记为{com['secretary']}。" if com["secretary"] else "。"))


def _life_summary(doc: Document, life: dict | None) -> None:
    if life is not None and life["required"]:
        doc.fig("orglife.required", life["required"], summary="组织生活")
        doc.fig("orglife.credited", life["held"], summary="组织生活")
        doc.fig("orglife.completion_rate", life["rate"], summary="组织生活")


# --- 组织生活情况 (monthly / quarterly) ------------------------------------------------------------------------------


def _load(ctx: BuildContext) -> dict:
    """What every branch report reads, as of the period's end: the same sources as the figure definitions."""
    org, period = ctx.org, ctx.period
    rows = sources.branch_compliance_rows(branch=org, period=period, today=ctx.today)
    life = sources.org_life_table(branch=org, period=period, today=ctx.today, compliance_rows=rows)
    rates_all = sources.org_life_rates(branch_ids=[org.pk], period=period, today=ctx.today, compliance_rows=rows)
    return {
        "life": life,
        "rates": rates_all.get(org.pk) if rates_all else None,
        "members": sources.member_structure(org=org, on=ctx.as_of),
        "changes": sources.member_changes(org=org, period=period),
        "com": sources.committee(branch=org, on=ctx.as_of, today=ctx.today),
    }


def build_branch_periodic(ctx: BuildContext) -> Document:
    org, period = ctx.org, ctx.period
    ctx.step(10, "读取组织生活记录")
    data = _load(ctx)
    life, rates, members, changes, com = (data[k] for k in ("life", "rates", "members", "changes", "com"))
    ctx.step(35, "读取党员与班子情况")
    records = sources.activities(branch=org, period=period)
    ctx.step(55, "整理报告内容")

    title = f"{period.label}组织生活情况报告"
    doc = Document(**_cover(title, ctx, [("党组织", org.name), ("支部书记", com["secretary"] or "（未登记）")])).bind(
        org, period)
    overview = Section("overview", _heading(1, "基本情况"))
    overview.paragraphs.append(_members_sentence(org, members, doc, ctx) + _committee_sentence(com, doc))
    overview.stats = _overview_stats(members, life, rates, None)
    doc.sections.append(overview)
    doc.sections.append(_org_life_section("orglife", _heading(2, "“三会一课”及主题党日开展情况"), ctx, life, rates, doc))

    rec = Section("records", _heading(3, "组织生活记录"))
    if records is None:
        rec.empty = sources.UNAVAILABLE["orglife"]
    else:
        rec.paragraphs.append(f"本期间共提交组织生活记录 {len(records)} 条。" if records else "本期间没有已提交的组织生活记录。")
        if records:
            rec.tables.append(Table("records-table", "组织生活记录明细",
                                    [Col("日期", "date", "date"), Col("类型", "type", width=16),
                                     Col("主题", "title", width=40), Col("出席（人）", "present", "int"),
                                     Col("应到（人）", "expected", "int"), Col("出席率", "rate", "percent")],
                                    records, sheet="组织生活记录"))
    doc.sections.append(rec)
    doc.sections.append(_changes_section("changes", _heading(4, "党员队伍变化"), changes, doc))

    attention = Section("attention", _heading(5, "需要关注的问题"))
    issues = _problems(life, rates, com, None)
    attention.items = issues
    attention.paragraphs.append("本期间未发现需要提醒的问题。" if not issues else "以下事项由系统根据记录列出，供支部委员会研究：")
    doc.sections.append(attention)
    _life_summary(doc, life)
    return doc.finish(_heading(6, "统计口径说明"))


def _problems(life: dict | None, rates: dict | None, com: dict, rect: dict | None) -> list[str]:
    """存在的问题 from the records: shortfalls, low attendance / coverage, structure warnings, open 整改."""
    issues = [f"{t['name']}未达到规定次数（应开展 {t['required']} 次，计入完成 {t['credited']} 次"
              + (f"，{'、'.join(t['short_windows'])}缺开" if t["short_windows"] else "") + "）"
              for t in (life or {}).get("types", []) if t["state"] == "未达标"]
    if rates and rates.get("attendance") is not None and rates["attendance"] < 0.8:
        issues.append(f"组织生活出席率为 {pct(rates['attendance'])}，低于 80%")
    if rates and rates.get("talk_base") and rates["talk_base"] > rates["talked"]:
        issues.append(f"期末在册党员中还有 {rates['talk_base'] - rates['talked']} 名年内未开展谈心谈话")
    issues += com["warnings"]
    if rect and rect["overdue"]:
        issues += [f"整改事项“{r['problem']}”已超过整改期限（{r['due_on']:%Y年%m月%d日}）" for r in rect["rows"]
                   if r["state"] == "已逾期"][:5]
    return issues


def _changes_section(sid: str, title: str, changes: dict, doc: Document) -> Section:
    section = Section(sid, title)
    kinds = "、".join(f"{k} {v} 人次" for k, v in changes["by_kind"]) or "无组织关系变动"
    section.paragraphs.append(
        f"本期间发展（接收预备党员）{doc.fig('members.admitted', changes['admitted'])} 名，"
        f"预备党员转正 {doc.fig('members.confirmed', changes['confirmed'])} 名；组织关系变动：{kinds}。")
    if changes["moves"]:
        section.tables.append(Table(f"{sid}-moves", "组织关系变动明细",
                                    [Col("日期", "date", "date"), Col("姓名", "member"), Col("类型", "kind"),
                                     Col("原组织", "from", width=28), Col("新组织", "to", width=28)],
                                    changes["moves"], sheet="组织关系变动"))
    return section


# --- 年度党支部工作报告 -------------------------------------------------------------------------------------------


def build_branch_annual(ctx: BuildContext) -> Document:
    org, period = ctx.org, ctx.period
    ctx.step(10, "读取组织生活记录")
    data = _load(ctx)
    life, rates, members, changes, com = (data[k] for k in ("life", "rates", "members", "changes", "com"))
    ctx.step(30, "读取党员、班子与评星结果")
    results = sources.evaluation_results(branch_ids=[org.pk], year=period.year)
    result = results.get(org.pk) if results else None
    rect = sources.rectifications(org=org, period=period, today=ctx.today)
    ctx.step(45, "读取党建实践记录")
    practice = sources.practice_branch(branch=org, period=period)
    ctx.step(60, "整理报告内容")

    doc = Document(**_cover(f"{period.year}年度党支部工作报告", ctx,
                            [("党组织", org.name), ("支部书记", com["secretary"] or "（未登记）")])).bind(org, period)
    overview = Section("overview", _heading(1, "基本情况"))
    overview.paragraphs.append(_members_sentence(org, members, doc, ctx) + _committee_sentence(com, doc))
    if result:
        overview.paragraphs.append(
            f"在{result['cycle']}中，支部综合得分 {doc.fig('evaluation.total', result['total'], summary='评星定级')} 分，"
            f"评定为{sources.STAR_LABELS.get(result['stars'], '未定级')}党支部"
            + ("，并获评“四强”党支部。" if result["four_strong"] else "。"))
        doc.fig("evaluation.stars", result["stars"], summary="评星定级")
        doc.fig("evaluation.four_strong", result["four_strong"], summary="评星定级")
    elif results is None:
        overview.paragraphs.append(sources.UNAVAILABLE["evaluations"])
    else:
        overview.paragraphs.append("本年度评星定级结果尚未发布。")
    if ctx.plan and ctx.plan.highlight_lines():
        overview.paragraphs.extend(ctx.plan.highlight_lines())
    overview.stats = _overview_stats(members, life, rates, result)
    if result and any(v is not None for v in result["criteria"].values()):
        overview.figures.append(Figure(radar(result["criteria"]), "“四强”各项得分率（%）"))
    doc.sections.append(overview)

    facts = sources.activity_facts(branch=org, period=period)
    narrative = {key: _narrative(key, life=life, facts=facts, practice=practice, doc=doc, com=com, changes=changes,
                            rates=rates)
                 for key, _ in CRITERIA}
    political = _org_life_section("political", _heading(2, "政治功能强"), ctx, life, rates, doc)
    _lead(political, narrative["political"][0])
    _practice_block(political, practice, "political", doc=doc, skip_items=narrative["political"][1])
    doc.sections.append(political)

    leadership = Section("leadership", _heading(3, "支部班子强"))
    if com["seats"]:
        term = com["term"]
        leadership.paragraphs.append(
            f"本届支部委员会于 {term.started_on:%Y年%m月} 选举产生，届满日期为 {term.ends_on:%Y年%m月%d日}，"
            f"{'期末' if ctx.as_of < ctx.today else '现'}在任委员 {doc.fig('committee.seats', len(com['seats']))} 名。")
        leadership.tables.append(Table("leadership-seats", "支部委员会组成",
                                       [Col("职务", "role"), Col("姓名", "name"), Col("任职日期", "since", "date")],
                                       com["seats"], sheet="支部委员会"))
    else:
        leadership.paragraphs.append("未登记在任的支部委员会及书记。")
    if com["warnings"]:
        leadership.items.extend(com["warnings"])
    _lead(leadership, narrative["leadership"][0], first=False)
    _practice_block(leadership, practice, "leadership", doc=doc, skip_items=narrative["leadership"][1])
    doc.sections.append(leadership)

    members_section = Section("members", _heading(4, "党员队伍强"))
    members_section.paragraphs.append(
        f"年内发展（接收预备党员）{doc.fig('members.admitted', changes['admitted'])} 名，"
        f"预备党员转正 {doc.fig('members.confirmed', changes['confirmed'])} 名。")
    members_section.tables.append(Table("members-structure", "党员队伍结构",
                                        [Col("类别", "label", width=22), Col("人数", "count", "int"),
                                         Col("占比", "share", "percent")], members["table"], sheet="党员结构"))
    if members["total"]:
        members_section.figures.append(Figure(
            charts.bar_chart([b for b, _ in members["age_bands"]], [n for _, n in members["age_bands"]], unit="",
                             width=560, height=220), "党员年龄结构（人）"))
    if changes["moves"]:
        members_section.tables.append(Table("members-moves", "组织关系变动明细",
                                            [Col("日期", "date", "date"), Col("姓名", "member"), Col("类型", "kind"),
                                             Col("原组织", "from", width=28), Col("新组织", "to", width=28)],
                                            changes["moves"], sheet="组织关系变动", pdf_limit=30))
    _lead(members_section, narrative["members"][0], first=False)
    _practice_block(members_section, practice, "members", doc=doc, skip_items=narrative["members"][1])
    doc.sections.append(members_section)

    role = Section("role", _heading(5, "作用发挥强"))
    _lead(role, narrative["role"][0])
    _practice_block(role, practice, "role", doc=doc, skip_items=narrative["role"][1])
    doc.sections.append(role)

    ctx.step(70, "整理整改与计划")
    doc.sections.append(_rectification_section("rectification", _heading(6, "整改落实情况"), rect, doc))
    problems = Section("problems", _heading(7, "存在的问题"))
    problems.items = _problems(life, rates, com, rect)
    if not problems.items:
        problems.paragraphs.append("系统记录中未发现未达标的组织生活、逾期整改或组织建设提醒。")
    doc.sections.append(problems)
    plan = Section("plan", _heading(8, f"{period.year + 1}年工作计划"))
    lines = ctx.plan.plan_lines() if ctx.plan else []
    if lines:
        plan.items = lines
    else:
        plan.empty = "支部书记尚未填写下一年度工作计划（在报告页面“填报内容”中填写后重新生成）。"
    doc.sections.append(plan)
    _life_summary(doc, life)
    return doc.finish(_heading(9, "统计口径说明"))


# --- 书记抓党建述职报告 ------------------------------------------------------------------------------------------


def build_secretary_duty(ctx: BuildContext) -> Document:
    org, period = ctx.org, ctx.period
    ctx.step(10, "读取支部工作数据")
    data = _load(ctx)
    life, rates, members, changes, com = (data[k] for k in ("life", "rates", "members", "changes", "com"))
    rect = sources.rectifications(org=org, period=period, today=ctx.today)
    practice = sources.practice_branch(branch=org, period=period)
    ctx.step(55, "整理述职提纲")
    secretary = com["secretary"] or "（书记姓名）"
    doc = Document(**_cover(f"{period.year}年度党支部书记抓党建工作述职报告", ctx,
                            [("党组织", org.name), ("述职人", secretary)])).bind(org, period)
    doc.subtitle = f"{period.label}（由系统记录生成的述职初稿）"

    duty = Section("duty", _heading(1, "履行党建工作第一责任人职责情况"))
    duty.paragraphs.append(
        f"本人担任{org.name}书记。{_members_sentence(org, members, doc, ctx)}"
        f"年内发展党员 {doc.fig('members.admitted', changes['admitted'])} 名、"
        f"预备党员转正 {doc.fig('members.confirmed', changes['confirmed'])} 名。")
    if life is not None:
        if life["required"]:
            duty.paragraphs.append(
                f"全年应开展“三会一课”及主题党日 {doc.fig('orglife.required', life['required'])} 次，"
                f"计入完成 {doc.fig('orglife.credited', life['held'])} 次，"
                f"完成率 {doc.fig('orglife.completion_rate', life['rate'])}。")
        duty.paragraphs.extend(_rates_sentences(rates, life, doc))
        facts_of_year = sources.orglife_facts(branch=org, period=period)   # orglife.selectors.orglife_facts
        if facts_of_year and any(facts_of_year.values()):
            duty.paragraphs.append(
                f"全年落实“第一议题”制度{facts_of_year['first_topic']}次；书记、党员领导干部讲党课{facts_of_year['leader_lectures']}次；"
                f"领导干部参加双重组织生活{facts_of_year['dual_life']}人次（{facts_of_year['dual_life_cadres']}人）。")
        led = [t for t in life["types"] if t["held"] and t["name"] in ("支部委员会会议", "党课", "主题党日")]
        if led:
            duty.items = [f"{t['name']}全年开展 {t['held']} 次" for t in led]
            for t in led:
                doc.fig("orglife.type_records", t["held"], param=t["code"])
    else:
        duty.empty = sources.UNAVAILABLE["orglife"]
    duty.stats = _overview_stats(members, life, rates, None)
    doc.sections.append(duty)

    practice_section = Section("practice", _heading(2, "抓“四强”党支部建设的主要做法"))
    facts = sources.activity_facts(branch=org, period=period)
    for index, (key, label) in enumerate(CRITERIA, 1):
        child = Section(f"practice-{key}", f"（{CN_NUM[index - 1]}）{label}")
        paragraph, used = _narrative(key, life=life, facts=facts, practice=practice, doc=doc, com=com, changes=changes,
                            rates=rates)
        _lead(child, paragraph)
        _practice_block(child, practice, key, items=True, doc=doc, skip_items=used)
        if not child.paragraphs and not child.items:
            child.items.append(f"（系统中没有{label}方面的记录，请补充主要措施和成效）")
        practice_section.children.append(child)
    doc.sections.append(practice_section)

    problems = Section("problems", _heading(3, "存在的问题及原因分析"))
    listed = _problems(life, rates, com, rect)
    if rect:
        listed += [f"整改事项“{r['problem']}”{r['state']}，期限 {r['due_on']:%Y年%m月%d日}" for r in rect["rows"]
                   if r["state"] == "整改中"][:10]
    problems.items = listed + ["（原因分析由述职人填写：系统记录只能反映问题，不能反映原因）"]
    doc.sections.append(problems)

    plan = Section("plan", _heading(4, "下一步工作打算"))
    lines = ctx.plan.plan_lines() if ctx.plan else []
    plan.items = lines or [f"针对{p}，明确措施和时限" for p in _problems(life, rates, com, rect)[:5]] or [
        "（请补充：下一年度抓党建工作的思路和重点措施）"]
    doc.sections.append(plan)
    _life_summary(doc, life)
    return doc.finish(_heading(5, "统计口径说明"))


__all__ = ["BuildContext", "build_branch_periodic", "build_branch_annual", "build_secretary_duty", "NO_DATA"]
