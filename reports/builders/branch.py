"""Branch reports: 组织生活情况 (month / quarter), 年度党支部工作报告, 书记抓党建述职报告 skeleton."""
from __future__ import annotations

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


def _org_life_section(sid: str, title: str, ctx: BuildContext, life: dict | None, rates: dict | None) -> Section:
    section = Section(sid, title)
    if life is None:
        section.empty = sources.UNAVAILABLE["orglife"]
        return section
    rate = life["rate"]
    section.paragraphs.append(
        f"{ctx.period.label}，按组织生活制度应开展“三会一课”及主题党日等活动 {life['required']} 次，"
        f"计入完成的 {life['held']} 次，完成率 {pct(rate)}。" + (
            f"党员参加组织生活出席率 {pct(rates['attendance'])}，年内谈心谈话覆盖 {pct(rates['talks'])} 的党员。"
            if rates else ""))
    missing = [t for t in life["types"] if t["state"] == "未达标"]
    if missing:
        section.paragraphs.append("未达到规定次数的有：" + "、".join(
            f"{t['name']}（应 {t['required']} 次，实 {t['held']} 次）" for t in missing) + "，需在下一期间补齐。")
    section.tables.append(Table(
        f"{sid}-types", "组织生活按类型开展情况",
        [Col("活动类型", "name", width=20), Col("应开展（次）", "required", "int"), Col("实际开展（次）", "held", "int"),
         Col("计入完成（次）", "credited", "int"), Col("差额（次）", "missing", "int"), Col("状态", "state", width=9)],
        [dict(t, _highlight="state" if t["state"] == "未达标" else None) for t in life["types"]],
        sheet="组织生活按类型"))
    if life["months"] and any(r or h for _, r, h in life["months"]):
        section.figures.append(Figure(held_required_chart(life["months"]), "“三会一课”及主题党日应开展与已开展次数（按月）"))
    return section


def _practice_block(section: Section, summary: dict | None, key: str, *, items: bool = True) -> None:
    if summary is None:
        section.paragraphs.append(sources.UNAVAILABLE["practice"])
        return
    part = summary.get(key) or {}
    figures = [f for f in part.get("figures", []) if f.get("value") not in (None, "")]
    if figures:
        text = "；".join(f"{f['label']}{_figure_value(f)}" for f in figures[:6])
        section.paragraphs.append(f"实践记录显示：{text}。")
        section.tables.append(Table(
            f"{section.id}-practice", f"{part.get('label', '')}相关工作数据",
            [Col("项目", "label", width=28), Col("数值", "text", width=16)],
            [{"label": f["label"], "text": _figure_value(f)} for f in figures],
            sheet=f"{part.get('label', key)}数据"))
    if items and part.get("items"):
        section.items.extend(part["items"][:15])


def _figure_value(f: dict) -> str:
    if f.get("unit") == "%":
        return pct(f["value"])
    value = f["value"]
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} {f.get('unit', '')}".strip()


def _rectification_section(sid: str, title: str, rect: dict | None) -> Section:
    section = Section(sid, title)
    if rect is None:
        section.empty = sources.UNAVAILABLE["evaluations"]
        return section
    if not rect["rows"]:
        section.paragraphs.append("本期间没有需要整改的问题。")
        return section
    counts = rect["counts"]
    section.paragraphs.append(
        f"本期间涉及整改事项 {rect['total']} 项，其中" + "、".join(f"{k} {v} 项" for k, v in sorted(counts.items()))
        + "。对已逾期事项，支部明确责任人和完成时限，逐项跟踪销号。")
    section.tables.append(Table(
        f"{sid}-table", "整改事项清单",
        [Col("问题", "problem", width=36), Col("整改要求", "requirement", width=36), Col("责任人", "responsible", width=10),
         Col("期限", "due_on", "date"), Col("来源", "source", width=10), Col("状态", "state", width=9)],
        [dict(r, _highlight="state" if r["state"] == "已逾期" else None) for r in rect["rows"]],
        sheet="整改事项"))
    return section


def _overview_stats(members: dict, life: dict | None, rates: dict | None, result: dict | None) -> list:
    stats = [(num(members["total"]), "党员（名）")]
    if life is not None:
        stats.append((pct(life["rate"]), "三会一课完成率"))
    if rates is not None:
        stats.append((pct(rates["attendance"]), "组织生活出席率"))
        stats.append((pct(rates["talks"]), "谈心谈话覆盖率"))
    if result:
        stats.append((format_value(result["stars"], "stars") if result["stars"] else "未定级", "星级"))
    return stats


