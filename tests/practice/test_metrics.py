"""Metrics for evaluation indicators, at their edges: empty branches, window bounds, inactive rows, caps."""
from datetime import date
from decimal import Decimal

import pytest

from branches.models import SeatRole
from branches.services import term_start
from practice import selectors, services
from practice.models import ContactVisitRule, PostKind, TrainingKind
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
Y0, Y1 = date(2026, 1, 1), date(2026, 12, 31)


def test_every_branch_is_in_the_result_even_without_data(tree):
    ids = [tree.a1.pk, tree.a2.pk]
    for key, (_, func) in selectors.METRICS.items():
        assert func(branch_ids=ids, start=Y0, end=Y1) == {tree.a1.pk: 0.0, tree.a2.pk: 0.0}, key


def test_study_hours_per_member_counts_window_and_active_only(tree, members, study, users):
    MemberFactory(branch=tree.a1)  # a second member: hours are divided by 2
    study(members.a1, studied_on=date(2026, 1, 1), hours=Decimal("3"))       # first day: in
    study(members.a1, studied_on=date(2025, 12, 31), hours=Decimal("5"))     # day before: out
    gone = study(members.a1, studied_on=date(2026, 2, 1), hours=Decimal("7"))
    services.record_deactivate(obj=gone, reason="重复", by=users.staff)      # deactivated: out
    got = selectors.study_hours_per_member(branch_ids=[tree.a1.pk, tree.b1.pk], start=Y0, end=Y1)
    assert got == {tree.a1.pk: 1.5, tree.b1.pk: 0.0}


def test_study_hours_queries_do_not_grow(tree, members, study, django_assert_num_queries):
    study(members.a1)
    with django_assert_num_queries(2):
        selectors.study_hours_per_member(branch_ids=[tree.a1.pk, tree.a2.pk, tree.b1.pk], start=Y0, end=Y1)


def _secretary(branch):
    m = MemberFactory(branch=branch)
    term_start(organization=branch, started_on=date(2024, 1, 1), seats=[(m, SeatRole.SECRETARY)])
    return m


def test_secretary_training_coverage(tree, users):
    s1, s2 = _secretary(tree.a1), _secretary(tree.a2)
    course = services.course_create(organization=tree.root, name="书记班", kind=TrainingKind.SECRETARY, hours=Decimal("24"),
                                    starts_on=date(2026, 12, 30), ends_on=date(2026, 12, 31), by=users.staff)
    other = services.course_create(organization=tree.root, name="党务班", kind=TrainingKind.STAFF, hours=Decimal("8"),
                                   starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 1), by=users.staff)
    services.attendance_set(course=course, member=s1, completed=True, by=users.staff)
    services.attendance_set(course=course, member=s2, completed=False, by=users.staff)   # attended, not completed
    services.attendance_set(course=other, member=s2, completed=True, by=users.staff)     # wrong kind
    ids = [tree.a1.pk, tree.a2.pk, tree.b1.pk]                                           # b1 has no secretary
    assert selectors.secretary_training_coverage(branch_ids=ids, start=Y0, end=Y1) == {
        tree.a1.pk: 1.0, tree.a2.pk: 0.0, tree.b1.pk: 0.0}
    # The course ended on 12-31: a window ending the day before does not count it.
    assert selectors.secretary_training_coverage(branch_ids=ids, start=Y0, end=date(2026, 12, 30))[tree.a1.pk] == 0.0


def test_post_counts_use_period_overlap(tree, members, users):
    def post(kind, starts, ends=None):
        return services.post_create(organization=tree.a1, kind=kind, name="岗", starts_on=starts, ends_on=ends,
                                    holders=[members.a1], by=users.staff)

    post(PostKind.POST, date(2025, 1, 1))                       # open-ended: counts
    post(PostKind.POST, date(2025, 1, 1), date(2025, 12, 31))   # ended before: no
    post(PostKind.POST, date(2026, 12, 31))                     # starts on the last day: counts
    post(PostKind.AREA, date(2026, 3, 1))
    assert selectors.vanguard_post_count(branch_ids=[tree.a1.pk], start=Y0, end=Y1) == {tree.a1.pk: 2.0}
    assert selectors.responsibility_area_count(branch_ids=[tree.a1.pk], start=Y0, end=Y1) == {tree.a1.pk: 1.0}


def test_brand_recognitions_in_window(tree, users):
    brand = services.brand_create(organization=tree.a1, name="品牌", launched_on=date(2024, 1, 1), by=users.staff)
    services.recognition_add(brand=brand, title="特色品牌", level="city", awarded_on=date(2026, 6, 1), by=users.staff)
    services.recognition_add(brand=brand, title="优秀党建品牌", level="city", awarded_on=date(2025, 6, 1), by=users.staff)
    assert selectors.brand_recognition_count(branch_ids=[tree.a1.pk], start=Y0, end=Y1) == {tree.a1.pk: 1.0}
    services.record_deactivate(obj=brand, reason="撤并", by=users.staff)
    assert selectors.brand_recognition_count(branch_ids=[tree.a1.pk], start=Y0, end=Y1) == {tree.a1.pk: 0.0}


def _visits(branch, n, users, year=2026):
    point = services.contact_point_assign(organization=branch, year=year, contact_user=users.staff, by=users.staff)
    for i in range(n):
        services.contact_visit_record(contact_point=point, visited_on=date(year, 1 + i, 5), checked="台账",
                                      by=users.staff)
    return point


def test_contact_coverage_default_two_visits_and_cap(tree, users):
    _visits(tree.a1, 1, users)
    _visits(tree.a2, 3, users)
    got = selectors.contact_visit_coverage(branch_ids=[tree.a1.pk, tree.a2.pk, tree.b1.pk], start=Y0, end=Y1)
    assert got == {tree.a1.pk: 0.5, tree.a2.pk: 1.0, tree.b1.pk: 0.0}


