"""Small standards and cycles for tests: numbers chosen so totals are easy to compute by hand."""
from datetime import date, timedelta
from decimal import Decimal

from evaluations import services
from evaluations.models import IndicatorKind


def small_standard(org, by, *, year=2025, publish=True, **rules):
    """Four criteria × one manual item of 25 points, one automatic (rectification) item, bonus, deduction, veto.

    Base max = 100: P1 25, L1 25, M1 25, R1 15 + R2 (automatic, rectification_on_time, linear 0→1) 10.
    """
    st = services.standard_create(organization=org, year=year, name="测试标准", by=by, **rules)
    add = lambda **kw: services.indicator_save(standard=st, by=by, **kw)  # noqa: E731
    ind = {
        "P1": add(code="P1", criterion="political", name="政治", kind=IndicatorKind.MANUAL, max_points=Decimal(25)),
        "L1": add(code="L1", criterion="leadership", name="班子", kind=IndicatorKind.MANUAL, max_points=Decimal(25)),
        "M1": add(code="M1", criterion="members", name="队伍", kind=IndicatorKind.MANUAL, max_points=Decimal(25)),
        "R1": add(code="R1", criterion="role", name="作用", kind=IndicatorKind.MANUAL, max_points=Decimal(15)),
        "R2": add(code="R2", criterion="role", name="整改按期率", kind=IndicatorKind.AUTOMATIC,
                  max_points=Decimal(10), metric_key="rectification_on_time",
                  mapping={"type": "linear", "zero_at": 0, "full_at": 1}),
        "B1": add(code="B1", name="加分", kind=IndicatorKind.BONUS, max_points=Decimal(3)),
        "D1": add(code="D1", criterion="political", name="减分", kind=IndicatorKind.DEDUCTION, max_points=Decimal(5)),
        "V1": add(code="V1", name="否决", kind=IndicatorKind.VETO, max_points=Decimal(1)),
    }
    if publish:
        services.standard_publish(standard=st, by=by)
    return st, ind


def make_cycle(org, standard, by, *, year=2025, **kw):
    # Deadlines still open whatever day the suite runs (deadline tests set their own dates).
    kw.setdefault("self_closes_on", date.today() + timedelta(days=30))
    kw.setdefault("review_closes_on", date.today() + timedelta(days=60))
    return services.cycle_create(organization=org, standard=standard, year=year, name=f"{year} 年度评星", by=by,
                                 period_start=date(year, 1, 1), period_end=date(year, 12, 31), **kw)


def entries(ind, **points):
    return {ind[code].pk: {"points": str(value), "note": ""} for code, value in points.items()}
