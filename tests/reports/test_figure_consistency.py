"""One definition per figure: every figure a report prints is a registered definition, and equals the same figure
read from its definition, from the compliance API and from the compliance page, for the same scope and period.

The guard compares the structured document the PDF, XLSX and DOCX renderers share (Document.values), never text
pulled out of a PDF. The bug tests below each failed on the code before the figure registry.
"""
from __future__ import annotations

import random
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import CommitteeSeat, CommitteeTerm, Organization
from members.models import Member, MembershipMove
from orglife.defaults import seed_defaults
from orglife.models import ActivityType, FrequencyRule, Talk
from portal import figures
from reports import sources
from reports.builders.branch import BuildContext, build_branch_annual, build_branch_periodic, build_secretary_duty
from reports.builders.committee import build_committee, collect_parts
from reports.periods import ReportPeriod
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import attend, log
from tests.reports.test_report_evaluations import results  # noqa: F401  (fixture: published 2025 results)

pytestmark = pytest.mark.django_db

BRANCH_BUILDERS = {"branch-monthly": (build_branch_periodic, "2025-09"),
                   "branch-quarterly": (build_branch_periodic, "2025-Q3"),
                   "branch-annual": (build_branch_annual, "2025"),
                   "secretary-duty": (build_secretary_duty, "2025")}


def today():
    return timezone.localdate()


def build(kind: str, org, period_key: str, on: date | None = None):
    period = ReportPeriod.parse(period_key)
    ctx = BuildContext(org=org, period=period, today=on or today(), progress=None)
    if kind == "committee-four-strong":
        ids = sources.branches_under(org, on=ctx.as_of)
        parts = collect_parts(org=org, branch_ids=ids, period=period, today=ctx.today)
        return build_committee(ctx, sorted(parts.values(), key=lambda p: p["path"]))
    builder, _ = BRANCH_BUILDERS[kind]
    return builder(ctx)


def check_document(doc, on: date | None = None) -> int:
    """Every recorded figure is a known definition and equals that definition's value for its scope."""
    assert doc.values, "a report without recorded figures"
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in={v.org_id for v in doc.values})}
    cache: dict = {}
    for v in doc.values:
        assert figures.known(v.figure), f"{v.figure} is printed but has no definition"
        period = ReportPeriod.parse(v.period)
        scope = figures.FigureScope(orgs[v.org_id], period.start, period.end, period.year, period.key,
                                    on or today(), cache=cache)
        expected = figures.compute(v.figure, scope, v.param)
        if isinstance(expected, float) or isinstance(v.value, float):
            assert v.value == pytest.approx(expected), (v, expected)
        else:
            assert v.value == expected, (v, expected)
    return len(doc.values)


def check_committee_tables(doc, on: date | None = None) -> int:
    """The per-党总支 star table and the ranking table, row by row, against the definitions: each 党总支's branches,
    results, 四强 and star counts; each ranked branch's stars and score, in descending score order."""
    tables = {t.id: t for t in doc.tables()}
    period = ReportPeriod.parse(doc.period)
    cache: dict = {}

    def value(figure_id, org_id, param=None):
        scope = figures.FigureScope(Organization.objects.get(pk=org_id), period.start, period.end, period.year,
                                    period.key, on or today(), cache=cache)
        return figures.compute(figure_id, scope, param)

    checked = 0
    groups = tables.get("rating-groups")
    for row in groups.rows if groups else []:
        if row["org_id"] is None:  # 直属党支部: no organization of its own; they are in the root's totals
            continue
        assert row["branches"] == value("committee.branches", row["org_id"]), row
        assert row["evaluated"] == value("committee.evaluated", row["org_id"]), row
        assert row["four"] == value("committee.four_strong", row["org_id"]), row
        for n in range(1, 6):
            assert row[f"s{n}"] == value("committee.stars", row["org_id"], n), (row, n)
        checked += 1
    if groups:
        root = doc.org_id
        assert sum(r["four"] for r in groups.rows) == value("committee.four_strong", root)
        assert sum(r["evaluated"] for r in groups.rows) == value("committee.evaluated", root)
    for table_id in ("programme-groups", "programme-changes"):
        table = tables.get(table_id)
        keys = [(p, c.key.removeprefix(f"{p}_")) for c in (table.columns if table else [])
                for p in sources.PROGRAMMES if c.key.startswith(f"{p}_")]
        for row in table.rows if table else []:
            if row.get("_total"):
                for programme, key in keys:
                    assert row[f"{programme}_{key}"] == value(f"programme.{key}", doc.org_id, str(programme)), row
            elif row["org_id"] is not None:
                for programme, key in keys:
                    assert row[f"{programme}_{key}"] == value(f"programme.{key}", row["org_id"], str(programme)), (
                        row, programme, key)
            checked += 1
        for programme, key in keys:   # the rows (直属 included) add up to the whole
            assert sum(r[f"{programme}_{key}"] for r in table.rows if not r.get("_total")) == value(
                f"programme.{key}", doc.org_id, str(programme)), (table_id, programme, key)
    top = tables.get("rating-top")
    for rank, row in enumerate(top.rows if top else [], 1):
        assert row["rank"] == rank
        assert row["stars"] == value("evaluation.stars", row["org_id"]), row
        assert row["total"] == pytest.approx(value("evaluation.total", row["org_id"])), row
        checked += 1
    if top:
        totals = [r["total"] for r in top.rows if r["total"] is not None]   # unscored results rank last
        assert totals == sorted(totals, reverse=True)
        best = sorted((t for t in (value("evaluation.total", pk) for pk in sources.branches_under(
            Organization.objects.get(pk=doc.org_id), on=min(period.end, on or today()))) if t is not None),
            reverse=True)
        assert totals == pytest.approx(best[:len(totals)])  # nobody better left out
    return checked