# --- 组织生活情况 (monthly / quarterly) ------------------------------------------------------------------------------


def build_branch_periodic(ctx: BuildContext) -> Document:
    org, period = ctx.org, ctx.period
    ctx.step(10, "读取组织生活记录")
    life = sources.org_life_table(branch=org, period=period)
    rates_all = sources.org_life_rates(branch_ids=[org.pk], period=period)
    rates = rates_all.get(org.pk) if rates_all else None
    ctx.step(35, "读取党员与班子情况")
    members = sources.member_structure(org=org, on=period.end)
    changes = sources.member_changes(org=org, period=period)
    com = sources.committee(branch=org, on=ctx.today)
    records = sources.activities(branch=org, period=period)
    ctx.step(55, "整理报告内容")

    title = f"{period.label}组织生活情况报告"
    doc = Document(**_cover(title, ctx, [("党组织", org.name), ("支部书记", com["secretary"] or "（未登记）")]))
    overview = Section("overview", _heading(1, "基本情况"))
    overview.paragraphs.append(
        f"{org.name}现有党员 {members['total']} 名，其中正式党员 {members['full']} 名、预备党员 {members['probationary']} 名。"
        + (f"支部委员会现有委员 {len(com['seats'])} 名，书记为{com['secretary']}。" if com["seats"] else "尚未登记支部委员会。"))
    overview.stats = _overview_stats(members, life, rates, None)
    doc.sections.append(overview)
    doc.sections.append(_org_life_section("orglife", _heading(2, "“三会一课”及主题党日开展情况"), ctx, life, rates))

    rec = Section("records", _heading(3, "组织生活记录"))
    if records is None:
        rec.empty = sources.UNAVAILABLE["orglife"]
    else:
        rec.paragraphs.append(f"本期间共提交组织生活记录 {len(records)} 条。" if records else "本期间没有已提交的组织生活记录。")
        rec.tables.append(Table("records-table", "组织生活记录明细",
                                [Col("日期", "date", "date"), Col("类型", "type", width=16), Col("主题", "title", width=40),
                                 Col("出席（人）", "present", "int"), Col("应到（人）", "expected", "int"),
                                 Col("出席率", "rate", "percent")], records, sheet="组织生活记录"))
    doc.sections.append(rec)
    doc.sections.append(_changes_section("changes", _heading(4, "党员队伍变化"), changes))

    attention = Section("attention", _heading(5, "需要关注的问题"))
    issues = [f"{t['name']}未达到规定次数（应 {t['required']} 次，实 {t['held']} 次）"
              for t in (life or {}).get("types", []) if t["state"] == "未达标"]
    issues += com["warnings"]
    if rates and rates["attendance"] is not None and rates["attendance"] < 0.8 and records:
        issues.append(f"组织生活出席率为 {pct(rates['attendance'])}，低于 80%")
    attention.items = issues
    attention.paragraphs.append("本期间未发现需要提醒的问题。" if not issues else "请支部委员会研究以下事项，明确措施和时限：")
    doc.sections.append(attention)
    _summary_figures(doc, members, life, rates)
    return doc.number()


def _changes_section(sid: str, title: str, changes: dict) -> Section:
    section = Section(sid, title)
    kinds = "、".join(f"{k} {v} 人次" for k, v in changes["by_kind"]) or "无组织关系变动"
    section.paragraphs.append(
        f"本期间发展（接收预备党员）{changes['admitted']} 名，预备党员转正 {changes['confirmed']} 名；组织关系变动：{kinds}。")
    if changes["moves"]:
        section.tables.append(Table(f"{sid}-moves", "组织关系变动明细",
                                    [Col("日期", "date", "date"), Col("姓名", "member"), Col("类型", "kind"),
                                     Col("原组织", "from", width=28), Col("新组织", "to", width=28)],
                                    changes["moves"], sheet="组织关系变动"))
    return section


def _summary_figures(doc: Document, members: dict, life: dict | None, rates: dict | None) -> None:
    doc.text_figure("基本情况", "党员总数", members["total"], "int")
    doc.text_figure("基本情况", "正式党员", members["full"], "int")
    doc.text_figure("基本情况", "预备党员", members["probationary"], "int")
    if life is not None:
        doc.text_figure("组织生活", "应开展（次）", life["required"], "int")
        doc.text_figure("组织生活", "计入完成（次）", life["held"], "int")
        doc.text_figure("组织生活", "三会一课完成率", life["rate"], "percent")
    if rates is not None:
        doc.text_figure("组织生活", "出席率", rates["attendance"], "percent")
        doc.text_figure("组织生活", "谈心谈话覆盖率", rates["talks"], "percent")


