"""Pure arithmetic: normalization, caps, veto, bands at their edges, quotas, 四强 rule, reviewer mean and spread."""
from decimal import Decimal as D

import pytest

from evaluations import scoring
from evaluations.scoring import Item, Rules

ITEMS = [
    Item(1, "manual", D(30), "political", "政治"), Item(2, "manual", D(30), "leadership", "班子"),
    Item(3, "manual", D(20), "members", "队伍"), Item(4, "automatic", D(20), "role", "作用"),
    Item(5, "bonus", D(4), "", "加分甲"), Item(6, "bonus", D(4), "", "加分乙"),
    Item(7, "deduction", D(10), "political", "减分甲"), Item(8, "deduction", D(15), "role", "减分乙"),
    Item(9, "veto", D(1), "", "否决"),
]
RULES = Rules(bonus_cap=D(5), deduction_cap=D(12))


def test_normalizes_base_points_to_100():
    # base max 100 here: 24+27+16+15 = 82
    r = scoring.score_sheet(ITEMS, {1: D(24), 2: D(27), 3: D(16), 4: D(15)}, RULES)
    assert r.total == D("82.00") and r.base_max == D(100)


def test_normalization_of_a_standard_not_on_100_points():
    items = [Item(1, "manual", D(40), "political"), Item(2, "manual", D(40), "role")]
    r = scoring.score_sheet(items, {1: D(30), 2: D(36)}, Rules())
    assert r.total == D("82.50")  # 66 / 80 × 100


def test_bonus_is_capped_at_the_standard_cap():
    r = scoring.score_sheet(ITEMS, {1: D(20), 2: D(20), 3: D(10), 4: D(10), 5: D(4), 6: D(3)}, RULES)
    assert r.bonus == D(5) and r.total == D(65)


def test_deduction_is_capped_and_shared_over_criteria():
    r = scoring.score_sheet(ITEMS, {1: D(30), 2: D(30), 3: D(20), 4: D(20), 7: D(8), 8: D(8)}, RULES)
    assert r.deduction == D(12) and r.total == D(88)
    # 16 points of deductions capped to 12: each criterion loses 12/16 of its own deduction (6 each)
    assert r.criterion["political"] == D(24) and r.criterion["role"] == D(14)


def test_total_never_leaves_0_to_100():
    assert scoring.score_sheet(ITEMS, {1: D(30), 2: D(30), 3: D(20), 4: D(20), 5: D(4)}, RULES).total == D(100)
    assert scoring.score_sheet(ITEMS, {7: D(10)}, RULES).total == D(0)


def test_missing_points_count_as_zero():
    assert scoring.score_sheet(ITEMS, {1: None, 2: D(30)}, RULES).total == D(30)


@pytest.mark.parametrize("total,stars", [
    (D("100"), 5), (D("90"), 5), (D("89.99"), 4), (D("80"), 4), (D("79.99"), 3), (D("70"), 3),
    (D("69.99"), 2), (D("60"), 2), (D("59.99"), 1), (D("0"), 1), (D("89.995"), 5),
])
def test_bands_include_their_lower_edge(total, stars):
    assert scoring.stars_for(total, Rules()) == stars


def test_custom_bands():
    rules = Rules(bands=((5, D(95)), (3, D(75)), (1, D(0))))
    assert scoring.stars_for(D(94), rules) == 3 and scoring.stars_for(D(95), rules) == 5


def test_veto_caps_the_star_level():
    r = scoring.score_sheet(ITEMS, {1: D(30), 2: D(30), 3: D(20), 4: D(20), 9: D(1)}, RULES)
    assert r.vetoed and r.total == D(100)
    assert scoring.stars_for(r.total, RULES, vetoed=True) == 2
    assert scoring.stars_for(D(50), RULES, vetoed=True) == 1  # never raises a lower level
    assert scoring.stars_for(D(100), Rules(veto_max_stars=3), vetoed=True) == 3


def test_validate_points_enforces_max_and_veto_values():
    assert scoring.validate_points(ITEMS[0], D(30)) is None
    assert "超过上限" in scoring.validate_points(ITEMS[0], D("30.5"))
    assert "负数" in scoring.validate_points(ITEMS[0], D(-1))
    assert scoring.validate_points(ITEMS[8], D(2)) is not None and scoring.validate_points(ITEMS[8], D(1)) is None


MAXES = {"political": D(30), "leadership": D(30), "members": D(20), "role": D(20)}


