"""四强 as a designation: 申报 → 推荐 → 评定 → 公示 → 命名 (one Honour) → 上级再次命名 → 摘牌/降级/升级, with deadlines."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from evaluations.models import AdjustmentKind, CycleKind, Step
from evaluations.services import result_adjust
from practice.models import Honour, HonourKind
from programmes import selectors, services
from programmes.models import ChangeKind, Origin, Programme, Stage, StepLog
from tests.branches.factories import UserFactory, grant
from tests.evaluations.factories import make_cycle
from tests.programmes.conftest import ON_TIME, publish

MAT = dict(materials="支部工作台账、获奖材料", self_assessment="对照四条标准逐项自评：达到")


def _designate(four_round, tree, users, org=None, *, on=date(2026, 5, 1)):
    org = org or tree.a1
    cand = services.candidacy_apply(round=four_round, organization=org, by=users.staff, today=ON_TIME, **MAT)
    services.candidacy_recommend(candidacy=cand, by=users.staff_a if org.path.startswith(tree.ga.path) else users.staff,
                                 recommend=True, today=ON_TIME)
    services.candidacy_decide(candidacy=cand, by=users.staff, approve=True, today=ON_TIME)
    services.candidacy_designate(candidacy=cand, by=users.staff, today=on)
    return cand


def test_full_path_makes_one_title_with_validity_and_designating_body(four_round, cycle, tree, users):
    publish(cycle, tree.a1)
    cand = services.candidacy_apply(round=four_round, organization=tree.a1, by=users.secretary, today=ON_TIME, **MAT)
    assert cand.stage == Stage.APPLIED and cand.origin == Origin.APPLIED
    services.candidacy_recommend(candidacy=cand, by=users.staff_a, recommend=True, note="同意推荐", today=ON_TIME)
    services.candidacy_decide(candidacy=cand, by=users.staff, approve=True, today=date(2026, 4, 20))
    assert (cand.stage, cand.proposed_stars, cand.publicity_ends_on) == (Stage.PUBLICITY, 5, date(2026, 4, 25))
    with pytest.raises(ValidationError, match="公示期至"):
        services.candidacy_designate(candidacy=cand, by=users.staff, today=date(2026, 4, 25))
    services.candidacy_designate(candidacy=cand, by=users.staff, today=date(2026, 4, 26))
    title = cand.title
    assert (title.kind, title.awarded_on, title.valid_until, title.designated_by, title.issuer) == (
        HonourKind.FOUR_STRONG, date(2026, 4, 26), date(2029, 4, 25), tree.root, tree.root.name)
    # one record: the practice honours list IS the list of titles
    assert list(Honour.objects.filter(kind=HonourKind.FOUR_STRONG)) == [title]
    assert [s.action for s in StepLog.objects.filter(candidacy=cand)] == ["申报", "推荐", "评定通过", "命名"]


def test_secretary_cannot_apply_for_another_branch_and_nothing_is_created(four_round, tree, users):
    with pytest.raises(ValidationError, match="没有权限"):
        services.candidacy_apply(round=four_round, organization=tree.b1, by=users.secretary, today=ON_TIME, **MAT)
    assert not four_round.candidacies.exists()


def test_application_needs_materials_and_self_assessment(four_round, tree, users):
    with pytest.raises(ValidationError, match="申报材料"):
        services.candidacy_apply(round=four_round, organization=tree.a1, by=users.secretary, today=ON_TIME,
                                 materials="", self_assessment="x")


def test_late_application_needs_a_recorded_extension(four_round, tree, users):
    late = date(2026, 4, 21)  # three weeks after 2026-03-31
    with pytest.raises(ValidationError, match="申报已于 2026年03月31日 截止"):
        services.candidacy_apply(round=four_round, organization=tree.a1, by=users.secretary, today=late, **MAT)
    with pytest.raises(ValidationError, match="没有权限"):  # a secretary cannot extend her own deadline
        services.extension_grant(round=four_round, organization=tree.a1, action="apply", until=date(2026, 4, 30),
                                 reason="自己延期", by=users.secretary, today=late)
    ext = services.extension_grant(round=four_round, organization=tree.a1, action="apply", until=date(2026, 4, 30),
                                   reason="党委会同意补报", by=users.staff, today=late)
    cand = services.candidacy_apply(round=four_round, organization=tree.a1, by=users.secretary, today=late, **MAT)
    assert cand.steps.get().extension == ext
    with pytest.raises(ValidationError, match="截止"):  # the extension is for a1 only
        services.candidacy_apply(round=four_round, organization=tree.a2, by=users.staff, today=late, **MAT)


def test_committee_rates_a_branch_that_did_not_apply(four_round, cycle, tree, users):
    publish(cycle, tree.b1)
    with pytest.raises(ValidationError, match="没有权限"):
        services.candidacy_nominate(round=four_round, organization=tree.b1, by=users.staff_a, reason="x")
    cand = services.candidacy_nominate(round=four_round, organization=tree.b1, by=users.staff, reason="党委决定参评")
    assert cand.origin == Origin.NOMINATED and cand.stage == Stage.APPLIED
    with pytest.raises(ValidationError, match="已在本次活动中"):
        services.candidacy_apply(round=four_round, organization=tree.b1, by=users.staff, today=ON_TIME, **MAT)


def test_branch_under_general_branch_needs_its_recommendation_first(four_round, cycle, tree, users):
    publish(cycle, tree.a1)
    cand = services.candidacy_apply(round=four_round, organization=tree.a1, by=users.secretary, today=ON_TIME, **MAT)
    with pytest.raises(ValidationError, match="已申报"):
        services.candidacy_decide(candidacy=cand, by=users.staff, approve=True, today=ON_TIME)
    other = grant(UserFactory(username="staff_b"), tree.gb, "staff")
    with pytest.raises(ValidationError, match="没有权限"):  # 乙党总支 does not recommend 甲's branches
        services.candidacy_recommend(candidacy=cand, by=other, recommend=True, today=ON_TIME)
    with pytest.raises(ValidationError, match="原因"):
        services.candidacy_recommend(candidacy=cand, by=users.staff_a, recommend=False, today=ON_TIME)
    services.candidacy_recommend(candidacy=cand, by=users.staff_a, recommend=False, note="组织生活不规范",
                                 today=ON_TIME)
    assert cand.stage == Stage.NOT_RECOMMENDED


def test_designation_needs_the_cycle_result_to_be_four_strong(four_round, cycle, tree, users):
    publish(cycle, tree.a1, stars=4, four_strong=False)
    cand = services.candidacy_apply(round=four_round, organization=tree.a1, by=users.secretary, today=ON_TIME, **MAT)
    services.candidacy_recommend(candidacy=cand, by=users.staff_a, recommend=True, today=ON_TIME)
    with pytest.raises(ValidationError, match="未达到"):
        services.candidacy_decide(candidacy=cand, by=users.staff, approve=True, today=ON_TIME)
    cand.refresh_from_db()
    assert cand.stage == Stage.RECOMMENDED


def test_higher_body_designates_again_and_both_counts_are_held(four_round, cycle, tree, users):
    for org in (tree.a1, tree.a2, tree.b1):
        publish(cycle, org)
    cands = [_designate(four_round, tree, users, org) for org in (tree.a1, tree.a2, tree.b1)]
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.candidacy_designate_higher(candidacy=cands[0], by=users.staff, on=date(2999, 1, 1))
    services.candidacy_designate_higher(candidacy=cands[0], by=users.staff, on=date(2026, 6, 1), document="工委〔2026〕8号")
    with pytest.raises(ValidationError, match="已获上级机关命名"):
        services.candidacy_designate_higher(candidacy=cands[0], by=users.staff, on=date(2026, 6, 1))
    counts = selectors.designated_counts(round=four_round)
    assert (counts["committee"], counts["higher"]) == (3, 1)
    higher = cands[0].higher_title
    assert (higher.issuer, higher.designated_by, higher.level) == ("市直机关工委", None, "system")


def test_title_expires_and_is_no_longer_current(four_round, cycle, tree, users):
    publish(cycle, tree.a1)
    cand = _designate(four_round, tree, users)
    until = cand.title.valid_until
    assert cand.title.is_current(until)
    after = until + timedelta(days=1)
    assert not cand.title.is_current(after)
    assert list(Honour.objects.current(until)) == [cand.title]
    assert not Honour.objects.current(after).exists()
    assert not selectors.organization_titles(org=tree.a1, today=after)["current"]
    with pytest.raises(ValidationError, match="已失效"):
        services.title_change(honour=cand.title, kind=ChangeKind.REVOKE, reason="x", by=users.staff, decided_on=after)


def test_revoke_ends_both_titles_and_the_evaluation_standing_then_redesignation(four_round, cycle, tree, users, tmp_path):
    ev = publish(cycle, tree.a1)
    cand = _designate(four_round, tree, users)
    services.candidacy_designate_higher(candidacy=cand, by=users.staff, on=date(2026, 6, 1))
    with pytest.raises(ValidationError, match="原因"):
        services.title_change(honour=cand.title, kind=ChangeKind.REVOKE, reason=" ", by=users.staff)
    with pytest.raises(ValidationError, match="没有权限"):
        services.title_change(honour=cand.title, kind=ChangeKind.REVOKE, reason="x", by=users.staff_a)
    change = services.title_change(honour=cand.title, kind=ChangeKind.REVOKE, reason="发生严重违纪问题",
                                   evidence="纪委通报〔2026〕3号", by=users.staff, decided_on=date(2026, 9, 1))
    cand.title.refresh_from_db()
    cand.higher_title.refresh_from_db()
    ev.refresh_from_db()
    assert cand.title.revoked_on == cand.higher_title.revoked_on == date(2026, 9, 1)
    assert not ev.four_strong and change.adjustment.kind == AdjustmentKind.REVOKE_FOUR_STRONG
    assert not selectors.organization_titles(org=tree.a1, today=date(2026, 9, 2))["current"]
    # re-designated in a later round: a new title; the revoked one stays in the history
    cycle2 = make_cycle(tree.root, cycle.standard, users.staff, year=2026)
    publish(cycle2, tree.a1)
    round2 = services.round_create(organization=tree.root, programme="four_strong", year=2026, name="2026 四强",
                                   by=users.staff, cycle=cycle2, apply_closes_on=date(2027, 3, 31),
                                   recommend_closes_on=date(2027, 4, 15), decide_closes_on=date(2027, 4, 30))
    cand2 = services.candidacy_apply(round=round2, organization=tree.a1, by=users.secretary, today=date(2027, 3, 1), **MAT)
    services.candidacy_recommend(candidacy=cand2, by=users.staff_a, recommend=True, today=date(2027, 3, 1))
    services.candidacy_decide(candidacy=cand2, by=users.staff, approve=True, today=date(2027, 3, 1))
    services.candidacy_designate(candidacy=cand2, by=users.staff, today=date(2027, 3, 10))
    panel = selectors.organization_titles(org=tree.a1, today=date(2027, 3, 11))
    assert panel["current"] == [cand2.title] and cand.title in panel["ended"]


def test_revocation_recorded_in_evaluations_ends_the_title_too(four_round, cycle, tree, users):
    ev = publish(cycle, tree.a1)
    cand = _designate(four_round, tree, users)
    result_adjust(evaluation=ev, by=users.staff, kind=AdjustmentKind.REVOKE_FOUR_STRONG, reason="复查不合格",
                  decided_on=date(2026, 8, 1))
    cand.title.refresh_from_db()
    assert cand.title.revoked_on == date(2026, 8, 1) and cand.title.revoke_reason == "复查不合格"


def test_downgrade_below_four_strong_level_ends_the_title_upgrade_needs_recheck(four_round, cycle, tree, users):
    ev = publish(cycle, tree.a1)
    cand = _designate(four_round, tree, users)
    change = services.title_change(honour=cand.title, kind=ChangeKind.DOWNGRADE, to_stars=4, reason="整改不力",
                                   by=users.staff, decided_on=date(2026, 7, 1))
    ev.refresh_from_db()
    cand.title.refresh_from_db()
    assert (change.from_stars, change.to_stars, ev.stars, ev.four_strong) == (5, 4, 4, False)
    assert cand.title.revoked_on == date(2026, 7, 1)
    with pytest.raises(ValidationError, match="已失效"):
        services.title_change(honour=cand.title, kind=ChangeKind.UPGRADE, to_stars=5, reason="复查", by=users.staff)


def test_upgrade_of_a_current_title_with_a_recheck(four_round, cycle, tree, users):
    ev = publish(cycle, tree.a1, stars=5)
    ev.cycle.standard.four_strong_min_stars = 4
    ev.cycle.standard.save()
    ev.stars = 4
    ev.save()
    cand = _designate(four_round, tree, users)
    with pytest.raises(ValidationError, match="复查复核"):
        services.title_change(honour=cand.title, kind=ChangeKind.UPGRADE, to_stars=5, reason="表现好", by=users.staff)
    recheck = make_cycle(tree.root, cycle.standard, users.staff, year=2026)
    recheck.kind = CycleKind.RECHECK
    recheck.save()
    rev = recheck.evaluations.get(organization=tree.a1)
    rev.step, rev.stars = Step.RESULT, 5
    rev.save()
    change = services.title_change(honour=cand.title, kind=ChangeKind.UPGRADE, to_stars=5, reason="复查复核五星",
                                   by=users.staff)
    ev.refresh_from_db()
    cand.title.refresh_from_db()
    assert (change.from_stars, ev.stars, ev.four_strong, cand.title.revoked_on) == (4, 5, True, None)


def test_expiry_is_reminded_once_ahead(four_round, cycle, tree, users, django_capture_on_commit_callbacks, celery_eager,
                                       mailoutbox):
    users.secretary.email = "sec@example.org"
    users.secretary.save()
    publish(cycle, tree.a1)
    cand = _designate(four_round, tree, users)
    until = cand.title.valid_until
    assert services.remind_expiring(today=until - timedelta(days=61)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_expiring(today=until - timedelta(days=60)) == 1
    assert services.remind_expiring(today=until - timedelta(days=59)) == 0
    assert any("sec@example.org" in m.to and "即将到期" in m.subject for m in mailoutbox)


def test_programme_summary_counts_per_unit_and_as_of_the_date(four_round, cycle, tree, users):
    for org in (tree.a1, tree.a2, tree.b1):
        publish(cycle, org)
    a1, a2, b1 = (_designate(four_round, tree, users, org, on=date(2026, 5, 1)) for org in (tree.a1, tree.a2, tree.b1))
    services.candidacy_designate_higher(candidacy=a1, by=users.staff, on=date(2026, 6, 1))
    services.title_change(honour=a2.title, kind=ChangeKind.REVOKE, reason="违纪", by=users.staff,
                          decided_on=date(2026, 7, 1))
    summary = selectors.programme_summary(organization=tree.root, programme=Programme.FOUR_STRONG, year=2026,
                                          as_of=date(2026, 8, 1))
    by_name = {r["unit"]: r for r in summary["rows"]}
    ga, gb = by_name["甲党总支"], by_name["乙党总支"]
    assert (ga["org_id"], ga["current"], ga["higher"], ga["new"], ga["new_higher"], ga["revoked"]) == (
        tree.ga.pk, 1, 1, 2, 1, 1)
    assert (gb["org_id"], gb["current"], gb["higher"], gb["new"], gb["revoked"], gb["applied"]) == (
        tree.gb.pk, 1, 0, 1, 0, 0)   # the candidacies belong to the 2025 round
    assert selectors.programme_summary(organization=tree.root, programme=Programme.FOUR_STRONG, year=2025,
                                       as_of=date(2026, 8, 1))["totals"]["applied"] == 3
    assert summary["totals"]["current"] == 2 and summary["totals"]["new"] == 3
    # A 党总支's own summary is its row in the 党委's
    own = selectors.programme_summary(organization=tree.ga, programme=Programme.FOUR_STRONG, year=2026,
                                      as_of=date(2026, 8, 1))
    assert {k: own["totals"][k] for k in ("current", "higher", "new", "revoked")} == {
        k: ga[k] for k in ("current", "higher", "new", "revoked")}
    # As of a date before the revocation and the higher designation: a2 still in force, nothing from above yet
    before = selectors.programme_summary(organization=tree.root, programme=Programme.FOUR_STRONG, year=2026,
                                         as_of=date(2026, 5, 15))["totals"]
    assert (before["current"], before["higher"], before["revoked"], before["new_higher"]) == (3, 0, 0, 0)