# --- 年度党支部工作报告 -------------------------------------------------------------------------------------------


def build_branch_annual(ctx: BuildContext) -> Document:
    org, period = ctx.org, ctx.period
    ctx.step(10, "读取组织生活记录")
    life = sources.org_life_table(branch=org, period=period)
    rates_all = sources.org_life_rates(branch_ids=[org.pk], period=period)
    rates = rates_all.get(org.pk) if rates_all else None
    ctx.step(30, "读取党员、班子与评星结果")
    members = sources.member_structure(org=org, on=period.end)
    changes = sources.member_changes(org=org, period=period)
    com = sources.committee(branch=org, on=ctx.today)
    results = sources.evaluation_results(branch_ids=[org.pk], year=period.year)
    result = results.get(org.pk) if results else None
    rect = sources.rectifications(org=org, period=period, today=ctx.today)
    ctx.step(45, "读取党建实践记录")
    practice = sources.practice_branch(branch=org, period=period)
    ctx.step(60, "整理报告内容")

    doc = Document(**_cover(f"{period.year}年度党支部工作报告", ctx,
                            [("党组织", org.name), ("支部书记", com["secretary"] or "（未登记）")]))
    overview = Section("overview", _heading(1, "基本情况"))
    overview.paragraphs.append(
        f"{period.year}年，{org.name}围绕“四强”党支部建设目标，落实组织生活制度，加强党员教育管理，"
        f"推动党建工作与业务工作融合。支部现有党员 {members['total']} 名，其中正式党员 {members['full']} 名、"
        f"预备党员 {members['probationary']} 名。")
    if result:
        overview.paragraphs.append(
            f"在{result['cycle']}中，支部综合得分 {format_value(result['total'], 'decimal')} 分，评定为"
            f"{sources.STAR_LABELS.get(result['stars'], '未定级')}党支部" + ("，并获评“四强”党支部。" if result["four_strong"] else "。"))
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

    # 一 per criterion
    political = _org_life_section("political", _heading(2, "政治功能强"), ctx, life, rates)
    _practice_block(political, practice, "political")
    doc.sections.append(political)

    leadership = Section("leadership", _heading(3, "支部班子强"))
    if com["seats"]:
        term = com["term"]
        leadership.paragraphs.append(
            f"本届支部委员会于 {term.started_on:%Y年%m月} 选举产生，届满日期为 {term.ends_on:%Y年%m月%d日}，"
            f"现有委员 {len(com['seats'])} 名。")
        leadership.tables.append(Table("leadership-seats", "支部委员会组成",
                                       [Col("职务", "role"), Col("姓名", "name"), Col("任职日期", "since", "date")],
                                       com["seats"], sheet="支部委员会"))
    else:
        leadership.paragraphs.append("支部尚未登记委员会及书记，请在组织架构中补充。")
    if com["warnings"]:
        leadership.items.extend(com["warnings"])
    _practice_block(leadership, practice, "leadership")
    doc.sections.append(leadership)

    members_section = Section("members", _heading(4, "党员队伍强"))
    members_section.paragraphs.append(
        f"年内发展（接收预备党员）{changes['admitted']} 名，预备党员按期转正 {changes['confirmed']} 名。"
        + (f"谈心谈话覆盖 {pct(rates['talks'])} 的党员。" if rates else ""))
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
    _practice_block(members_section, practice, "members")
    doc.sections.append(members_section)

    role = Section("role", _heading(5, "作用发挥强"))
    _practice_block(role, practice, "role")
    doc.sections.append(role)

    ctx.step(70, "整理整改与计划")
    doc.sections.append(_rectification_section("rectification", _heading(6, "整改落实情况"), rect))
    plan = Section("plan", _heading(7, f"{period.year + 1}年工作计划"))
    lines = ctx.plan.plan_lines() if ctx.plan else []
    if lines:
        plan.items = lines
    else:
        plan.empty = "支部书记尚未填写下一年度工作计划（在报告页面“填报内容”中填写后重新生成）。"
    doc.sections.append(plan)
    _summary_figures(doc, members, life, rates)
    if result:
        doc.text_figure("评星定级", "星级", result["stars"], "int")
        doc.text_figure("评星定级", "综合得分", result["total"], "decimal")
        doc.text_figure("评星定级", "四强党支部", "是" if result["four_strong"] else "否")
    return doc.number()