def api_rows(client, period: str) -> dict[int, dict]:
    from django.core.cache import cache

    cache.clear()  # the guard reads the API many times in a row: no rate limit between its own reads
    response = client.get("/api/v1/compliance/", {"period": period, "page_size": 200})
    assert response.status_code == 200, response.content
    return {row["organization"]["id"]: row for row in response.json()["results"]}


def check_against_api(doc, api_client):
    """Branch-level organizational-life figures equal the API's for the same branch and period."""
    by_period: dict[str, dict] = {}
    compared = 0
    for v in doc.values:
        if not v.figure.startswith("orglife.") or v.figure in ("orglife.attendance_rate", "orglife.talk_coverage"):
            continue
        rows = by_period.setdefault(v.period, api_rows(api_client, v.period))
        row = rows[v.org_id]
        rules = {r["type"]: r for r in row["rules"]}
        counted = [r for r in row["rules"] if ActivityType.objects.get(code=r["type"]).counts_for_completion]
        required = sum(r["required"] for r in counted)
        done = sum(r["done"] for r in counted)
        expected = {
            "orglife.required": required,
            "orglife.credited": done,
            "orglife.completion_rate": row["completion_rate"] if required else None,
        }.get(v.figure)
        if v.figure == "orglife.type_required":
            expected = rules[v.param]["required"]
        elif v.figure == "orglife.type_credited":
            expected = rules[v.param]["done"]
        elif v.figure == "orglife.type_records":
            expected = rules[v.param]["records"]
        assert v.value == pytest.approx(expected) if isinstance(expected, float) else v.value == expected, (v, row)
        compared += 1
    return compared


# --- data ---------------------------------------------------------------------------------------------------


@pytest.fixture
def rules(db):
    seed_defaults(ActivityType, FrequencyRule)


@pytest.fixture
def committee_a1(tree, members):
    term = CommitteeTerm.objects.create(organization=tree.a1, started_on=date(2023, 3, 1), ends_on=date(2026, 3, 1))
    people = [MemberFactory(branch=tree.a1, name=n) for n in ("张书记", "李委员", "王委员")]
    for person, role in zip(people, ("secretary", "organization", "propaganda"), strict=True):
        CommitteeSeat.objects.create(term=term, member=person, role=role, started_on=date(2023, 3, 1))
    return term


def random_world(tree, seed: int):
    """Random records for 2025 in every branch: meetings, attendance, talks, members moving and joining."""
    rng = random.Random(seed)
    branches = [tree.a1, tree.a2, tree.b1]
    people = {b.pk: [MemberFactory(branch=b, name=f"{b.name}{i}") for i in range(rng.randint(2, 6))] for b in branches}
    for b in branches:
        for month in range(1, 13):
            for code, chance in (("theme_day", 0.8), ("general_meeting", 0.35), ("lecture", 0.3),
                                 ("committee_meeting", 0.5)):
                for _ in range(rng.choice((1, 1, 2))):
                    if rng.random() < chance:
                        a = log(b, code, date(2025, month, rng.randint(1, 28)))
                        for m in people[b.pk]:
                            attend(a, m, status=rng.choice(("present", "present", "absent", "late")))
        for m in rng.sample(people[b.pk], rng.randint(0, len(people[b.pk]))):
            talk = Talk.objects.create(organization=b, held_on=date(2025, rng.randint(1, 12), rng.randint(1, 28)),
                                       topic="谈心谈话")
            talk.participants.add(m)
    for m in rng.sample(people[tree.a1.pk], 1):  # moved a1 -> b1 after the period: counted in a1 for 2025
        MembershipMove.objects.create(member=m, kind="transfer", from_organization=tree.a1, to_organization=tree.b1,
                                      occurred_on=date(2026, 2, rng.randint(1, 28)))
        Member.objects.filter(pk=m.pk).update(branch=tree.b1)
    MemberFactory(branch=tree.a2, name="新党员", status="probationary", confirmed_on=None,
                  joined_on=date(2025, rng.randint(1, 12), 5))


