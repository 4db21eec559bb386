"""四强党支部建设工作汇报 for a 党委 / 党总支: statistics across its branches.

Built in two steps so the work can fan out over workers: `collect_parts` computes one dict of figures per
branch (a chunk of branches per task, every figure from the owning app's batched selector), and
`build_committee` assembles the summary from those rows plus subtree-wide figures.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from branches.models import Organization
from reports import sources

from . import committee_narrative as narrative
from .branch import CN_NUM, BuildContext, _ordinal_paragraph
from .common import avg, num, pct, radar, star_donut
from .document import Col, Document, Figure, Section, Table, format_value

CRITERIA = sources.CRITERIA
WEAK_COUNT = 10
TOP_COUNT = 10


def collect_parts(*, org, branch_ids: list[int], period, today) -> dict[int, dict]:
    """Figures for each branch of a chunk: a fixed number of queries whatever the chunk size."""

    branches = list(Organization.objects.filter(pk__in=branch_ids).only("pk", "name", "path", "depth"))
    group_paths = {b.path[: (org.depth + 1) * Organization.steplen] for b in branches if b.depth > org.depth + 1}
    groups = {path: (pk, name) for pk, path, name in
              Organization.objects.filter(path__in=group_paths).values_list("pk", "path", "name")}
    as_of = min(period.end, today)
    rates = sources.org_life_rates(branch_ids=branch_ids, period=period, today=today)
    structure = sources.committee_overview(branch_ids=branch_ids, on=as_of)
    results = sources.evaluation_results(branch_ids=branch_ids, year=period.year)
    rect = sources.rectification_counts(branch_ids=branch_ids, period=period, today=today)
    out = {}
    for b in branches:
        group_path = b.path[: (org.depth + 1) * Organization.steplen]
        gid, gname = groups.get(group_path, (None, "直属党支部")) if b.depth > org.depth + 1 else (None, "直属党支部")
        part = {"id": b.pk, "name": b.name, "path": b.path, "group": gname, "group_id": gid}
        part.update(structure.get(b.pk, {}))
        if rates is not None:
            part.update(rates.get(b.pk, {}))
        if results is not None:
            r = results.get(b.pk)
            part.update({"stars": r["stars"] if r else None, "four_strong": bool(r and r["four_strong"]),
                         "total": r["total"] if r else None, "criteria": r["criteria"] if r else None,
                         "evaluated": bool(r), "cycle": r["cycle"] if r else None,
                         "cycle_year": r["year"] if r else None})
        if rect is not None:
            part.update({f"rect_{k}": v for k, v in rect.get(b.pk, {}).items()})
        out[b.pk] = part
    return out


def results_source(evaluated: list[dict], year: int) -> str:
    """Which published cycle(s) the star figures come from, when not (only) the report's own year: a report on
    an unfinished year shows the latest published results and must say so."""
    cycles = sorted({(p["cycle_year"], p["cycle"]) for p in evaluated if p.get("cycle")})
    if not cycles or all(y == year for y, _ in cycles):
        return ""
    return "（星级结果采用最近公布的" + "、".join(name for _, name in cycles) + "结果）"


def _weakness(p: dict) -> tuple[float, list[str]]:
    """A composite (lower is weaker) and the reasons shown for the weakest branches."""
    reasons = []
    scores = []
    for key, label, floor in (("completion", "三会一课完成率", 0.9), ("attendance", "出席率", 0.8),
                              ("talks", "谈心谈话覆盖率", 0.8)):
        value = p.get(key)
        if value is not None:
            scores.append(value)
            if value < floor:
                reasons.append(f"{label} {pct(value)}")
    if p.get("total") is not None:
        scores.append(p["total"] / 100)
        if p.get("stars") is not None and p["stars"] <= 2:
            reasons.append(f"评定为{sources.STAR_LABELS.get(p['stars'], '未定级')}")
    if p.get("rect_overdue"):
        reasons.append(f"逾期整改 {p['rect_overdue']} 项")
    if p.get("term_overdue"):
        reasons.append("换届逾期")
    composite = (sum(scores) / len(scores) if scores else 1.0) - 0.05 * (p.get("rect_overdue") or 0) - (
        0.05 if p.get("term_overdue") else 0)
    return composite, reasons


def build_committee(ctx: BuildContext, parts: list[dict]) -> Document:
    org, period = ctx.org, ctx.period

    ctx.step(82, "汇总全体党支部数据")
    n = len(parts)
    orglife = any("completion" in p for p in parts) or (n == 0 and sources.has_orglife())
    evaluated = [p for p in parts if p.get("evaluated")]
    has_eval = any("evaluated" in p for p in parts) or (n == 0 and sources.has_evaluations())
    has_rect = any("rect_open" in p for p in parts) or (n == 0 and sources.has_evaluations())
    members = sources.member_structure(org=org, on=ctx.as_of)
    changes = sources.member_changes(org=org, period=period)
    practice = sources.practice_subtree(organizations_qs=Organization.objects.filter(pk=org.pk), period=period)
    rect = sources.rectifications(org=org, period=period, today=ctx.today)
    ctx.step(88, "整理报告内容")

    completion = avg(p.get("completion") for p in parts)
    attendance = avg(p.get("attendance") for p in parts)
    talks = avg(p.get("talks") for p in parts)
    stars = Counter(p.get("stars") for p in evaluated)
    four_strong = [p for p in evaluated if p.get("four_strong")]
    distribution = [(sources.STAR_LABELS[s], stars.get(s, 0)) for s in (5, 4, 3, 2, 1)]
    criteria_avg = {k: avg((p.get("criteria") or {}).get(k) for p in evaluated) for k, _ in CRITERIA}

    doc = Document(title=f"{period.year}年度“四强”党支部建设工作汇报", organization=org.name,
                   subtitle=f"{period.label} · 所属党支部 {n} 个", toc=True,
                   cover_meta=[("党组织", org.name), ("统计范围", f"所属党支部 {n} 个、党员 {members['total']} 名"),
                               ("报告期间", f"{period.start:%Y年%m月%d日}至{period.end:%Y年%m月%d日}"),
                               ("编制日期", f"{ctx.today:%Y年%m月%d日}")]).bind(org, period)
    heading = iter(CN_NUM)
    when = "" if ctx.as_of >= ctx.today else f"截至{ctx.as_of:%Y年%m月%d日}，"

    # 一、总体情况
    overview = Section("overview", f"{next(heading)}、总体情况")
    text = (f"{period.year}年，{org.name}以“四强”党支部建设为主线，推进党支部标准化规范化建设。"
            f"{when}所属党支部 {doc.fig('committee.branches', n, summary='总体情况')} 个，"
            f"党员 {doc.fig('members.total', members['total'], summary='总体情况')} 名（正式党员 "
            f"{doc.fig('members.full', members['full'])} 名、预备党员 {doc.fig('members.probationary', members['probationary'])} 名）。")
    if orglife and completion is not None:
        text += (f"各党支部“三会一课”平均完成率 {doc.fig('committee.avg_completion', completion, summary='组织生活')}"
                 + (f"，组织生活平均出席率 {doc.fig('committee.avg_attendance', attendance, summary='组织生活')}"
                    if attendance is not None else "") + "。")
    if has_eval:
        text += (f"有评星定级结果的党支部 {doc.fig('committee.evaluated', len(evaluated), summary='评星定级')} 个，其中“四强”党支部 "
                 f"{doc.fig('committee.four_strong', len(four_strong), summary='评星定级')} 个"
                 f"、五星党支部 {doc.fig('committee.stars', stars.get(5, 0), param=5)} 个{results_source(evaluated, period.year)}。"
                 if evaluated else "本年度评星定级结果尚未公布。")
    overview.paragraphs.append(text)
    overview.stats = [(num(n), "党支部（个）"), (num(members["total"]), "党员（名）")]
    if orglife and completion is not None:
        overview.stats.append((pct(completion), "三会一课平均完成率"))
    if has_eval and evaluated:
        overview.stats.append((num(len(four_strong)), "“四强”党支部"))
    if evaluated:
        overview.figure_row = True
        overview.figures.append(Figure(star_donut(distribution, f"{len(evaluated)}个"), "党支部星级分布"))
        if any(v is not None for v in criteria_avg.values()):
            overview.figures.append(Figure(radar(criteria_avg, name="平均得分率"), "“四强”四项平均得分率（%）"))
    doc.sections.append(overview)

    groups = _group_rows(parts)
    facts = sources.committee_facts(org=org, branch_ids=[p["id"] for p in parts], period=period)

    # 二、政治功能强
    political = Section("political", f"{next(heading)}、聚焦“政治功能强”")
    if not orglife:
        political.empty = sources.UNAVAILABLE["orglife"]
    else:
        paragraph = narrative.political(parts, facts, practice, doc)
        political.paragraphs.append(paragraph or "本期间没有到期的“三会一课”频次要求，也没有党课、主题党日记录。")
        political.tables.append(Table("political-groups", "各单位组织生活开展情况",
                                      [Col("单位", "group", width=28), Col("党支部（个）", "branches", "int"),
                                       Col("三会一课完成率", "completion", "percent"), Col("出席率", "attendance", "percent"),
                                       Col("谈心谈话覆盖率", "talks", "percent")], groups, sheet="各单位组织生活"))
    _practice(political, practice, "political", doc)
    doc.sections.append(political)

    # 三、支部班子强
    leadership = Section("leadership", f"{next(heading)}、聚焦“支部班子强”")
    with_committee = sum(1 for p in parts if (p.get("seats") or 0) >= 3)
    overdue_terms = [p for p in parts if p.get("term_overdue")]
    leadership.paragraphs.append(narrative.leadership(parts, practice, doc, when)
                                 or f"{when}所属党支部中没有设立支部委员会的记录。")
    leadership.stats = [(num(with_committee), "设支委会（个）"), (num(len(overdue_terms)), "换届逾期（个）")]
    _practice(leadership, practice, "leadership", doc)
    doc.sections.append(leadership)

    # 四、党员队伍强
    team = Section("team", f"{next(heading)}、聚焦“党员队伍强”")
    talks_text = (f"各党支部谈心谈话平均覆盖 {doc.fig('committee.avg_talks', talks, summary='组织生活')} 的党员"
                  if orglife and talks is not None else "")
    if not (changes["admitted"] or changes["confirmed"]):
        doc.fig("members.admitted", 0)
        doc.fig("members.confirmed", 0)
    team.paragraphs.append(narrative.team(parts, facts, changes, talks, doc, talks_text)
                           or "本年度没有发展党员、先锋岗和党员荣誉的记录。")
    team.tables.append(Table("team-structure", "党员队伍结构", [Col("类别", "label", width=22), Col("人数", "count", "int"),
                                                          Col("占比", "share", "percent")], members["table"],
                             sheet="党员结构"))
    _practice(team, practice, "members", doc)
    doc.sections.append(team)

    # 五、作用发挥强
    role = Section("role", f"{next(heading)}、聚焦“作用发挥强”")
    role.paragraphs.append(narrative.role(facts, doc, practice) or "本年度没有党建品牌、品牌获评和集体荣誉的记录。")
    _practice(role, practice, "role", doc)
    doc.sections.append(role)

    # 六、评星定级
    rating = Section("rating", f"{next(heading)}、评星定级与“四强”党支部")
    if not has_eval:
        rating.empty = sources.UNAVAILABLE["evaluations"]
    elif not evaluated:
        rating.paragraphs.append("本年度评星定级结果尚未公布。")
    else:
        rating.paragraphs.append(
            "星级分布：" + "、".join(f"{label} {doc.fig('committee.stars', stars.get(s, 0), param=s, summary='评星定级')} 个"
                                for s, (label, _) in zip((5, 4, 3, 2, 1), distribution, strict=True))
            + f"。获评“四强”党支部 {doc.fig('committee.four_strong', len(four_strong))} 个{results_source(evaluated, period.year)}。")
        rating.tables.append(Table("rating-dist", "星级分布",
                                   [Col("星级", "label"), Col("党支部（个）", "count", "int"), Col("占比", "share", "percent")],
                                   [{"label": label, "count": c, "share": c / len(evaluated)} for label, c in distribution],
                                   sheet="星级分布"))
        named = narrative.rating(four_strong, evaluated, facts)
        if named:
            rating.paragraphs.append(named)
        change = _change_vs_last_year(parts, evaluated, period.year)
        if change:
            rating.paragraphs.append(change)
        rating.tables.append(Table("rating-groups", "各单位“四强”党支部及星级分布", [
            Col("单位", "group", width=28), Col("党支部（个）", "branches", "int"), Col("有评星结果", "evaluated", "int"),
            Col("“四强”", "four", "int"), *[Col(sources.STAR_LABELS[n], f"s{n}", "int") for n in (5, 4, 3, 2, 1)]],
            _group_star_rows(parts), sheet="各单位星级分布", dense=True))
        ranked = sorted(evaluated, key=lambda p: (-(p.get("total") or 0), p["path"]))
        rating.tables.append(Table("rating-top", f"综合得分前 {min(TOP_COUNT, len(ranked))} 名党支部",
                                   _ranking_cols(), [_rank_row(i, p) for i, p in enumerate(ranked[:TOP_COUNT], 1)],
                                   sheet="得分排名前列", dense=True))
        if four_strong:
            rating.tables.append(Table("rating-four", "“四强”党支部名单",
                                       [Col("党支部", "name", width=36), Col("所属单位", "group", width=28),
                                        Col("综合得分", "total", "decimal")],
                                       sorted(four_strong, key=lambda p: p["path"]), sheet="四强党支部", pdf_limit=60))
    doc.sections.append(rating)

    doc.sections.append(_programme_section(doc, org, period, ctx.as_of, f"{next(heading)}、“四强”党支部创建和红旗党支部、五星党员"))

    # 七、整改 (the period's items, as of the period's end — the table's rows and the headline are the same set)
    rectification = Section("rectification", f"{next(heading)}、整改落实情况")
    if not has_rect or rect is None:
        rectification.empty = sources.UNAVAILABLE["evaluations"]
    elif not rect["rows"]:
        doc.fig("rect.total", 0)
        rectification.paragraphs.append("本期间没有整改事项。")
    else:
        text = (f"本期间各党支部整改事项 {doc.fig('rect.total', rect['total'], summary='整改')} 项，截至"
                f"{rect['as_of']:%Y年%m月%d日}已销号 {doc.fig('rect.closed', rect['closed'], summary='整改')} 项，"
                f"正在整改 {doc.fig('rect.open', rect['open'], summary='整改')} 项")
        text += (f"，其中超过整改期限 {doc.fig('rect.overdue', rect['overdue'], summary='整改')} 项。" if rect["overdue"]
                 else "，没有超过整改期限的事项。")
        rectification.paragraphs.append(text)
        rectification.stats = [(num(rect["closed"]), "已销号（项）"), (num(rect["open"]), "整改中（项）"),
                               (num(rect["overdue"]), "已逾期（项）")]
        rectification.tables.append(Table(
            "rectification-table", "本期间整改事项",
            [Col("党支部", "organization", width=26), Col("问题", "problem", width=38), Col("责任人", "responsible", width=10),
             Col("期限", "due_on", "date", width=13), Col("状态", "state", width=9)],
            [dict(r, _highlight="state" if r["state"] == "已逾期" else None) for r in rect["rows"]],
            sheet="整改事项", pdf_limit=30))
    doc.sections.append(rectification)

    # 八、存在的问题 (from the rows; the weakest branches as the table behind it) and 九、下一步工作
    weak = Section("problems", f"{next(heading)}、存在的问题")
    found = narrative.problems(parts, rect, practice, evaluated, doc)
    weak.paragraphs.append(_ordinal_paragraph(found) if found
                           else "对照系统记录，各党支部组织生活、班子建设、评星定级和整改主要指标均达到要求，未发现突出问题。")
    scored = sorted(((*_weakness(p), p) for p in parts), key=lambda t: (t[0], t[2]["path"]))
    weakest = [(c, r, p) for c, r, p in scored if r][:WEAK_COUNT]
    if weakest:
        weak.paragraphs.append(f"综合组织生活、评星定级和整改情况，需重点帮扶的 {len(weakest)} 个党支部及其主要问题见下表。")
        weak.tables.append(Table("weak-table", "需重点帮扶的党支部及主要问题",
                                 [Col("党支部", "name", width=30), Col("所属单位", "group", width=24),
                                  Col("主要问题", "reasons", width=48)],
                                 [{"name": p["name"], "group": p["group"], "reasons": "；".join(r)} for _, r, p in weakest],
                                 sheet="薄弱党支部"))
    doc.sections.append(weak)
    plan = Section("plan", f"{next(heading)}、下一步工作")
    steps = narrative.next_steps(ctx.plan.plan_lines() if ctx.plan else [], parts, rect, evaluated, four_strong)
    if steps:
        plan.paragraphs.append(_ordinal_paragraph(steps))
    else:
        plan.empty = "党委尚未填写下一步工作计划，系统记录中也没有需要跟进的问题（在报告页面“填报内容”中填写后重新生成）。"
    doc.sections.append(plan)

    # 附表: each branch's figures are recorded under that branch (the consistency test recomputes them)
    for p in parts:
        _record_branch(doc, p, orglife, has_eval, has_rect)
    appendix = Section("appendix", "附表　各党支部主要指标", page_break=True)
    appendix.tables.append(Table(
        "appendix-all", "各党支部主要指标一览", _all_cols(orglife, has_eval, has_rect),
        [dict(p, stars_label=format_value(p.get("stars"), "stars") if p.get("evaluated") else "—") for p in parts],
        sheet="全部党支部", pdf_limit=60, dense=True))
    doc.sections.append(appendix)
    definitions = doc.finish("附：统计口径说明")
    return definitions


def _programme_section(doc: Document, org, period, as_of, title: str) -> Section:
    """申报→推荐→评定→公示→命名 and 复查复核 of the three programmes, from the titles and candidacies on record
    (programmes.selectors.programme_summary through reports.sources; figures programme.* with the programme as
    parameter). One table per unit beside the totals, so a 党总支's row is the figure of that 党总支."""
    section = Section("programmes", title)
    summaries = {p: sources.programme_summary(org=org, programme=p, year=period.year, as_of=as_of)
                 for p in sources.PROGRAMMES}
    four, red, five = (summaries[p] for p in sources.PROGRAMMES)
    when = f"截至{as_of:%Y年%m月%d日}"

    def fig(key, programme, summary=""):
        return doc.fig(f"programme.{key}", summaries[programme]["totals"][key], param=str(programme),
                       summary=summary)

    def steps(programme, noun: str, unit: str, joined: str) -> str:
        t = summaries[programme]["totals"]
        if not any(t[k] for k in ("applied", "new", "new_higher", "current", "higher", "revoked")):
            return ""
        done = []
        if t["applied"]:
            done.append(f"{period.year}年度{joined} {fig('applied', programme)} {unit}")
        if t["in_progress"]:
            done.append(f"尚在推荐、评定或公示中的 {fig('in_progress', programme)} {unit}")
        if t["new"] or t["applied"]:
            done.append(f"本年党委新命名 {fig('new', programme, '创建活动')} {unit}")
        if t["new_higher"]:
            done.append(f"经上级机关再次命名 {fig('new_higher', programme)} {unit}")
        if t["models"]:
            done.append(f"评为标兵 {fig('models', programme)} 名")
        held = f"{when}，党委命名且在有效期内的{noun} {fig('current', programme, '创建活动')} {unit}"
        if t["higher"]:
            held += f"，上级机关命名且在有效期内的 {fig('higher', programme)} {unit}"
        changes = [(k, label) for k, label in (("revoked", "摘牌"), ("downgraded", "降级"), ("upgraded", "升级"))
                   if t[k]]
        text = f"{summaries[programme]['label']}：" + "，".join(done + [held])
        if changes:
            text += "；本年度复查复核和动态管理中" + "、".join(f"{label} {fig(k, programme)} {unit}" for k, label in changes)
        return text + "。"

    paragraphs = [steps(sources.Programme.FOUR_STRONG, "“四强”党支部", "个", "参加创建（含申报和党委指定参评）"),
                  steps(sources.Programme.RED_FLAG, "红旗党支部", "个", "参加创建"),
                  steps(sources.Programme.FIVE_STAR, "五星党员", "名", "参加评选")]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        section.paragraphs.append(f"{period.year}年没有“四强”党支部创建、红旗党支部创建和五星党员评选的记录。")
        return section
    section.paragraphs.extend(paragraphs)
    section.stats = [(num(four["totals"]["current"]), "“四强”党支部（有效期内）"),
                     (num(red["totals"]["current"]), "红旗党支部（有效期内）"),
                     (num(five["totals"]["current"]), "五星党员（有效期内）")]
    units: dict = {}
    for programme, summary in summaries.items():
        for r in summary["rows"]:
            row = units.setdefault(r["org_id"], {"group": r["unit"], "org_id": r["org_id"], "path": r["path"]})
            for key in ("current", "higher", "new", "revoked"):
                row[f"{programme}_{key}"] = r[key]
    rows = sorted(units.values(), key=lambda r: (r["org_id"] is None, r["path"]))
    for row in rows:
        for programme in sources.PROGRAMMES:
            for key in ("current", "higher", "new", "revoked"):
                row.setdefault(f"{programme}_{key}", 0)
    four_, red_, five_ = sources.PROGRAMMES
    if len(rows) > 1:   # 合计 (the guard checks it against the whole and leaves it out of the rows' sum)
        rows.append({"group": "合计", "org_id": None, "path": "", "_total": True,
                     **{f"{p}_{k}": summaries[p]["totals"][k] for p in sources.PROGRAMMES
                        for k in ("current", "higher", "new", "revoked")}})
    section.tables.append(Table("programme-groups", "各单位称号在有效期内情况", [
        Col("单位", "group", width=26), Col("“四强”党支部（党委命名）", f"{four_}_current", "int", width=14),
        Col("“四强”党支部（上级机关命名）", f"{four_}_higher", "int", width=14),
        Col("红旗党支部（党委命名）", f"{red_}_current", "int", width=14),
        Col("红旗党支部（上级机关命名）", f"{red_}_higher", "int", width=14),
        Col("五星党员", f"{five_}_current", "int", width=12)],
        rows, sheet="创建活动·有效期内", dense=True))
    if any(row[f"{p}_{k}"] for row in rows for p in sources.PROGRAMMES for k in ("new", "revoked")):
        section.tables.append(Table("programme-changes", f"各单位{period.year}年度命名和摘牌情况", [
            Col("单位", "group", width=30),
            *[Col(f"{short}{label}", f"{p}_{key}", "int", width=10)
              for p, short in ((four_, "四强"), (red_, "红旗"), (five_, "五星党员"))
              for key, label in (("new", "新命名"), ("revoked", "摘牌"))]],
            rows, sheet="创建活动·本年命名摘牌", dense=True))
    return section


