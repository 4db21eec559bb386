"""Small helpers shared by the report builders."""
from __future__ import annotations

from reports.rendering import charts

from .document import format_value

NO_DATA = "暂无数据。"


def pct(value) -> str:
    return format_value(value, "percent")


def num(value) -> str:
    return format_value(value, "int")


def avg(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def held_required_chart(months: list[tuple[str, int, int]]) -> str:
    """Bar chart of 应开展 vs 计入完成 per month (三会一课 + 主题党日, each window in the month it ends)."""
    labels = [m for m, _, _ in months]
    return charts.bar_chart(labels, [charts.Series("应开展", [r for _, r, _ in months], charts.GREY),
                                     charts.Series("计入完成", [h for _, _, h in months], charts.PRIMARY)],
                            unit="", width=640, height=250)


def radar(values: dict[str, float | None], compare: dict[str, float | None] | None = None,
          name: str = "本支部", compare_name: str = "平均") -> str:
    series = [charts.Series(name, [values.get(k) for k in ("political", "leadership", "members", "role")])]
    if compare:
        series.append(charts.Series(compare_name, [compare.get(k) for k in ("political", "leadership", "members",
                                                                            "role")]))
    return charts.radar_chart(charts.FOUR_STRONG_AXES, series, max_value=100, min_value=0, size=220)


def star_donut(distribution: list[tuple[str, int]], total_label: str) -> str:
    return charts.donut_chart(distribution, center_label=total_label, center_sublabel="参评支部",
                              colors=(charts.PRIMARY, "#e06c70", charts.GOLD, charts.DARK_GREY, charts.GREY,
                                      charts.LIGHT_GREY), size=180, unit="个")
