"""The rule engine: windows at month/quarter/year boundaries, proration, overrides up the tree, groups, committees."""
from datetime import date

import pytest

from branches.models import Organization
from branches.services import organization_dissolve
from orglife.compliance import Period, completion_rates, compliance_table, due_now, windows_ending_in
from orglife.models import ActivityStatus, FrequencyRule
from tests.branches.factories import make_org
from tests.orglife.activity_factories import activity_type, log

TODAY = date(2026, 11, 20)


def cell(rows, org, code):
    row = next(r for r in rows if r.organization.pk == org.pk)
    return row.cells.get(activity_type(code).pk)


def table(orgs, period, **kw):
    qs = Organization.objects.filter(pk__in=[o.pk for o in orgs])
    return compliance_table(organizations_qs=qs, period=period, today=kw.pop("today", TODAY), **kw)


class TestPeriods:
    @pytest.mark.parametrize("text,start,end,label", [
        ("2025", date(2025, 1, 1), date(2025, 12, 31), "2025年"),
        ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30), "2025年第三季度"),
        ("2025-q1", date(2025, 1, 1), date(2025, 3, 31), "2025年第一季度"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024年2月"),
        ("2025-12", date(2025, 12, 1), date(2025, 12, 31), "2025年12月"),
    ])
    def test_parse(self, text, start, end, label):
        p = Period.parse(text)
        assert (p.start, p.end, p.label) == (start, end, label)
        assert Period.parse(p.key) == p

    @pytest.mark.parametrize("bad", ["", "25", "2025-13", "2025-Q5", "2025-9", "abc", "2025-Q3x"])
    def test_bad_periods_are_refused(self, bad):
        with pytest.raises(ValueError):
            Period.parse(bad)

    @pytest.mark.parametrize("bad", ["0000", "1920-12", "2101", "9999-Q4"])
    def test_years_outside_the_portals_range_are_refused(self, bad):
        """Year 0 has no date and 9999's next window overflows: refused before any date is computed."""
        from orglife.compliance import PERIOD_YEAR_ERROR

        with pytest.raises(ValueError, match=str(PERIOD_YEAR_ERROR)):
            Period.parse(bad)
        assert Period.parse("1921").start == date(1921, 1, 1) and Period.parse("2100-Q4").next().year == 2101

    def test_previous_and_next_cross_years(self):
        assert Period.parse("2025-01").previous().key == "2024-12"
        assert Period.parse("2025-Q4").next().key == "2026-Q1"

    def test_windows_judged_in_the_period_they_end(self):
        assert [w.key for w in windows_ending_in("quarter", date(2025, 8, 1), date(2025, 8, 31))] == []
        assert [w.key for w in windows_ending_in("quarter", date(2025, 9, 1), date(2025, 9, 30))] == ["2025-Q3"]
        assert [w.key for w in windows_ending_in("year", date(2025, 1, 1), date(2025, 11, 30))] == []
        assert len(windows_ending_in("month", date(2025, 1, 1), date(2025, 12, 31))) == 12