def _record_branch(doc: Document, p: dict, orglife: bool, has_eval: bool, has_rect: bool) -> None:
    pk = p["id"]
    doc.fig("members.total", p.get("members"), org_id=pk)
    if orglife:
        doc.fig("orglife.completion_rate", p.get("completion"), org_id=pk)
        doc.fig("orglife.attendance_rate", p.get("attendance"), org_id=pk)
        doc.fig("orglife.talk_coverage", p.get("talks"), org_id=pk)
    if has_eval:
        doc.fig("evaluation.stars", p.get("stars"), org_id=pk)
        doc.fig("evaluation.total", p.get("total"), org_id=pk)
        doc.fig("evaluation.four_strong", p.get("four_strong") if p.get("evaluated") else None, org_id=pk)
    if has_rect:
        doc.fig("rect.open", p.get("rect_open"), org_id=pk)
        doc.fig("rect.overdue", p.get("rect_overdue"), org_id=pk)


def _practice(section: Section, practice: dict | None, key: str, doc: Document) -> None:
    """The criterion's practice figures as a table (the narrative above names the records behind them)."""
    from .branch import _figure_value

    if practice is None:
        section.paragraphs.append(sources.UNAVAILABLE["practice"])
        return
    part = practice.get(key) or {}
    figures = [f for f in part.get("figures", []) if f.get("value") not in (None, "")]
    for f in figures:
        doc.fig("practice.metric", f["value"], param=f["key"])
    if figures:
        section.tables.append(Table(
            f"{section.id}-practice", f"{part.get('label', '')}相关工作数据",
            [Col("项目", "label", width=28), Col("数值", "text", width=16)],
            [{"label": f["label"], "text": _figure_value(f)} for f in figures], sheet=f"{part.get('label', key)}数据"))


