"""One definition per figure: what counts, on what base, for which period and scope, as of which date.

Apps register their figures here (orglife/figures.py for organizational life, reports/figures.py for member,
committee, 评星 and 整改 figures and the committee-wide aggregates); pages, the API, the exports and every report
read a figure through its definition, and the 统计口径说明 page and each report's closing 口径 section print the
definitions' text. This module is domain-free: it knows nothing of the apps that register into it.

A figure is computed for a `FigureScope`: one organization, one period (start..end, a key such as "2026" or
"2026-Q3") and the day the figure is read (`today`); state-like figures (members, committee seats, open 整改) are
taken `as_of` the earlier of the period's end and today.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

KINDS = ("int", "percent", "decimal", "stars", "bool")


@dataclass(frozen=True)
class FigureDef:
    id: str              # "orglife.completion_rate"
    name: str            # 三会一课完成率 (Chinese: it is printed in reports and on the 口径 page)
    kind: str            # int | percent | decimal | stars | bool
    counts: str          # 统计什么
    base: str            # 基数 / 分母
    period: str          # 期间
    scope: str           # 范围
    as_of: str           # 时点
    compute: Callable[[FigureScope], Any] = field(compare=False, repr=False)
    group: str = ""      # heading on the 口径 page
    param: str = ""      # what the parameter means, for figures read per activity type / star level

    def text(self) -> str:
        """The 口径 in one paragraph, as printed at the end of a report."""
        return f"{self.name}：{self.short()}"

    def short(self) -> str:
        """The 口径 without the name: what counts, base (when there is one), period, scope, as-of date."""
        base = f"基数：{self.base}；" if self.base not in ("", "—") else ""
        return f"统计{self.counts}；{base}期间：{self.period}；范围：{self.scope}；时点：{self.as_of}。"


@dataclass
class FigureScope:
    org: Any
    start: date
    end: date
    year: int
    key: str
    today: date
    param: Any = None
    cache: dict = field(default_factory=dict)

    @property
    def as_of(self) -> date:
        return min(self.end, self.today)

    def memo(self, key, fn: Callable[[], Any]) -> Any:
        """Compute once per scope family (a report reads many figures from one compliance row)."""
        key = (key, getattr(self.org, "pk", None), self.key, self.today)
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]

    def with_param(self, param) -> FigureScope:
        return FigureScope(self.org, self.start, self.end, self.year, self.key, self.today, param, self.cache)

    def for_org(self, org) -> FigureScope:
        return FigureScope(org, self.start, self.end, self.year, self.key, self.today, self.param, self.cache)


_REGISTRY: dict[str, FigureDef] = {}


def register(definition: FigureDef) -> FigureDef:
    if definition.kind not in KINDS:
        raise ValueError(f"unknown figure kind {definition.kind!r}")
    existing = _REGISTRY.get(definition.id)
    if existing is not None and existing.compute is not definition.compute and existing != definition:
        raise ValueError(f"figure {definition.id} is defined twice")
    _REGISTRY[definition.id] = definition
    return definition


def get(figure_id: str) -> FigureDef:
    """The definition; KeyError for a figure nobody defined (the consistency test relies on that)."""
    return _REGISTRY[figure_id]


def known(figure_id: str) -> bool:
    return figure_id in _REGISTRY


def definitions() -> list[FigureDef]:
    return sorted(_REGISTRY.values(), key=lambda d: (d.group, d.id))


def compute(figure_id: str, scope: FigureScope, param=None) -> Any:
    return get(figure_id).compute(scope.with_param(param) if param is not None else scope)
