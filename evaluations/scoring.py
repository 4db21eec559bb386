"""Pure scoring arithmetic: no database, no Django models; every rule of the standard is an argument.

Total (0–100) = manual+automatic points normalized to 100, plus bonus (capped), minus deductions (capped).
Bonus and deduction points are on the 100-point scale. Stars come from the bands, then a veto caps them.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

CRITERIA = ("political", "leadership", "members", "role")
BASE_KINDS = ("manual", "automatic")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")

POINTS_NEGATIVE = _("{name}：得分不能为负数。")
POINTS_OVER_MAX = _("{name}：得分 {points} 超过上限 {max}。")
VETO_POINTS = _("{name}：一票否决项只能填 0（未触发）或 1（触发）。")


def q2(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Item:
    """A scored indicator: kind is manual / automatic / bonus / deduction / veto."""

    id: int
    kind: str
    max_points: Decimal
    criterion: str = ""
    name: str = ""


@dataclass(frozen=True)
class Rules:
    bands: Sequence[tuple[int, Decimal]] = ((5, Decimal(90)), (4, Decimal(80)), (3, Decimal(70)), (2, Decimal(60)),
                                            (1, ZERO))
    veto_max_stars: int = 2
    four_strong_min_stars: int = 5
    four_strong_ratio: Decimal = Decimal("0.85")
    bonus_cap: Decimal = Decimal("5")
    deduction_cap: Decimal = Decimal("20")


@dataclass
class SheetResult:
    total: Decimal
    base: Decimal
    base_max: Decimal
    bonus: Decimal
    deduction: Decimal
    criterion: dict[str, Decimal] = field(default_factory=dict)
    criterion_max: dict[str, Decimal] = field(default_factory=dict)
    vetoed: bool = False


@dataclass
class Combined:
    total: Decimal
    criterion: dict[str, Decimal]
    vetoed: bool
    spread: Decimal
    spread_flagged: bool
    totals: list[Decimal]


@dataclass
class QuotaLine:
    stars: int
    count: int
    allowed: int
    percent: Decimal
    over_by: int
    beyond: list  # ids of the lowest-scored branches beyond the quota (for the committee to look at)

    @property
    def over(self) -> bool:
        return self.over_by > 0


def validate_points(item: Item, points) -> str | None:
    """The error text for an out-of-range score, or None. Maximums are enforced here, not only in the browser."""
    if points is None:
        return None
    points = Decimal(points)
    if item.kind == "veto":
        return None if points in (ZERO, Decimal(1)) else VETO_POINTS.format(name=item.name)
    if points < 0:
        return POINTS_NEGATIVE.format(name=item.name)
    if points > item.max_points:
        return POINTS_OVER_MAX.format(name=item.name, points=points.normalize(), max=item.max_points.normalize())
    return None


def score_sheet(items: Iterable[Item], points: Mapping[int, Decimal | None], rules: Rules) -> SheetResult:
    """One scorer's total. Missing points count as 0; out-of-range points are clamped (validate first)."""
    base = base_max = bonus = deduction = ZERO
    crit = {c: ZERO for c in CRITERIA}
    crit_max = {c: ZERO for c in CRITERIA}
    crit_deduction = {c: ZERO for c in CRITERIA}
    vetoed = False
    for item in items:
        raw = points.get(item.id)
        p = ZERO if raw is None else min(max(Decimal(raw), ZERO), item.max_points if item.kind != "veto" else Decimal(1))
        if item.kind in BASE_KINDS:
            base += p
            base_max += item.max_points
            if item.criterion in crit:
                crit[item.criterion] += p
                crit_max[item.criterion] += item.max_points
        elif item.kind == "bonus":
            bonus += p
        elif item.kind == "deduction":
            deduction += p
            if item.criterion in crit:
                crit_deduction[item.criterion] += p
        elif item.kind == "veto":
            vetoed = vetoed or p > 0
    capped_bonus = min(bonus, rules.bonus_cap)
    capped_deduction = min(deduction, rules.deduction_cap)
    # A capped deduction is shared out over the criteria in proportion, so the parts still add up.
    share = (capped_deduction / deduction) if deduction else ZERO
    for c in CRITERIA:
        crit[c] = q2(max(crit[c] - crit_deduction[c] * share, ZERO))
    normalized = (base / base_max * HUNDRED) if base_max else ZERO
    total = min(max(normalized + capped_bonus - capped_deduction, ZERO), HUNDRED)
    return SheetResult(total=q2(total), base=q2(base), base_max=base_max, bonus=q2(capped_bonus),
                       deduction=q2(capped_deduction), criterion=crit, criterion_max=crit_max, vetoed=vetoed)


