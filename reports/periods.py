"""Report periods written "2025", "2025-Q3", "2025-09" (the same grammar as orglife.compliance.Period).

Kept here as a small value type so that reports parse and label periods even where the organizational-life
engine is not installed; sources.py hands the key string to that engine, which parses it again.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

PERIOD_FORMAT_ERROR = _("期间格式应为 2025、2025-Q3 或 2025-09。")
PERIOD_KIND_ERROR = _("该报告按{expected}生成，期间应写作 {example}。")
QUARTER_NAMES = "一二三四"
_RE = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$")
EXAMPLES = {"year": (_("年度"), "2025"), "quarter": (_("季度"), "2025-Q3"), "month": (_("月度"), "2025-09")}


@dataclass(frozen=True, order=True)
class ReportPeriod:
    year: int
    kind: str  # "year" | "quarter" | "month"
    index: int = 0

    @classmethod
    def parse(cls, value: str) -> ReportPeriod:
        m = _RE.match((value or "").strip().upper())
        if not m or not 1990 <= int(m.group(1)) <= 2100:
            raise ValueError(PERIOD_FORMAT_ERROR)
        year = int(m.group(1))
        if m.group(2):
            return cls(year, "quarter", int(m.group(2)))
        if m.group(3):
            return cls(year, "month", int(m.group(3)))
        return cls(year, "year")

    @classmethod
    def containing(cls, kind: str, day: date) -> ReportPeriod:
        if kind == "year":
            return cls(day.year, kind)
        if kind == "quarter":
            return cls(day.year, kind, (day.month - 1) // 3 + 1)
        return cls(day.year, "month", day.month)

    @classmethod
    def previous_completed(cls, kind: str, today: date) -> ReportPeriod:
        """The last full period before `today` (what a schedule on the 1st reports on)."""
        return cls.containing(kind, cls.containing(kind, today).start - timedelta(days=1))

    @property
    def start(self) -> date:
        if self.kind == "year":
            return date(self.year, 1, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.index - 2, 1)
        return date(self.year, self.index, 1)

    @property
    def end(self) -> date:
        if self.kind == "year":
            return date(self.year, 12, 31)
        month = 3 * self.index if self.kind == "quarter" else self.index
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def key(self) -> str:
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.year}年度"
        if self.kind == "quarter":
            return f"{self.year}年第{QUARTER_NAMES[self.index - 1]}季度"
        return f"{self.year}年{self.index}月"

    def months(self) -> list[ReportPeriod]:
        first = self.start.month
        return [ReportPeriod(self.year, "month", m) for m in range(first, self.end.month + 1)]

    def __str__(self):
        return self.key


def parse_for_kind(value: str, expected_kind: str) -> ReportPeriod:
    """Parse and check the granularity a report kind needs; ValueError with a Chinese message otherwise."""
    period = ReportPeriod.parse(value)
    if period.kind != expected_kind:
        name, example = EXAMPLES[expected_kind]
        raise ValueError(PERIOD_KIND_ERROR.format(expected=name, example=example))
    return period