@pytest.mark.django_db
class TestMonthlyAndQuarterly:
    def test_month_boundaries_count_each_day_in_its_own_month(self, tree):
        log(tree.a1, "theme_day", date(2025, 8, 31))
        log(tree.a1, "theme_day", date(2025, 10, 1))
        rows = table([tree.a1], "2025-09")
        c = cell(rows, tree.a1, "theme_day")
        assert (c.required, c.held, c.missing, c.overdue) == (1, 0, 1, 1)
        c = cell(table([tree.a1], "2025-08"), tree.a1, "theme_day")
        assert (c.required, c.held, c.missing) == (1, 1, 0)

    def test_two_in_one_month_do_not_cover_another(self, tree):
        log(tree.a1, "theme_day", date(2025, 8, 5))
        log(tree.a1, "theme_day", date(2025, 8, 25))
        c = cell(table([tree.a1], "2025-Q3"), tree.a1, "theme_day")
        assert (c.required, c.held, c.count, c.missing) == (3, 1, 2, 2)

    def test_quarterly_meeting_anywhere_in_the_quarter(self, tree):
        log(tree.a1, "general_meeting", date(2025, 7, 1))
        c = cell(table([tree.a1], "2025-Q3"), tree.a1, "general_meeting")
        assert (c.required, c.held, c.missing) == (1, 1, 0)
        # judged in the month the quarter ends; not in August
        assert cell(table([tree.a1], "2025-08"), tree.a1, "general_meeting") is not None
        assert cell(table([tree.a1], "2025-08"), tree.a1, "general_meeting").required == 0
        assert cell(table([tree.a1], "2025-09"), tree.a1, "general_meeting").held == 1

    def test_drafts_and_voided_records_do_not_count(self, tree):
        log(tree.a1, "theme_day", date(2025, 9, 3), status=ActivityStatus.DRAFT)
        log(tree.a1, "theme_day", date(2025, 9, 4), is_voided=True, void_reason="录错")
        assert cell(table([tree.a1], "2025-09"), tree.a1, "theme_day").held == 0

    def test_open_window_is_due_not_overdue_and_future_windows_are_not_required(self, tree):
        rows = table([tree.a1], "2026", today=date(2026, 3, 15))
        c = cell(rows, tree.a1, "theme_day")
        assert c.required == 3  # Jan, Feb, Mar (open); Apr–Dec not yet
        assert c.overdue == 2 and c.missing == 3
        assert c.due_on == date(2026, 3, 31)
        assert c.state == "overdue"

    def test_yearly_rules(self, tree):
        log(tree.a1, "life_meeting", date(2025, 12, 20))
        assert cell(table([tree.a1], "2025"), tree.a1, "life_meeting").held == 1
        assert cell(table([tree.a1], "2025-Q4"), tree.a1, "life_meeting").required == 1
        assert cell(table([tree.a1], "2025-Q3"), tree.a1, "life_meeting").required == 0


@pytest.mark.django_db
class TestMidPeriod:
    def test_branch_established_mid_quarter_is_held_to_the_part_it_existed(self, tree):
        late = make_org(tree.ga, name="新支部", established_on=date(2025, 8, 20))
        rows = table([late], "2025-Q3")
        # 42 of 92 days: 0.46 of one 党员大会 rounds to 0; 11 of 31 days of August rounds to 0; September is full.
        assert cell(rows, late, "general_meeting").required == 0
        assert cell(rows, late, "theme_day").required == 1
        assert cell(table([late], "2025-07"), late, "theme_day").required == 0

    def test_established_in_first_half_of_month_owes_the_month(self, tree):
        org = make_org(tree.ga, name="月初支部", established_on=date(2025, 9, 10))
        assert cell(table([org], "2025-09"), org, "theme_day").required == 1

    def test_prorated_yearly_lecture_count(self, tree):
        org = make_org(tree.ga, name="年中支部", established_on=date(2025, 7, 1))
        assert cell(table([org], "2025"), org, "lecture").required == 2  # Q3 + Q4

    def test_dissolved_branch_stops_being_due(self, tree):
        organization_dissolve(organization=tree.a2, on=date(2025, 8, 10), reason="机构改革")
        tree.a2.refresh_from_db()
        c = cell(table([tree.a2], "2025", today=date(2025, 12, 31)), tree.a2, "theme_day")
        assert c.required == 7  # Jan–Jul; August (9 of 31 days) rounds to 0; nothing after