def stars_for(total: Decimal, rules: Rules, *, vetoed: bool = False) -> int:
    """The band `total` falls in (a band includes its lower edge); a veto caps the result."""
    total = q2(total)
    stars = 0
    for band_stars, minimum in sorted(rules.bands, key=lambda b: Decimal(b[1]), reverse=True):
        if total >= Decimal(minimum):
            stars = band_stars
            break
    if vetoed:
        stars = min(stars, rules.veto_max_stars)
    return stars


def is_four_strong(*, stars: int, vetoed: bool, criterion: Mapping[str, Decimal], criterion_max: Mapping[str, Decimal],
                   rules: Rules) -> bool:
    """四强: at least the configured star level, no veto, and every criterion at or above ratio × its maximum."""
    if vetoed or stars < rules.four_strong_min_stars:
        return False
    for c in CRITERIA:
        maximum = Decimal(criterion_max.get(c, ZERO))
        if maximum and Decimal(criterion.get(c, ZERO)) < maximum * Decimal(rules.four_strong_ratio):
            return False
    return True


def combine_reviewers(results: Sequence[SheetResult], *, spread_threshold: Decimal) -> Combined:
    """Branch total = mean of the reviewers' totals; the spread (max − min) above the threshold is flagged."""
    if not results:
        raise ValueError("no reviewer results")
    n = Decimal(len(results))
    totals = [r.total for r in results]
    criterion = {c: q2(sum((r.criterion.get(c, ZERO) for r in results), ZERO) / n) for c in CRITERIA}
    spread = q2(max(totals) - min(totals))
    return Combined(total=q2(sum(totals, ZERO) / n), criterion=criterion, vetoed=any(r.vetoed for r in results),
                    spread=spread, spread_flagged=spread > Decimal(spread_threshold), totals=totals)


def quota_report(rows: Iterable[tuple], quotas: Mapping) -> list[QuotaLine]:
    """Compare the star distribution with quotas ({stars: max percent}); report only, never change a result.

    `rows` are (id, stars, total). The allowed count is floor(n × percent / 100) of the rated branches.
    """
    rows = list(rows)
    n = len(rows)
    lines = []
    for stars_key, percent in sorted(((int(k), Decimal(str(v))) for k, v in quotas.items()), reverse=True):
        at_level = sorted((r for r in rows if r[1] == stars_key), key=lambda r: Decimal(r[2]), reverse=True)
        allowed = math.floor(n * percent / HUNDRED)
        over_by = max(len(at_level) - allowed, 0)
        lines.append(QuotaLine(stars=stars_key, count=len(at_level), allowed=allowed, percent=percent, over_by=over_by,
                               beyond=[r[0] for r in at_level[allowed:]] if over_by else []))
    return lines


def map_metric(value: float | None, mapping: Mapping, max_points: Decimal) -> Decimal | None:
    """Turn a metric value into points. Mappings:
    {"type": "thresholds", "steps": [[0.95, 10], [0.8, 8]]}  first step whose minimum the value reaches;
    {"type": "linear", "zero_at": 0.5, "full_at": 1.0}       straight line (may run downwards);
    {"type": "per_unit", "points": 2}                        points per unit (counts of overdue items, ...).
    The result never exceeds max_points.
    """
    if value is None:
        return None
    kind = mapping.get("type", "linear")
    v = Decimal(str(value))
    if kind == "thresholds":
        points = ZERO
        for minimum, pts in sorted(mapping.get("steps", []), key=lambda s: Decimal(str(s[0])), reverse=True):
            if v >= Decimal(str(minimum)):
                points = Decimal(str(pts))
                break
    elif kind == "per_unit":
        points = v * Decimal(str(mapping.get("points", 1)))
    else:
        zero_at = Decimal(str(mapping.get("zero_at", 0)))
        full_at = Decimal(str(mapping.get("full_at", 1)))
        if full_at == zero_at:
            points = max_points if v >= full_at else ZERO
        else:
            ratio = (v - zero_at) / (full_at - zero_at)
            points = max_points * min(max(ratio, ZERO), Decimal(1))
    return q2(min(max(points, ZERO), max_points))
