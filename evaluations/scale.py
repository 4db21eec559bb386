"""A completed 四强 cycle for `seed_scale`: published results for every branch, bulk-written.

The workflow services save one evaluation at a time (with history and a transition log per step); at 5,000
branches that is the slow path the scale data set exists to avoid. Here the rows are built the way the services
would leave them after publication (same bands, veto cap and 四强 rule via `scoring`), then bulk-inserted.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from branches.models import Organization, OrganizationKind

from . import scoring
from .models import BranchEvaluation, Cycle, IndicatorKind, Step
from .services import items_of, rules_of
from .standards import install_default_standard

CYCLE_NAME = "{year} 年度党支部“四强”评星定级"


def seed_cycle(*, ctx, year: int = 2025) -> None:
    from django.contrib.auth import get_user_model


    rng = ctx.rng
    staff, _ = get_user_model().objects.get_or_create(username="scale-staff", defaults={"first_name": "基准测试"})
    root = Organization.objects.get(path=ctx.data["root_path"]) if "root_path" in ctx.data else (
        Organization.objects.filter(depth=1).order_by("path").first())
    standard = install_default_standard(organization=root, year=year, by=staff)
    rules = rules_of(standard)
    items = items_of(standard.indicators.all())
    period_end = date(year, 12, 31)
    cycle = Cycle(organization=root, standard=standard, year=year, name=CYCLE_NAME.format(year=year), created_by=staff,
                  period_start=date(year, 1, 1), period_end=period_end,
                  self_opens_on=period_end + timedelta(days=5), self_closes_on=period_end + timedelta(days=20),
                  review_opens_on=period_end + timedelta(days=21), review_closes_on=period_end + timedelta(days=41),
                  closed_at=datetime(year + 1, 3, 1, tzinfo=UTC))
    cycle.save()

    decided = date(year + 1, 2, 12)
    published = datetime(year + 1, 2, 19, 9, tzinfo=UTC)
    youngest = period_end.replace(year=period_end.year - 1)  # the default 12-month minimum age
    rows = []
    branches = (Organization.objects.filter(path__startswith=root.path, kind=OrganizationKind.BRANCH, dissolved_on__isnull=True)
                .order_by("path").values_list("id", "established_on"))
    for org_id, established_on in branches:
        if established_on > youngest:
            rows.append(BranchEvaluation(cycle=cycle, organization_id=org_id, step=Step.EXCLUDED,
                                         excluded_reason=f"成立不满 12 个月（{established_on:%Y年%m月%d日}成立）"))
            continue
        # A branch's quality (0..1) sets its share of every scored item; few bonuses, rare deductions and vetoes.
        quality = min(0.99, max(0.35, rng.gauss(0.8, 0.1)))
        points = {}
        for item in items:
            if item.kind in (IndicatorKind.MANUAL, IndicatorKind.AUTOMATIC):
                share = min(1.0, max(0.0, quality + rng.uniform(-0.08, 0.08)))
                points[item.id] = scoring.q2(item.max_points * Decimal(str(share)))
            elif item.kind == IndicatorKind.BONUS:
                points[item.id] = item.max_points if quality > 0.85 and rng.random() < 0.3 else Decimal(0)
            elif item.kind == IndicatorKind.DEDUCTION:
                points[item.id] = item.max_points if quality < 0.6 and rng.random() < 0.3 else Decimal(0)
            else:  # veto
                points[item.id] = Decimal(1) if rng.random() < 0.001 else Decimal(0)
        result = scoring.score_sheet(items, points, rules)
        total, criterion, vetoed = result.total, result.criterion, result.vetoed
        stars = scoring.stars_for(total, rules, vetoed=vetoed)
        four_strong = scoring.is_four_strong(stars=stars, vetoed=vetoed, criterion=criterion,
                                             criterion_max=result.criterion_max, rules=rules)
        spread = scoring.q2(Decimal(str(rng.uniform(0, 6))))
        rows.append(BranchEvaluation(
            cycle=cycle, organization_id=org_id, step=Step.RESULT, narrative=f"{year} 年度支部工作总结。",
            total=total, criterion_scores={k: str(v) for k, v in criterion.items()},
            reviewer_totals=[str(total + spread / 2), str(total - spread / 2)], spread=spread, vetoed=vetoed,
            proposed_stars=stars, proposed_four_strong=four_strong, committee_meeting=f"{year + 1} 年第 2 次委员会议",
            committee_decided_on=decided, publicity_starts_on=decided + timedelta(days=1),
            publicity_ends_on=decided + timedelta(days=cycle.publicity_days), published_at=published,
            stars=stars, four_strong=four_strong,
        ))
    BranchEvaluation.objects.bulk_create(rows, batch_size=5000)
    done = sum(1 for r in rows if r.step == Step.RESULT)
    ctx.stdout.write(f"  评价周期 1 个：{done} 个支部已发布结果，{len(rows) - done} 个不参评；"
                     f"四强 {sum(1 for r in rows if r.four_strong)} 个")