# --- 书记抓党建述职报告 (skeleton) ----------------------------------------------------------------------------------


def build_secretary_duty(ctx: BuildContext) -> Document:
    org, period = ctx.org, ctx.period
    ctx.step(10, "读取支部工作数据")
    life = sources.org_life_table(branch=org, period=period)
    rates_all = sources.org_life_rates(branch_ids=[org.pk], period=period)
    rates = rates_all.get(org.pk) if rates_all else None
    members = sources.member_structure(org=org, on=period.end)
    changes = sources.member_changes(org=org, period=period)
    com = sources.committee(branch=org, on=ctx.today)
    rect = sources.rectifications(org=org, period=period, today=ctx.today)
    practice = sources.practice_branch(branch=org, period=period)
    ctx.step(55, "整理述职提纲")
    secretary = com["secretary"] or "（书记姓名）"
    doc = Document(**_cover(f"{period.year}年度党支部书记抓党建工作述职报告", ctx,
                            [("党组织", org.name), ("述职人", secretary)]))
    doc.subtitle = f"{period.label}（述职提纲，由系统数据生成，请书记补充完善）"

    duty = Section("duty", _heading(1, "履行党建工作第一责任人职责情况"))
    duty.paragraphs.append(
        f"本人担任{org.name}书记，{period.year}年认真履行抓党建第一责任人职责。支部现有党员 {members['total']} 名，"
        f"年内发展党员 {changes['admitted']} 名、转正 {changes['confirmed']} 名。")
    if life is not None:
        duty.paragraphs.append(
            f"全年应开展“三会一课”及主题党日 {life['required']} 次，计入完成 {life['held']} 次，完成率 {pct(life['rate'])}"
            + (f"；出席率 {pct(rates['attendance'])}，谈心谈话覆盖率 {pct(rates['talks'])}。" if rates else "。"))
    else:
        duty.empty = sources.UNAVAILABLE["orglife"]
    facts = sources.orglife_facts(branch=org, period=period)
    if facts is not None:
        duty.paragraphs.append(
            f"全年落实“第一议题”制度 {facts['first_topic']} 次；书记、党员领导干部讲党课 {facts['leader_lectures']} 次；"
            f"领导干部参加双重组织生活 {facts['dual_life']} 人次（{facts['dual_life_cadres']} 人）。")
    duty.items = ["（请补充：研究部署党建工作、落实“第一议题”制度的情况）",
                  "（请补充：带头讲党课、参加双重组织生活的情况）"]
    duty.stats = _overview_stats(members, life, rates, None)
    doc.sections.append(duty)

    practice_section = Section("practice", _heading(2, "抓“四强”党支部建设的主要做法"))
    for index, (key, label) in enumerate(CRITERIA, 1):
        child = Section(f"practice-{key}", f"（{CN_NUM[index - 1]}）{label}")
        _practice_block(child, practice, key, items=True)
        child.items.append(f"（请补充：{label}方面的主要措施和成效）")
        practice_section.children.append(child)
    doc.sections.append(practice_section)

    problems = Section("problems", _heading(3, "存在的问题及原因分析"))
    listed = [f"{t['name']}未达到规定次数（应 {t['required']} 次，实 {t['held']} 次）"
              for t in (life or {}).get("types", []) if t["state"] == "未达标"]
    listed += com["warnings"]
    if rect:
        listed += [f"{r['problem']}（{r['state']}，期限 {r['due_on']:%Y-%m-%d}）" for r in rect["rows"]
                   if r["state"] != "已销号"][:10]
    problems.items = listed + ["（请补充：问题产生的主观原因分析）"]
    doc.sections.append(problems)

    plan = Section("plan", _heading(4, "下一步工作打算"))
    lines = ctx.plan.plan_lines() if ctx.plan else []
    plan.items = lines or ["（请补充：下一年度抓党建工作的思路和重点措施）"]
    doc.sections.append(plan)
    _summary_figures(doc, members, life, rates)
    return doc.number()


__all__ = ["BuildContext", "build_branch_periodic", "build_branch_annual", "build_secretary_duty", "NO_DATA"]
