"""Pages and permissions: secretaries log only for their branch and groups, reviewers read only, staff their subtree."""
from datetime import date

import pytest
from django.urls import reverse

from branches.models import Organization
from orglife.models import Activity, ActivityStatus, AttendanceStatus
from tests.branches.factories import UserFactory, grant, make_org
from tests.members.factories import MemberFactory
from tests.orglife.activity_factories import activity_type, log

D = date(2025, 9, 10)


def create_url(org, code):
    return reverse("orglife:activity_create") + f"?organization={org.pk}&type={activity_type(code).pk}"


def post_data(org, code, **extra):
    data = {"organization": org.pk, "activity_type": activity_type(code).pk, "title": "九月主题党日",
            "held_on": "2025-09-10", "starts_at": "", "ends_at": "", "place": "活动室"}
    data.update(extra)
    return data


@pytest.mark.django_db
class TestLogging:
    def test_secretary_logs_for_her_branch_with_exceptions_and_submits(self, client, tree, users):
        people = MemberFactory.create_batch(4, branch=tree.a1)
        client.force_login(users.secretary)
        page = client.get(create_url(tree.a1, "theme_day"))
        assert page.status_code == 200
        assert all(p.name in page.content.decode() for p in people)
        data = post_data(tree.a1, "theme_day", present=[people[0].pk, people[1].pk],
                         **{f"exception-{people[2].pk}": "leave:sick", f"exception-{people[3].pk}": "absent",
                            "submit": "1", "guests": "上级党委 王同志"})
        resp = client.post(reverse("orglife:activity_create"), data)
        assert resp.status_code == 302, resp.content.decode()[:2000]
        a = Activity.objects.get()
        assert a.status == ActivityStatus.SUBMITTED and a.created_by == users.secretary
        statuses = {x.member_id: (x.status, x.leave_reason) for x in a.attendances.filter(member__isnull=False)}
        assert statuses[people[0].pk] == (AttendanceStatus.PRESENT, "")
        assert statuses[people[2].pk] == (AttendanceStatus.LEAVE, "sick")
        assert statuses[people[3].pk] == (AttendanceStatus.ABSENT, "")
        assert a.attendances.filter(guest_name="上级党委 王同志").exists()

    def test_secretary_logs_for_her_group(self, client, tree, users):
        client.force_login(users.secretary)
        resp = client.post(reverse("orglife:activity_create"), post_data(tree.a1g, "group_meeting", save="1"))
        assert resp.status_code == 302
        assert Activity.objects.get().organization == tree.a1g

    def test_secretary_cannot_log_for_another_branch(self, client, tree, users):
        client.force_login(users.secretary)
        resp = client.post(reverse("orglife:activity_create"), post_data(tree.a2, "theme_day", save="1"))
        assert resp.status_code == 200  # form error: not a choice
        assert not Activity.objects.exists()
        assert "organization" in resp.context["form"].errors

    def test_secretary_cannot_open_or_change_another_branchs_record(self, client, tree, users):
        other = log(tree.a2, "theme_day", D)
        client.force_login(users.secretary)
        assert client.get(other.get_absolute_url()).status_code == 404
        assert client.get(reverse("orglife:activity_edit", args=[other.pk])).status_code == 404
        assert client.post(reverse("orglife:activity_action", args=[other.pk, "void"]), {"reason": "x"}).status_code == 404

    def test_reviewer_reads_but_cannot_log_or_change(self, client, tree, users):
        a = log(tree.a1, "theme_day", D, status=ActivityStatus.DRAFT)
        client.force_login(users.reviewer)
        assert client.get(a.get_absolute_url()).status_code == 200
        assert client.get(reverse("orglife:compliance")).status_code == 200
        assert client.get(reverse("orglife:activity_edit", args=[a.pk])).status_code == 404
        assert client.post(reverse("orglife:activity_action", args=[a.pk, "submit"])).status_code == 404
        assert client.post(reverse("orglife:activity_create"), post_data(tree.a1, "theme_day", save="1")).status_code == 403
        a.refresh_from_db()
        assert a.status == ActivityStatus.DRAFT

    def test_staff_only_in_their_subtree(self, client, tree, users):
        inside, outside = log(tree.a1, "theme_day", D), log(tree.b1, "theme_day", D)
        client.force_login(users.staff_a)
        assert client.get(inside.get_absolute_url()).status_code == 200
        assert client.get(outside.get_absolute_url()).status_code == 404
        resp = client.get(reverse("orglife:compliance") + "?period=2025-09")
        names = [r.organization.name for r in resp.context["rows"]]
        assert tree.a1.name in names and tree.b1.name not in names

    def test_agency_has_no_pages_and_nobody_sees_nothing(self, client, tree, users):
        a = log(tree.b1, "theme_day", D)
        client.force_login(users.agency)
        assert client.get(a.get_absolute_url()).status_code == 403
        client.force_login(users.nobody)
        assert client.get(a.get_absolute_url()).status_code in (403, 404)

    def test_attachments_only_through_the_permission_checked_view(self, client, tree, users, settings, tmp_path):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from orglife.services import attachment_add

        settings.MEDIA_ROOT = str(tmp_path)
        a = log(tree.a1, "theme_day", D)
        att = attachment_add(activity=a, uploaded=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4\n%%EOF\n"))
        url = reverse("orglife:attachment", args=[att.pk])
        client.force_login(users.secretary)
        resp = client.get(url)
        assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
        client.force_login(grant(UserFactory(), tree.a2, "secretary"))
        assert client.get(url).status_code == 404
        client.logout()
        assert client.get(url).status_code == 302  # to login

    def test_upload_with_lying_extension_shows_an_error(self, client, tree, users, settings, tmp_path):
        from django.core.files.uploadedfile import SimpleUploadedFile

        settings.MEDIA_ROOT = str(tmp_path)
        a = log(tree.a1, "theme_day", D, status=ActivityStatus.DRAFT)
        client.force_login(users.secretary)
        resp = client.post(reverse("orglife:activity_action", args=[a.pk, "upload"]),
                           {"files": SimpleUploadedFile("photo.jpg", b"%PDF-1.4\n%%EOF\n")}, follow=True)
        assert "扩展名与实际内容" in resp.content.decode()
        assert not a.attachments.exists()

    def test_staff_closes_a_period_and_the_secretary_cannot_edit(self, client, tree, users):
        a = log(tree.a1, "theme_day", D, status=ActivityStatus.DRAFT)
        client.force_login(users.secretary)
        assert client.get(reverse("orglife:periods")).status_code == 403
        client.force_login(users.staff)
        resp = client.post(reverse("orglife:periods"), {"organization": tree.ga.pk, "period": "2025-09"})
        assert resp.status_code == 302
        client.force_login(users.secretary)
        resp = client.post(reverse("orglife:activity_edit", args=[a.pk]), post_data(tree.a1, "theme_day", title="改", save="1"))
        assert "关账" in resp.content.decode()
        a.refresh_from_db()
        assert a.title != "改"

    def test_pages_render(self, client, tree, users, members):
        log(tree.a1, "theme_day", D)
        client.force_login(users.secretary)
        for url in [reverse("orglife:due"), reverse("orglife:calendar", args=[tree.a1.pk]) + "?month=2025-09",
                    reverse("orglife:orglife", args=[tree.a1.pk]) + "?year=2025", reverse("orglife:reminders"),
                    reverse("orglife:checkin"), reverse("orglife:talk_create", args=[tree.a1.pk]),
                    reverse("home"), tree.a1.get_absolute_url()]:
            assert client.get(url).status_code == 200, url
        client.force_login(users.staff)
        for url in [reverse("orglife:compliance") + "?period=2025-Q3&sort=missing", reverse("orglife:attendance"),
                    reverse("orglife:rules"), reverse("orglife:periods"), reverse("home")]:
            assert client.get(url).status_code == 200, url

    def test_bad_period_is_a_form_error_not_a_500(self, client, tree, users):
        client.force_login(users.staff)
        resp = client.get(reverse("orglife:compliance") + "?period=2025-13")
        assert resp.status_code == 200
        assert "期间格式" in resp.content.decode()


@pytest.mark.django_db
def test_compliance_table_is_paged_and_totals_cover_every_row(client, tree, users, monkeypatch):
    from orglife import views as activity_views

    monkeypatch.setattr(activity_views, "COMPLIANCE_PAGE_SIZE", 2)
    log(tree.b1, "theme_day", D)
    client.force_login(users.staff)
    first = client.get(reverse("orglife:compliance") + "?period=2025")
    second = client.get(reverse("orglife:compliance") + "?period=2025&page=2")
    shown = [r.organization.name for r in first.context["rows"]] + [r.organization.name for r in second.context["rows"]]
    assert len(first.context["rows"]) == 2 and len(second.context["rows"]) == 1
    assert sorted(shown) == sorted([tree.a1.name, tree.a2.name, tree.b1.name])
    # The summary and the export are about all three branches, not the page.
    assert first.context["summary"]["orgs"] == second.context["summary"]["orgs"] == 3
    assert first.context["summary"]["held"] == 1
    assert "page=2" in first.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["tree", "missing", "rate"])