# --- the guard ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_report_figure_equals_its_definition_and_the_api(tree, members, rules, committee_a1, users, seed):
    from rest_framework.test import APIClient

    random_world(tree, seed)
    api_client = APIClient()
    api_client.force_authenticate(users.staff)
    checked = 0
    for kind, (_, period) in BRANCH_BUILDERS.items():
        for branch in (tree.a1, tree.a2, tree.b1):
            doc = build(kind, branch, period)
            checked += check_document(doc)
            assert check_against_api(doc, api_client) > 0
    for org in (tree.root, tree.ga):
        doc = build("committee-four-strong", org, "2025")
        checked += check_document(doc)
        check_committee_tables(doc)
        check_against_api(doc, api_client)
    assert checked > 200


def test_star_and_ranking_tables_equal_the_definitions(tree, results):  # noqa: F811 (the imported fixture)
    doc = build("committee-four-strong", tree.root, "2025")
    assert {"rating-groups", "rating-top"} <= {t.id for t in doc.tables()}
    assert check_committee_tables(doc) >= 4  # two 党总支 rows and the ranked branches
    group = next(r for r in next(t for t in doc.tables() if t.id == "rating-groups").rows if r["org_id"] == tree.ga.pk)
    assert (group["s5"], group["s3"], group["four"]) == (1, 1, 1)  # a1 five stars + 四强, a2 three stars
    top = next(t for t in doc.tables() if t.id == "rating-top").rows
    top[0]["total"], top[1]["total"] = top[1]["total"], top[0]["total"]
    with pytest.raises(AssertionError):
        check_committee_tables(doc)


def test_guard_fails_on_a_figure_without_definition(tree, members, rules):
    doc = build("branch-annual", tree.a1, "2025")
    with pytest.raises(KeyError):
        doc.fig("orglife.made_up", 3)
    from reports.builders.document import FigureValue

    doc.values.append(FigureValue("orglife.made_up", tree.a1.pk, "2025", None, 3))
    with pytest.raises(AssertionError, match="no definition"):
        check_document(doc)


def test_guard_fails_when_a_report_prints_its_own_number(tree, members, rules):
    doc = build("branch-annual", tree.a1, "2025")
    from reports.builders.document import FigureValue

    doc.values.append(FigureValue("members.total", tree.a1.pk, "2025", None, 999))
    with pytest.raises(AssertionError):
        check_document(doc)