def test_four_strong_needs_stars_no_veto_and_each_criterion_at_85_percent():
    ok = {"political": D("25.5"), "leadership": D(30), "members": D(17), "role": D(17)}  # exactly 85 %
    assert scoring.is_four_strong(stars=5, vetoed=False, criterion=ok, criterion_max=MAXES, rules=Rules())
    low = dict(ok, members=D("16.99"))
    assert not scoring.is_four_strong(stars=5, vetoed=False, criterion=low, criterion_max=MAXES, rules=Rules())
    assert not scoring.is_four_strong(stars=4, vetoed=False, criterion=ok, criterion_max=MAXES, rules=Rules())
    assert not scoring.is_four_strong(stars=5, vetoed=True, criterion=ok, criterion_max=MAXES, rules=Rules())
    lenient = Rules(four_strong_min_stars=4, four_strong_ratio=D("0.8"))
    assert scoring.is_four_strong(stars=4, vetoed=False, criterion=low, criterion_max=MAXES, rules=lenient)


def _result(total, veto=False, **crit):
    return scoring.SheetResult(total=D(total), base=D(0), base_max=D(100), bonus=D(0), deduction=D(0),
                               criterion={k: D(v) for k, v in crit.items()}, vetoed=veto)


def test_branch_total_is_the_mean_of_reviewers_and_spread_is_flagged_above_threshold():
    c = scoring.combine_reviewers([_result("80", political=20), _result("91", political=25), _result("86")],
                                  spread_threshold=D(10))
    assert c.total == D("85.67") and c.spread == D(11) and c.spread_flagged
    assert c.criterion["political"] == D(15)  # (20 + 25 + 0) / 3
    at_edge = scoring.combine_reviewers([_result("80"), _result("90")], spread_threshold=D(10))
    assert at_edge.spread == D(10) and not at_edge.spread_flagged


def test_one_reviewers_veto_vetoes_the_branch():
    assert scoring.combine_reviewers([_result("95"), _result("95", veto=True)], spread_threshold=D(10)).vetoed


def test_combine_without_reviewers_is_an_error():
    with pytest.raises(ValueError):
        scoring.combine_reviewers([], spread_threshold=D(10))


def test_quota_is_reported_never_applied():
    rows = [(1, 5, D(99)), (2, 5, D(95)), (3, 5, D(91)), (4, 4, D(85)), (5, 4, D(82)), (6, 3, D(75)), (7, 3, D(71)),
            (8, 2, D(65)), (9, 2, D(61)), (10, 1, D(30))]
    lines = scoring.quota_report(rows, {"5": 20, "4": 40})
    five, four = lines
    assert (five.stars, five.count, five.allowed, five.over_by, five.beyond) == (5, 3, 2, 1, [3])
    assert five.over and not four.over and four.allowed == 4
    assert rows[2] == (3, 5, D(91))  # the rows themselves are untouched


def test_quota_allowed_rounds_down():
    assert scoring.quota_report([(i, 5, D(95)) for i in range(7)], {5: 30})[0].allowed == 2  # 7 × 30 % = 2.1


@pytest.mark.parametrize("mapping,value,points", [
    ({"type": "linear", "zero_at": 0.5, "full_at": 1.0}, 0.75, D("5.00")),
    ({"type": "linear", "zero_at": 0.5, "full_at": 1.0}, 0.4, D("0.00")),
    ({"type": "linear", "zero_at": 0.5, "full_at": 1.0}, 1.2, D("10.00")),
    ({"type": "linear", "zero_at": 1, "full_at": 0}, 0.0, D("10.00")),     # downward: a deduction when missing
    ({"type": "linear", "zero_at": 1, "full_at": 0}, 1.0, D("0.00")),
    ({"type": "thresholds", "steps": [[0.95, 10], [0.8, 8], [0.6, 5]]}, 0.8, D("8.00")),
    ({"type": "thresholds", "steps": [[0.95, 10], [0.8, 8], [0.6, 5]]}, 0.59, D("0.00")),
    ({"type": "thresholds", "steps": [[0.95, 12]]}, 1.0, D("10.00")),    # never above the max
    ({"type": "per_unit", "points": 2}, 3, D("6.00")),
    ({"type": "per_unit", "points": 2}, 9, D("10.00")),
])
def test_map_metric(mapping, value, points):
    assert scoring.map_metric(value, mapping, D(10)) == points


def test_map_metric_without_a_value_is_none():
    assert scoring.map_metric(None, {"type": "linear"}, D(10)) is None