def test_compliance_page_totals_equal_the_sum_over_all_rows_across_pages(client, tree, users, monkeypatch, sort):
    """Ten branches over four pages of three: the summary is the sum over every row (not the page), and the pages
    together are the engine's rows in the page's order."""
    from orglife import views as activity_views
    from orglife.compliance import Period, compliance_table
    from orglife.figures import completion_rate, completion_totals

    monkeypatch.setattr(activity_views, "COMPLIANCE_PAGE_SIZE", 3)
    for i in range(7):
        b = make_org(tree.gb, name=f"新增支部{i}")
        MemberFactory(branch=b)
        for month in range(1, 1 + i):  # 0..6 主题党日: different missing counts and rates
            log(b, "theme_day", date(2025, month, 10))
    log(tree.b1, "theme_day", D)
    client.force_login(users.staff)
    url = reverse("orglife:compliance") + f"?period=2025&sort={sort}"
    pages = [client.get(url + f"&page={n}") for n in (1, 2, 3, 4)]
    assert [len(p.context["rows"]) for p in pages] == [3, 3, 3, 1]
    today = activity_views._today()
    rows = compliance_table(organizations_qs=pages[0].context["filterset"].qs, period=Period.parse("2025"), today=today)
    if sort == "missing":
        rows.sort(key=lambda r: (-r.missing, -r.overdue, r.path))
    elif sort == "rate":  # the 完成率 of orglife/figures.py (三会一课 + 主题党日), as in the API and the reports
        rows.sort(key=lambda r: (2 if completion_rate(r) is None else completion_rate(r), r.path))
    shown = [(r.organization_id, r.required, r.held, r.missing, r.overdue) for p in pages for r in p.context["rows"]]
    assert shown == [(r.organization_id, r.required, r.held, r.missing, r.overdue) for r in rows]
    totals = [completion_totals(r) for r in rows if r.kind != "party_group"]
    required, held = sum(t[0] for t in totals), sum(t[1] for t in totals)
    assert held == 1 + sum(range(7)) and required > held
    for p in pages:
        summary = p.context["summary"]
        assert summary["orgs"] == 10
        assert (summary["required"], summary["held"]) == (required, held)
        assert summary["behind"] == sum(1 for r in rows if r.overdue)
        rated = [completion_rate(r) for r in rows if r.kind != "party_group" and completion_rate(r) is not None]
        assert summary["rate"] == pytest.approx(sum(rated) / len(rated))  # the mean of the branches' rates
        # the figures on the page are the totals, not the page's
        assert f"{held}/{required}" in p.content.decode()