def test_contact_coverage_totals_read_the_visited_branches_only(tree, users):
    """The scope's 联系点 totals look up the rule and count the visits of branches visited in the window only (an
    unvisited branch adds 0 to both figures): over a whole scope the lookup per branch grew with the tree (#23)."""
    from branches.models import Organization

    _visits(tree.a1, 1, users)
    _visits(tree.a2, 3, users)
    _visits(tree.b1, 2, users, year=2024)                    # outside the window
    branches = Organization.objects.filter(kind="branch").values("pk")
    assert sorted(selectors._contact_rows(branches, Y0, Y1).values_list("pk", flat=True)) == sorted([tree.a1.pk,
                                                                                                    tree.a2.pk])
    assert selectors.contact_coverage_totals(branches, Y0, Y1) == {"covered": 1, "coverage": 1.5}


def test_contact_coverage_nearest_rule_wins(tree, users):
    services.contact_rule_set(organization=tree.root, min_visits_per_year=4, by=users.staff)
    services.contact_rule_set(organization=tree.ga, min_visits_per_year=1, by=users.staff)
    _visits(tree.a1, 1, users)
    _visits(tree.b1, 2, users)
    got = selectors.contact_visit_coverage(branch_ids=[tree.a1.pk, tree.b1.pk], start=Y0, end=Y1)
    assert got == {tree.a1.pk: 1.0, tree.b1.pk: 0.5}
    assert ContactVisitRule.objects.count() == 2


def test_required_visits_pro_rata_for_short_windows(tree):
    paths = {tree.a1.pk: tree.a1.path}
    assert selectors.required_visits(branch_paths=paths, start=Y0, end=Y1) == {tree.a1.pk: 2}
    assert selectors.required_visits(branch_paths=paths, start=date(2024, 1, 1), end=date(2024, 12, 31)) == {tree.a1.pk: 2}
    assert selectors.required_visits(branch_paths=paths, start=date(2026, 7, 1), end=Y1) == {tree.a1.pk: 1}
    assert selectors.required_visits(branch_paths=paths, start=date(2026, 7, 1), end=date(2026, 7, 31)) == {tree.a1.pk: 1}


def test_study_plan_completion(tree, users):
    plan = services.plan_create(organization=tree.a1, year=2026, by=users.staff)
    items = [services.plan_item_add(plan=plan, planned_on=date(2026, m, 1), topic="t", by=users.staff) for m in (1, 2, 3, 4)]
    services.plan_item_done(item=items[0], done_on=date(2026, 1, 2), by=users.staff)
    assert selectors.study_plan_completion(branch_ids=[tree.a1.pk], start=Y0, end=Y1) == {tree.a1.pk: 0.25}


def test_summaries_are_grouped_by_criterion(tree, members, study, users):
    study(members.a1, hours=Decimal("4"))
    services.post_create(organization=tree.a1, kind=PostKind.POST, name="岗", starts_on=date(2026, 1, 1),
                         holders=[members.a1], by=users.staff)
    services.brand_create(organization=tree.a1, name="品牌", launched_on=date(2024, 1, 1), by=users.staff)
    one = selectors.branch_practice_summary(branch=tree.a1, start=Y0, end=Y1)
    assert [one[k]["label"] for k in ("political", "leadership", "members", "role")] == [
        "政治功能强", "支部班子强", "党员队伍强", "作用发挥强"]
    figures = {f["key"]: f["value"] for f in one["political"]["figures"]}
    assert figures["study_hours"] == 4.0
    assert {f["key"]: f["value"] for f in one["members"]["figures"]}["vanguard_posts"] == 1
    assert any("品牌" in i for i in one["role"]["items"])
    from branches.models import Organization

    sub = selectors.subtree_practice_summary(organizations_qs=Organization.objects.filter(pk=tree.ga.pk), start=Y0, end=Y1)
    assert sub["branches"] == 2
    assert set(sub["per_branch"]) == {tree.a1.pk, tree.a2.pk}
    assert {f["key"]: f["value"] for f in sub["role"]["figures"]}["brands"] == 1


def test_branch_panel_figures_are_the_summary_figures(tree, members, study, users, django_assert_max_num_queries):
    """The branch page computes only the figures it shows (fewer queries), with the reports' definitions."""
    study(members.a1, hours=Decimal("6"))
    plan = services.plan_create(organization=tree.a1, year=2026, by=users.staff)
    item = services.plan_item_add(plan=plan, planned_on=date(2026, 2, 1), topic="t", by=users.staff)
    services.plan_item_done(item=item, done_on=date(2026, 2, 2), by=users.staff)
    services.plan_item_add(plan=plan, planned_on=date(2026, 3, 1), topic="t2", by=users.staff)
    _visits(tree.a1, 3, users)
    full = selectors._summary([tree.a1.pk], Y0, Y1, detail=False)
    with django_assert_max_num_queries(9):  # political 4, leadership 5
        panel = selectors._summary([tree.a1.pk], Y0, Y1, detail=False, panel=True)
    for criterion in ("political", "leadership"):
        expected = [f for f in full[criterion]["figures"] if f["key"] in selectors.PANEL_FIGURES]
        assert panel[criterion]["figures"] == expected
    keys = {f["key"] for c in ("political", "leadership") for f in panel[c]["figures"]}
    assert keys == set(selectors.PANEL_FIGURES)
    values = {f["key"]: f["value"] for c in ("political", "leadership") for f in panel[c]["figures"]}
    assert values["plan_completion"] == 0.5 and values["contact_visits"] == 3