def _group_star_rows(parts: list[dict]) -> list[dict]:
    """Per 党总支 (or 直属党支部): branches, those with results, 四强 and each star level."""
    rows: dict[str, dict] = {}
    for p in parts:
        row = rows.setdefault(p["group"], {"group": p["group"], "org_id": p.get("group_id"), "branches": 0,
                                           "evaluated": 0, "four": 0,
                                           **{f"s{n}": 0 for n in range(1, 6)}})
        row["branches"] += 1
        if p.get("evaluated"):
            row["evaluated"] += 1
            row["four"] += int(bool(p.get("four_strong")))
            if p.get("stars"):
                row[f"s{p['stars']}"] += 1
    return list(rows.values())


def _change_vs_last_year(parts: list[dict], evaluated: list[dict], year: int) -> str:
    """Against the previous year's published results, only when this year's own results are published."""
    if not any(p.get("cycle_year") == year for p in evaluated):
        return ""
    previous = sources.evaluation_results(branch_ids=[p["id"] for p in parts], year=year - 1) or {}
    if not previous:
        return ""
    before_four = sum(1 for r in previous.values() if r["four_strong"])
    before_five = sum(1 for r in previous.values() if r["stars"] == 5)
    now_four = sum(1 for p in evaluated if p.get("four_strong"))
    now_five = sum(1 for p in evaluated if p.get("stars") == 5)

    def moved(before: int, now: int) -> str:
        return f"由 {before} 个{'增加到' if now > before else '减少到' if now < before else '保持'} {now} 个" if now != before \
            else f"与上年持平（{now} 个）"

    cycles = "、".join(sorted({r["cycle"] for r in previous.values()}))
    return f"与上年（{cycles}）相比，“四强”党支部{moved(before_four, now_four)}，五星党支部{moved(before_five, now_five)}。"