@pytest.mark.django_db
def test_compliance_scope_picker_shows_the_chosen_scope_and_filters_by_it(client, tree, users):
    client.force_login(users.staff)
    resp = client.get(reverse("orglife:compliance") + f"?period=2025&organization={tree.b1.pk}")
    html = resp.content.decode()
    assert f'<input type="hidden" name="organization" id="id_organization" value="{tree.b1.pk}">' in html
    assert f'value="{tree.gb.name} / {tree.b1.name}"' in html          # the chosen scope, with its path
    assert '<select name="organization"' not in html                    # the others are searched for, not listed
    assert [r.organization_id for r in resp.context["rows"]] == [tree.b1.pk]


@pytest.mark.django_db
class TestComplianceQueries:
    @pytest.mark.parametrize("stored", [False, True])
    @pytest.mark.parametrize("extra", [0, 25])
    def test_compliance_table_queries_do_not_grow_with_branches(self, client, tree, users, extra, stored,
                                                                django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from orglife import results

        for i in range(extra):
            b = make_org(tree.gb, name=f"新增支部{i}")
            make_org(b, name=f"新增小组{i}")
            MemberFactory(branch=b)
            log(b, "theme_day", D)
        if stored:
            results.rebuild(2025)
        client.force_login(users.staff)
        client.get(reverse("orglife:compliance") + "?period=2025")  # warm caches (sessions, content types)
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(reverse("orglife:compliance") + "?period=2025")
        assert resp.status_code == 200
        assert resp.context["summary"]["orgs"] == 3 + extra
        # pinned: the same for 3 and 28 branches
        expected = EXPECTED_STORED_COMPLIANCE_QUERIES if stored else EXPECTED_COMPLIANCE_QUERIES
        assert len(ctx.captured_queries) == expected, [q["sql"][:120] for q in ctx.captured_queries]

    @pytest.mark.parametrize("extra", [0, 20])
    def test_engine_queries_constant(self, tree, extra, django_assert_num_queries):
        from orglife.compliance import compliance_table

        for i in range(extra):
            b = make_org(tree.gb, name=f"支部{i}")
            MemberFactory(branch=b)
            log(b, "theme_day", D)
        # organizations; member counts and committee seats (one UNION ALL); rules; ActivityCount rows; talks (a year
        # judges 谈心谈话). A whole subtree misses no 党小组: no query for them.
        with django_assert_num_queries(5):
            compliance_table(organizations_qs=Organization.objects.all(), period="2025", today=date(2026, 1, 1))


# the nav reads the user's member link; the engine fetches only the groups its organizations miss; the scope is
# one query per request; the scope picker draws only the chosen organization (no query for the whole scope); the
# chart names its units (one query); whether the year's results are stored (orglife.results; one query)
EXPECTED_COMPLIANCE_QUERIES = 15
# from the stored results: the summary and bars (the rows' bounds, their number and units, the units' kinds and
# their roll-ups), the page of rows in order (counted by the summary) and the engine over that page only, the types
# with rules
EXPECTED_STORED_COMPLIANCE_QUERIES = 21


@pytest.mark.django_db
def test_attendance_page_pages_the_branches_and_totals_cover_every_branch(client, tree, users, monkeypatch):
    """Branches a page at a time in tree order; each row is the 出席率's counts (groups rolled into their branch,
    talks not counted); the summary is the SQL total over every branch of the scope, not the page's."""
    from orglife import views as activity_views
    from orglife.compliance import attendance_rates
    from tests.orglife.activity_factories import attend

    monkeypatch.setattr(activity_views, "ATTENDANCE_PAGE_SIZE", 2)
    extra = [make_org(tree.gb, name=f"新增支部{i}") for i in range(3)]
    people = {b.pk: MemberFactory.create_batch(3, branch=b) for b in [tree.a1, tree.a2, tree.b1, *extra]}
    meeting = log(tree.a1, "general_meeting", D)
    attend(meeting, people[tree.a1.pk][0])
    attend(meeting, people[tree.a1.pk][1], AttendanceStatus.ABSENT)
    attend(log(tree.a1g, "group_meeting", D), people[tree.a1.pk][2], AttendanceStatus.LATE)   # rolls up into a1
    attend(log(tree.a1, "talk", D), people[tree.a1.pk][1])                                   # no roll call: not counted
    for i, b in enumerate(extra):
        m = log(b, "theme_day", D)
        for j, p in enumerate(people[b.pk]):
            attend(m, p, AttendanceStatus.PRESENT if j <= i else AttendanceStatus.ABSENT)
    client.force_login(users.staff)
    url = reverse("orglife:attendance") + "?period=2025"
    pages = [client.get(url + f"&page={n}") for n in (1, 2, 3)]
    assert [len(p.context["branches"]) for p in pages] == [2, 2, 2]
    rows = [r for p in pages for r in p.context["branches"]]
    expected = Organization.objects.filter(kind="branch").order_by("path")
    assert [r["organization"].pk for r in rows] == [o.pk for o in expected]
    rates = attendance_rates(branch_ids=[o.pk for o in expected], start=date(2025, 1, 1), end=date(2025, 12, 31),
                             empty=None)
    assert {r["organization"].pk: r["rate"] for r in rows} == rates       # the figure's definition, per branch
    a1 = next(r for r in rows if r["organization"].pk == tree.a1.pk)
    assert (a1["meetings"], a1["total"], a1["present"]) == (2, 3, 2)
    for p in pages:
        summary = p.context["summary"]
        assert summary["branches"] == 6
        assert summary["expected"] == sum(r["total"] for r in rows) == 12
        assert summary["present"] == sum(r["present"] for r in rows) == 2 + 1 + 2 + 3
        assert summary["records"] == sum(r["meetings"] for r in rows) == 5
        assert summary["rate"] == pytest.approx(8 / 12)
    assert "page=2" in pages[0].content.decode()
    for p in pages:  # the lowest rates of the page's branches' members (the list follows the page, #23)
        lowest = p.context["lowest"]
        on_page = {r["organization"].pk for r in p.context["branches"]}
        assert [m["rate"] for m in lowest] == sorted(m["rate"] for m in lowest)
        assert {m["member__branch_id"] for m in lowest} <= on_page
        with_meetings = on_page & {tree.a1.pk, *(b.pk for b in extra)}     # a2's and b1's members expected nowhere
        assert len(lowest) == sum(len(people[pk]) for pk in with_meetings) > 0
        assert "出席率最低的党员（本页所列支部）" in p.content.decode()


@pytest.mark.django_db
def test_compliance_chart_sums_branches_per_unit_one_level_down(client, tree, users, monkeypatch):
    """A 党委 sees one bar per 党总支 (its branches' 计入/应开 summed, as the summary counts them); a 党总支 one bar per
    branch; more units than bars: the lowest 完成率 first, said in the title."""
    from orglife import selectors as orglife_selectors
    from orglife.figures import completion_totals

    log(tree.a1, "theme_day", D)
    client.force_login(users.staff)
    response = client.get(reverse("orglife:compliance") + "?period=2025")
    chart = response.context["chart"]
    assert chart["labels"] == [tree.ga.name, tree.gb.name] and not chart["truncated"]
    by_org = {r.organization_id: completion_totals(r) for r in compliance_rows(tree)}
    assert chart["required"] == [by_org[tree.a1.pk][0] + by_org[tree.a2.pk][0], by_org[tree.b1.pk][0]]
    assert chart["held"] == [by_org[tree.a1.pk][1] + by_org[tree.a2.pk][1], by_org[tree.b1.pk][1]] == [1, 0]

    client.force_login(users.staff_a)
    chart = client.get(reverse("orglife:compliance") + "?period=2025").context["chart"]
    assert chart["labels"] == [tree.a1.name, tree.a2.name]

    monkeypatch.setattr(orglife_selectors, "CHART_BARS", 1)
    response = client.get(reverse("orglife:compliance") + "?period=2025")
    chart = response.context["chart"]
    assert chart["labels"] == [tree.a2.name] and chart["truncated"] and chart["units"] == 2   # a2 held nothing
    assert "显示完成率最低的 1 个" in response.content.decode()


def compliance_rows(tree):
    from orglife.compliance import Period, compliance_table

    return compliance_table(organizations_qs=Organization.objects.filter(kind="branch"), period=Period.parse("2025"),
                            today=date(2026, 1, 1))