def test_demo_reports_agree_with_the_definitions(settings):
    """Every report kind on the demo data (seed_demo), for a branch and for the 党委, against the definitions."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    branch = Organization.objects.get(name="区委办公室党支部")
    root = Organization.objects.get(depth=1)
    year = today().year
    for kind, (_builder, period) in BRANCH_BUILDERS.items():
        key = period.replace("2025", str(year))
        check_document(build(kind, branch, key))
    for key in (str(year), str(year - 1)):
        doc = build("committee-four-strong", root, key)
        check_document(doc)
        check_committee_tables(doc)


# --- the bugs of issue #16, each on its own ------------------------------------------------------------------


@pytest.fixture
def general_meetings(tree, members, rules):
    """2025 in a1: 党员大会 in Q1, Q2 and twice in Q4, none in Q3."""
    for d in (date(2025, 2, 10), date(2025, 5, 10), date(2025, 11, 3), date(2025, 12, 1)):
        log(tree.a1, "general_meeting", d)


def test_meeting_count_is_credited_over_required_on_page_api_and_report(client, users, tree, general_meetings):
    from tests.api.conftest import login

    doc = build("branch-annual", tree.a1, "2025")
    values = {(v.figure, v.param): v.value for v in doc.values if v.org_id == tree.a1.pk}
    assert values[("orglife.type_required", "general_meeting")] == 4
    assert values[("orglife.type_credited", "general_meeting")] == 3
    assert values[("orglife.type_records", "general_meeting")] == 4
    text = "".join(p for s in doc.sections for x in s.walk() for p in x.paragraphs)
    assert "支部党员大会应开展 4 次、计入完成 3 次（实际开展 4 次" in text and "第三季度" in text

    login(client, users.staff)
    html = client.get(reverse("orglife:compliance"), {"period": "2025"}).content.decode()
    row = re.search(rf'data-org="{tree.a1.code}">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'class="cell-overdue"[^>]*>3/4<', row), row  # credited/required, not the 4 records
    rate = values[("orglife.completion_rate", None)]
    assert f"{rate * 100:.1f}%" in re.search(r"data-completion>([^<]+)<", row).group(1)


def test_annual_counts_and_rate_share_one_base_without_talks(tree, members, rules):
    for m in range(1, 13):
        log(tree.a1, "theme_day", date(2025, m, 15))
    doc = build("branch-annual", tree.a1, "2025")
    values = {(v.figure, v.param): v.value for v in doc.values if v.org_id == tree.a1.pk}
    counted = {t.code for t in ActivityType.objects.filter(counts_for_completion=True)}
    type_required = {p: val for (f, p), val in values.items() if f == "orglife.type_required"}
    assert "talk" in type_required and type_required["talk"] > 0  # the talk requirement is there ...
    assert values[("orglife.required", None)] == sum(v for p, v in type_required.items() if p in counted)  # ... not here
    assert values[("orglife.completion_rate", None)] == pytest.approx(
        values[("orglife.credited", None)] / values[("orglife.required", None)])


def test_committee_rectification_headline_is_the_period_as_of_its_end(tree, members, rules, users):
    from evaluations.models import Rectification

    def rect(org, problem, due, created, status="open", closed=None):
        r = Rectification.objects.create(organization=org, problem=problem, requirement="整改", due_on=due,
                                         responsible_person="张三", status=status, closed_on=closed,
                                         created_by=users.staff)
        Rectification.objects.filter(pk=r.pk).update(created_at=timezone.make_aware(
            timezone.datetime(created.year, created.month, created.day, 9)))

    rect(tree.a1, "2025年的问题", date(2025, 10, 1), date(2025, 6, 1))                     # overdue at 2025-12-31
    rect(tree.a2, "2025年销号的问题", date(2025, 8, 1), date(2025, 3, 1), "closed", date(2025, 7, 1))
    rect(tree.b1, "2026年才提出的问题", date(2026, 3, 1), date(2026, 2, 1))                 # a later year
    doc = build("committee-four-strong", tree.root, "2025", on=date(2026, 6, 1))
    own = {v.figure: v.value for v in doc.values if v.org_id == tree.root.pk and v.figure.startswith("rect.")}
    assert own == {"rect.total": 2, "rect.closed": 1, "rect.open": 1, "rect.overdue": 1}
    section = next(s for s in doc.sections if s.id == "rectification")
    assert len(section.tables[0].rows) == own["rect.total"]
    per_branch = {v.org_id: v.value for v in doc.values if v.figure == "rect.open" and v.org_id != tree.root.pk}
    assert per_branch[tree.b1.pk] == 0  # the 2026 item is not in 2025's appendix either
    check_document(doc, on=date(2026, 6, 1))


def test_past_report_counts_members_and_committee_at_the_period_end(tree, members, rules, committee_a1):
    leaver = MemberFactory(branch=tree.a1, name="调出党员")
    MembershipMove.objects.create(member=leaver, kind="transfer", from_organization=tree.a1, to_organization=tree.b1,
                                  occurred_on=date(2026, 2, 1))
    Member.objects.filter(pk=leaver.pk).update(branch=tree.b1)
    newcomer = MemberFactory(branch=tree.a1, name="新转入党员")
    MembershipMove.objects.create(member=newcomer, kind="transfer_in", to_organization=tree.a1,
                                  counterpart="外单位", occurred_on=date(2026, 3, 1))
    committee_a1.seats.filter(role="propaganda").update(started_on=date(2026, 4, 1))  # joined after 2025
    doc = build("branch-annual", tree.a1, "2025")
    values = {v.figure: v.value for v in doc.values if v.org_id == tree.a1.pk and v.param is None}
    # in a1 on 2025-12-31: members.a1, the three committee members and the leaver; not the newcomer
    assert values["members.total"] == 5
    assert values["committee.seats"] == 2
    assert Member.objects.filter(branch=tree.a1, is_active=True).count() == 5  # today's a1 differs (newcomer in)
    b1 = {v.figure: v.value for v in build("branch-annual", tree.b1, "2025").values if v.figure == "members.total"}
    assert b1["members.total"] == 1


def test_past_talk_coverage_is_over_the_members_at_the_period_end(tree, members, rules):
    """2025's 谈心谈话覆盖率 is over a1's members on 2025-12-31: a member who talked and left in 2026 still counts,
    one who arrived in 2026 does not; the figure does not move when the registry changes later."""
    talked = MemberFactory(branch=tree.a1, name="谈过调出")
    talk = Talk.objects.create(organization=tree.a1, held_on=date(2025, 6, 1), topic="谈心谈话")
    talk.participants.add(talked)
    doc_before = build("branch-annual", tree.a1, "2025")
    before = next(v.value for v in doc_before.values if v.figure == "orglife.talk_coverage")
    MembershipMove.objects.create(member=talked, kind="transfer", from_organization=tree.a1, to_organization=tree.b1,
                                  occurred_on=date(2026, 2, 1))
    Member.objects.filter(pk=talked.pk).update(branch=tree.b1)
    newcomer = MemberFactory(branch=tree.a1, name="新转入")
    MembershipMove.objects.create(member=newcomer, kind="transfer_in", to_organization=tree.a1, counterpart="外单位",
                                  occurred_on=date(2026, 3, 1))
    doc = build("branch-annual", tree.a1, "2025")
    values = {v.figure: v.value for v in doc.values if v.org_id == tree.a1.pk and v.param is None}
    assert values["orglife.talk_coverage"] == pytest.approx(before) == pytest.approx(1 / 2)  # members.a1 + talked
    text = "".join(p for s in doc.sections for x in s.walk() for p in x.paragraphs)
    assert "（期末在册党员 2 名，已谈 1 名）" in text
    check_document(doc)
    committee = build("committee-four-strong", tree.root, "2025")
    assert [v.value for v in committee.values if v.figure == "orglife.talk_coverage" and v.org_id == tree.a1.pk] == [
        pytest.approx(0.5)]
    check_document(committee)


def test_no_unsupported_or_machine_sentences(tree, members, rules):
    doc = build("committee-four-strong", tree.root, "2025")
    text = "".join(p for s in doc.sections for x in s.walk() for p in [*x.paragraphs, *x.items])
    assert "督促名单" not in text
    assert "逐项跟踪销号" not in text
    assert not re.search(r"(?<![\d.])0 ?个党支部全部完成", text)
    assert "占 0.0%" not in text and "占0.0%" not in text
    annual = build("branch-annual", tree.a1, "2025")
    text = "".join(p for s in annual.sections for x in s.walk() for p in [*x.paragraphs, *x.items])
    assert "已逾期事项" not in text  # nothing is overdue: no sentence about handling overdue items


@pytest.mark.parametrize("kind,period,name", [
    ("branch-annual", "2026", "甲一支部2026年度党支部工作报告.pdf"),
    ("secretary-duty", "2026", "甲一支部2026年度党支部书记抓党建工作述职报告.pdf"),
    ("branch-monthly", "2026-09", "甲一支部2026年9月组织生活情况报告.pdf"),
    ("branch-quarterly", "2026-Q3", "甲一支部2026年第三季度组织生活情况报告.pdf"),
])
def test_file_names_read_like_titles(tree, kind, period, name):
    from reports.models import ReportJob

    job = ReportJob(organization=tree.a1, kind=kind, period=period, format="pdf")
    assert job.download_name == name and "年度年度" not in job.download_name


def test_monthly_chart_does_not_book_the_year_of_talks_in_december(tree, members, rules):
    MemberFactory.create_batch(5, branch=tree.a1)
    life = sources.org_life_table(branch=tree.a1, period=ReportPeriod.parse("2025"), today=today())
    months = {label: required for label, required, _ in life["months"]}
    november = months["11月"]
    talk = next(t for t in life["types"] if t["code"] == "talk")
    assert talk["required"] >= 6
    # December differs from November only by the quarterly / yearly meetings that end there, never by members
    quarterly = sum(1 for t in life["types"] if t["code"] in ("general_meeting", "lecture") and t["required"])
    assert months["12月"] == november + quarterly


def test_definitions_page_lists_every_figure_and_the_compliance_page_links_it(client, users, tree):
    from tests.api.conftest import login

    login(client, users.staff)
    html = client.get(reverse("reports:definitions")).content.decode()
    for d in figures.definitions():
        assert f'id="{d.id}"' in html and d.name in html and d.counts in html
    assert reverse("reports:definitions") in client.get(reverse("orglife:compliance")).content.decode()
    login(client, users.nobody)
    assert client.get(reverse("reports:definitions")).status_code in (302, 403)