@pytest.mark.django_db
class TestOverridesAndHolders:
    def test_nearest_rule_up_the_tree_wins(self, tree):
        lecture = activity_type("lecture")
        FrequencyRule.objects.create(activity_type=lecture, organization=tree.root, holder="branch", per="year", min_count=2,
                                     reason="本系统每半年 1 次")
        FrequencyRule.objects.create(activity_type=lecture, organization=tree.ga, holder="branch", per="month", min_count=1)
        rows = table([tree.a1, tree.b1], "2025", today=date(2026, 1, 1))
        assert cell(rows, tree.a1, "lecture").required == 12  # from 甲党总支
        assert cell(rows, tree.b1, "lecture").required == 2   # from the 党委
        other = make_org(make_org(name="别的党委"), name="别的支部")
        assert cell(table([other], "2025", today=date(2026, 1, 1)), other, "lecture").required == 4  # default

    def test_zero_override_switches_a_type_off(self, tree):
        FrequencyRule.objects.create(activity_type=activity_type("theme_day"), organization=tree.gb, holder="branch",
                                     per="month", min_count=0, reason="试点")
        assert cell(table([tree.b1], "2025-09"), tree.b1, "theme_day") is None

    def test_group_meeting_is_required_of_groups_and_rolled_up_into_the_branch(self, tree):
        log(tree.a1g, "group_meeting", date(2025, 9, 9))
        rows = table([tree.a1, tree.a2], "2025-09")
        c = cell(rows, tree.a1, "group_meeting")
        assert (c.required, c.held) == (1, 1)
        assert cell(rows, tree.a2, "group_meeting") is None  # a2 has no groups
        rows = table([tree.a1g], "2025-09")
        assert cell(rows, tree.a1g, "group_meeting").held == 1
        assert cell(rows, tree.a1g, "theme_day") is None

    def test_committee_meetings_only_for_branches_with_a_committee(self, tree, members):
        from branches.models import SeatRole
        from branches.services import term_start
        from tests.members.factories import MemberFactory

        people = [members.a1] + MemberFactory.create_batch(2, branch=tree.a1)
        term_start(organization=tree.a1, started_on=date(2024, 1, 1),
                   seats=list(zip(people, [SeatRole.SECRETARY, SeatRole.ORGANIZATION, SeatRole.PROPAGANDA], strict=True)))
        rows = table([tree.a1, tree.a2], "2025-09")
        assert cell(rows, tree.a1, "committee_meeting").required == 1
        assert cell(rows, tree.a2, "committee_meeting") is None


@pytest.mark.django_db
def test_talk_coverage_rule_counts_members(tree, members):
    from orglife.services import talk_create
    from tests.members.factories import MemberFactory

    other = MemberFactory(branch=tree.a1)
    MemberFactory(branch=tree.a1)
    talk_create(organization=tree.a1, held_on=date(2025, 5, 6), participants=[members.a1, other], topic="思想交流")
    c = cell(table([tree.a1], "2025", today=date(2026, 1, 1)), tree.a1, "talk")
    assert (c.required, c.held, c.missing) == (3, 2, 1)


@pytest.mark.django_db
def test_completion_rate_uses_three_meetings_one_lecture_and_theme_day_only(tree):
    for m in range(1, 13):
        log(tree.a1, "theme_day", date(2025, m, 10))
    log(tree.a1, "life_meeting", date(2025, 12, 1))
    rates = completion_rates(branch_ids=[tree.a1.pk, tree.a2.pk], start=date(2025, 1, 1), end=date(2025, 12, 31),
                             today=date(2026, 2, 1))
    # a1: group meetings 0/12, general 0/4, lecture 0/4, theme day 12/12 -> 12/32
    assert rates[tree.a1.pk] == pytest.approx(12 / 32)
    assert rates[tree.a2.pk] == 0.0


@pytest.mark.django_db
def test_due_now_uses_the_windows_containing_today(tree):
    log(tree.a1, "general_meeting", date(2026, 10, 5))
    rows = due_now(organizations_qs=Organization.objects.filter(pk=tree.a1.pk), today=TODAY)
    cells = rows[0].cells
    assert cells[activity_type("general_meeting").pk].state == "met"
    theme = cells[activity_type("theme_day").pk]
    assert theme.state == "due" and theme.due_on == date(2026, 11, 30)