def _group_rows(parts: list[dict]) -> list[dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    order = []
    for p in parts:
        if p["group"] not in groups:
            order.append(p["group"])
        groups[p["group"]].append(p)
    return [{"group": g, "branches": len(groups[g]), "completion": avg(p.get("completion") for p in groups[g]),
             "attendance": avg(p.get("attendance") for p in groups[g]), "talks": avg(p.get("talks") for p in groups[g])}
            for g in order]


def _ranking_cols():
    return [Col("名次", "rank", "int", width=6), Col("党支部", "name", width=26), Col("星级", "stars", "stars", width=12),
            Col("综合得分", "total", "decimal", width=9), *[Col(label, f"c_{key}", "decimal", width=9)
                                                         for key, label in CRITERIA]]


def _rank_row(rank: int, p: dict) -> dict:
    row = {"rank": rank, "name": p["name"], "org_id": p["id"], "stars": p.get("stars"), "total": p.get("total")}
    for key, _ in CRITERIA:
        row[f"c_{key}"] = (p.get("criteria") or {}).get(key)
    return row


def _all_cols(orglife: bool, has_eval: bool, has_rect: bool) -> list[Col]:
    """Widths are weights (Table.col_widths): short headers get room for two characters, the stars column for
    five stars, so nothing wraps one character a line or runs into the score."""
    cols = [Col("党支部", "name", width=22), Col("所属单位", "group", width=17), Col("党员", "members", "int", width=6)]
    if orglife:
        cols += [Col("完成率", "completion", "percent", width=8), Col("出席率", "attendance", "percent", width=8),
                 Col("谈心谈话", "talks", "percent", width=9)]
    if has_eval:
        cols += [Col("星级", "stars", "stars", width=11), Col("得分", "total", "decimal", width=6),
                 Col("四强", "four_strong", "bool", width=6)]
    if has_rect:
        cols += [Col("整改中", "rect_open", "int", width=7), Col("逾期", "rect_overdue", "int", width=6)]
    return cols
