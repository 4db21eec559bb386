"""Server-rendered SVG charts for PDF reports (WeasyPrint runs no JavaScript).

Pure functions: data in, an SVG string out, ready to be put into a template with ``|safe``. Every label
and title is XML-escaped here, so callers may pass user-entered text (branch names, etc.) as-is.

    bar_chart(["一支部", "二支部"], [Series("2023", [3, 5]), Series("2024", [4, 6])], unit="次")
    line_chart(["1月", "2月", "3月"], [Series("出勤率", [0.92, 0.95, 0.9])], percent=True)
    radar_chart(FOUR_STRONG_AXES, [Series("本支部", [92, 88, 85, 90]), Series("平均", [85, 84, 80, 83])])
    donut_chart([("五星", 3), ("四星", 8), ("三星", 5)], center_label="16个支部")
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

# Same family the report CSS declares with @font-face (reports/rendering/static/pdf.css).
FONT_FAMILY = "Noto Sans SC Subset, Noto Sans CJK SC, sans-serif"

PRIMARY = "#c8161d"
GOLD = "#c9a227"
DARK_GREY = "#595959"
GREY = "#a6a6a6"
LIGHT_GREY = "#d9d9d9"
GRID = "#ebebeb"
TEXT = "#262626"
MUTED_TEXT = "#737373"
# Restrained party red first, then gold and greys; enough for grouped bars and donuts.
PALETTE = (PRIMARY, GOLD, DARK_GREY, "#e06c70", GREY, "#8c1015", "#e3c96b", LIGHT_GREY)

FOUR_STRONG_AXES = ("政治功能强", "支部班子强", "党员队伍强", "作用发挥强")

FONT_SIZE = 12
SMALL_FONT_SIZE = 11


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]
    color: str | None = None


# --- helpers -----------------------------------------------------------------------------------------


def _attr(value: object) -> str:
    return quoteattr(str(value))


def _num(value: float) -> str:
    """Compact coordinates: 2 decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


_SVG_SIZE = re.compile(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"')


def svg_size(svg: str) -> tuple[float, float]:
    """A chart's own width and height in CSS px, from its root element (640 x 300 when it has none)."""
    size = _SVG_SIZE.search(svg)
    return (float(size.group(1)), float(size.group(2))) if size else (640.0, 300.0)


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """Estimate rendered width: CJK and fullwidth characters are 1 em, others about 0.55 em."""
    width = 0.0
    for char in text:
        code = ord(char)
        wide = code >= 0x2E80 or 0x2460 <= code <= 0x27BF
        width += 1.0 if wide else 0.56
    return width * font_size


def _fit_lines(label: str, max_width: float, font_size: float, max_lines: int = 2) -> list[str]:
    """Break a label into at most `max_lines` lines that fit `max_width`; the last line gets an ellipsis."""
    if text_width(label, font_size) <= max_width:
        return [label]
    lines: list[str] = []
    current = ""
    for char in label:
        if text_width(current + char, font_size) > max_width and current:
            lines.append(current)
            current = char
            if len(lines) == max_lines:
                break
        else:
            current += char
    else:
        lines.append(current)
        return lines
    # Ran out of lines: shorten the last one and mark the cut.
    last = lines[-1]
    while last and text_width(last + "…", font_size) > max_width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def _text(x: float, y: float, label: str, *, size: float = FONT_SIZE, anchor: str = "middle",
          fill: str = TEXT, weight: str | None = None, extra: str = "") -> str:
    weight_attr = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" text-anchor="{anchor}" '
        f'fill="{fill}"{weight_attr}{extra}>{escape(label)}</text>'
    )


def _multiline_text(x: float, y: float, lines: Sequence[str], *, size: float, anchor: str = "middle",
                    fill: str = TEXT) -> str:
    if len(lines) == 1:
        return _text(x, y, lines[0], size=size, anchor=anchor, fill=fill)
    spans = "".join(
        f'<tspan x="{_num(x)}" dy="{_num(0 if i == 0 else size * 1.2)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" text-anchor="{anchor}" fill="{fill}">{spans}</text>'


def _svg(width: float, height: float, body: Sequence[str], *, title: str | None, css_class: str) -> str:
    title_el = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'width="{_num(width)}" height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'font-family={_attr(FONT_FAMILY)}>{title_el}{"".join(body)}</svg>'
    )


def nice_ceiling(value: float, ticks: int = 5) -> tuple[float, float]:
    """A round axis maximum >= value and its tick step (e.g. 87 -> (100, 20))."""
    if value <= 0:
        return float(ticks), 1.0
    raw_step = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw_step))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step * ticks >= value:
            return step * ticks, step
    return 10 * magnitude * ticks, 10 * magnitude  # pragma: no cover - the loop always returns


def _formatter(percent: bool, unit: str, decimals: int | None) -> Callable[[float], str]:
    def fmt(value: float) -> str:
        if percent:
            places = 0 if decimals is None else decimals
            return f"{value * 100:.{places}f}%"
        if decimals is not None:
            text = f"{value:.{decimals}f}"
        elif float(value).is_integer():
            text = f"{int(value)}"
        else:
            text = f"{value:.1f}"
        return text + unit

    return fmt


def _normalize_series(series: Sequence[Series] | Sequence[float], count: int) -> list[Series]:
    if series and not isinstance(series[0], Series):
        series = [Series("", list(series))]  # a plain list of numbers is one unnamed series
    result = []
    for index, s in enumerate(series):
        values = list(s.values)[:count] + [None] * max(0, count - len(s.values))
        result.append(Series(s.name, values, s.color or PALETTE[index % len(PALETTE)]))
    return result


def _legend(series: Sequence[Series], *, center_x: float, y: float, marker: str = "rect") -> str:
    items = []
    widths = [16 + 6 + text_width(s.name, SMALL_FONT_SIZE) for s in series]
    gap = 20
    x = center_x - (sum(widths) + gap * (len(series) - 1)) / 2
    for s, width in zip(series, widths, strict=True):
        if marker == "line":
            items.append(
                f'<line x1="{_num(x)}" y1="{_num(y - 4)}" x2="{_num(x + 16)}" y2="{_num(y - 4)}" '
                f'stroke="{s.color}" stroke-width="2.5"/>'
                f'<circle cx="{_num(x + 8)}" cy="{_num(y - 4)}" r="3" fill="#fff" stroke="{s.color}" stroke-width="2"/>'
            )
        else:
            items.append(f'<rect x="{_num(x)}" y="{_num(y - 10)}" width="16" height="11" rx="2" fill="{s.color}"/>')
        items.append(_text(x + 22, y, s.name, size=SMALL_FONT_SIZE, anchor="start", fill=DARK_GREY))
        x += width + gap
    return f'<g class="legend">{"".join(items)}</g>'


def _value_axis(*, left: float, right: float, top: float, bottom: float, axis_max: float, step: float,
                fmt: Callable[[float], str]) -> list[str]:
    parts = []
    ticks = round(axis_max / step)
    for i in range(ticks + 1):
        value = step * i
        y = bottom - (bottom - top) * value / axis_max
        stroke = GREY if i == 0 else GRID
        parts.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" stroke="{stroke}" stroke-width="1"/>')
        parts.append(_text(left - 6, y + 4, fmt(value), size=SMALL_FONT_SIZE, anchor="end", fill=MUTED_TEXT))
    return parts


# --- charts ------------------------------------------------------------------------------------------


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series] | Sequence[float],
    *,
    title: str | None = None,
    unit: str = "",
    percent: bool = False,
    decimals: int | None = None,
    max_value: float | None = None,
    width: float = 640,
    height: float = 300,
    show_values: bool = True,
) -> str:
    """Vertical bars; several series are drawn grouped per category with a legend."""
    categories = [str(c) for c in categories]
    all_series = _normalize_series(series, len(categories))
    fmt = _formatter(percent, unit, decimals)
    values = [v for s in all_series for v in s.values if v is not None]
    peak = max(values, default=0)
    axis_max, step = nice_ceiling(max_value if max_value is not None else peak)
    if percent and max_value is None and peak <= 1:
        axis_max, step = nice_ceiling(max(peak, 0.01))

    show_legend = len(all_series) > 1 or bool(all_series and all_series[0].name)
    left = 14 + max((text_width(_formatter(percent, "", decimals)(axis_max), SMALL_FONT_SIZE), 24))
    right = width - 12
    top = 20 + (22 if show_legend else 0)
    label_size = SMALL_FONT_SIZE
    slot = (right - left) / max(len(categories), 1)
    label_lines = [_fit_lines(c, slot - 6, label_size) for c in categories]
    line_count = max((len(lines) for lines in label_lines), default=1)
    bottom = height - 10 - line_count * label_size * 1.25

    # Ticks carry no unit (the value labels do): "1000小时" on every gridline only adds noise.
    body = _value_axis(left=left, right=right, top=top, bottom=bottom, axis_max=axis_max, step=step,
                       fmt=_formatter(percent, "", decimals))
    group_width = slot * 0.72
    bar_width = group_width / max(len(all_series), 1)
    for ci, category in enumerate(categories):
        group_left = left + slot * ci + (slot - group_width) / 2
        for si, s in enumerate(all_series):
            value = s.values[ci]
            if value is None:
                continue
            bar_height = max(0.0, (bottom - top) * min(value, axis_max) / axis_max)
            x = group_left + bar_width * si + bar_width * 0.08
            w = bar_width * 0.84
            body.append(
                f'<rect x="{_num(x)}" y="{_num(bottom - bar_height)}" width="{_num(w)}" height="{_num(bar_height)}" '
                f'fill="{s.color}"><title>{escape(f"{category} {s.name} {fmt(value)}".strip())}</title></rect>'
            )
            if show_values:
                size = SMALL_FONT_SIZE if w >= text_width(fmt(value), SMALL_FONT_SIZE) else 9
                body.append(_text(x + w / 2, bottom - bar_height - 4, fmt(value), size=size, fill=DARK_GREY))
        body.append(_multiline_text(left + slot * ci + slot / 2, bottom + label_size + 5, label_lines[ci],
                                    size=label_size, fill=TEXT))
    if show_legend:
        body.append(_legend(all_series, center_x=(left + right) / 2, y=16))
    return _svg(width, height, body, title=title, css_class="chart-bar")


def line_chart(
    categories: Sequence[str],
    series: Sequence[Series] | Sequence[float],
    *,
    title: str | None = None,
    unit: str = "",
    percent: bool = False,
    decimals: int | None = None,
    min_value: float = 0,
    max_value: float | None = None,
    width: float = 640,
    height: float = 280,
    show_values: bool = True,
) -> str:
    """A trend: one polyline per series with round markers at every point (gaps where a value is None).

    With `show_values`, the points of the first series carry their value.
    """
    categories = [str(c) for c in categories]
    all_series = _normalize_series(series, len(categories))
    fmt = _formatter(percent, unit, decimals)
    values = [v for s in all_series for v in s.values if v is not None]
    peak = max(values, default=0)
    if max_value is None:
        span_max, step = nice_ceiling(max(peak - min_value, 1e-9 if percent else 0))
        axis_max = min_value + span_max
    else:
        axis_max, step = max_value, (max_value - min_value) / 5
    span = axis_max - min_value or 1

    show_legend = len(all_series) > 1 or bool(all_series and all_series[0].name)
    tick_fmt = _formatter(percent, "", decimals)
    left = 14 + max(text_width(tick_fmt(axis_max), SMALL_FONT_SIZE), 24)
    right = width - 16
    top = 20 + (22 if show_legend else 0)
    slot = (right - left) / max(len(categories), 1)
    label_lines = [_fit_lines(c, slot - 4, SMALL_FONT_SIZE) for c in categories]
    line_count = max((len(lines) for lines in label_lines), default=1)
    bottom = height - 10 - line_count * SMALL_FONT_SIZE * 1.25

    def y_of(value: float) -> float:
        clamped = min(max(value, min_value), axis_max)
        return bottom - (bottom - top) * (clamped - min_value) / span

    body = []
    ticks = max(1, round(span / step))
    for i in range(ticks + 1):
        value = min_value + step * i
        y = y_of(value)
        body.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
                    f'stroke="{GREY if i == 0 else GRID}" stroke-width="1"/>')
        body.append(_text(left - 6, y + 4, tick_fmt(value), size=SMALL_FONT_SIZE, anchor="end", fill=MUTED_TEXT))
    xs = [left + slot * i + slot / 2 for i in range(len(categories))]
    for i, lines in enumerate(label_lines):
        body.append(_multiline_text(xs[i], bottom + SMALL_FONT_SIZE + 5, lines, size=SMALL_FONT_SIZE))

    for si, s in enumerate(all_series):
        segments: list[list[tuple[float, float]]] = [[]]
        for x, value in zip(xs, s.values, strict=True):
            if value is None:
                segments.append([])
            else:
                segments[-1].append((x, y_of(value)))
        for segment in segments:
            if len(segment) > 1:
                points = " ".join(f"{_num(x)},{_num(y)}" for x, y in segment)
                body.append(f'<polyline points="{points}" fill="none" stroke="{s.color}" stroke-width="2.5" '
                            f'stroke-linejoin="round" stroke-linecap="round"/>')
        for x, value in zip(xs, s.values, strict=True):
            if value is None:
                continue
            y = y_of(value)
            body.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4" fill="#fff" stroke="{s.color}" stroke-width="2"/>')
            if show_values and si == 0:
                # Only the first (current) series is labelled: two rows of figures on close lines collide.
                body.append(_text(x, y - 9, fmt(value), size=SMALL_FONT_SIZE - 1, fill=s.color))
    if show_legend:
        body.append(_legend(all_series, center_x=(left + right) / 2, y=16, marker="line"))
    return _svg(width, height, body, title=title, css_class="chart-line")


def radar_chart(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    title: str | None = None,
    max_value: float = 100,
    min_value: float = 0,
    rings: int = 4,
    size: float = 300,
    show_values: bool = True,
    decimals: int | None = None,
) -> str:
    """A radar (spider) chart: one spoke per axis (at least 3), one filled polygon per series.

    `size` is the diameter of the web; room for the axis labels is added around it. A `min_value`
    above 0 (e.g. 60 for scores) puts the centre there and makes small differences visible.
    """
    axes = [str(a) for a in axes]
    if len(axes) < 3:
        raise ValueError("radar_chart needs at least 3 axes")
    if max_value <= min_value:
        raise ValueError("radar_chart needs max_value > min_value")
    all_series = _normalize_series(series, len(axes))
    fmt = _formatter(False, "", decimals)
    show_legend = len(all_series) > 1 or bool(all_series and all_series[0].name)
    radius = size / 2
    label_gap = 14
    side_room = max(text_width(a, FONT_SIZE) for a in axes) + label_gap + 6
    vertical_room = FONT_SIZE + label_gap + 8
    legend_room = 26 if show_legend else 0
    width = 2 * (radius + side_room)
    height = 2 * (radius + vertical_room) + legend_room
    cx, cy = width / 2, legend_room + vertical_room + radius
    count = len(axes)
    span = max_value - min_value

    def point(index: float, fraction: float, extra: float = 0) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        r = radius * fraction + extra
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def fraction_of(value: float | None) -> float:
        return max(0.0, min(((value if value is not None else min_value) - min_value) / span, 1.0))

    body = []
    for ring in range(rings, 0, -1):
        points = " ".join(f"{_num(x)},{_num(y)}" for x, y in (point(i, ring / rings) for i in range(count)))
        body.append(f'<polygon points="{points}" fill="{"#f7f7f7" if ring % 2 else "#fff"}" stroke="{LIGHT_GREY}" '
                    'stroke-width="1"/>')
    for i, label in enumerate(axes):
        x, y = point(i, 1)
        body.append(f'<line class="axis" x1="{_num(cx)}" y1="{_num(cy)}" x2="{_num(x)}" y2="{_num(y)}" '
                    f'stroke="{GREY}" stroke-width="1"/>')
        lx, ly = point(i, 1, label_gap)
        dx, dy = lx - cx, ly - cy
        anchor = "middle" if abs(dx) < 1 else ("start" if dx > 0 else "end")
        baseline = FONT_SIZE * 0.35 if abs(dy) < 1 else (FONT_SIZE * 0.9 if dy > 0 else 0)
        body.append(_text(lx, ly + baseline, label, size=FONT_SIZE, anchor=anchor, weight="bold",
                          extra=' class="axis-label"'))
    for si, s in enumerate(all_series):
        pts = [point(i, fraction_of(v)) for i, v in enumerate(s.values)]
        body.append(f'<polygon class="series" points="{" ".join(f"{_num(x)},{_num(y)}" for x, y in pts)}" '
                    f'fill="{s.color}" fill-opacity="{0.2 if si == 0 else 0.1}" stroke="{s.color}" stroke-width="2"/>')
        for (x, y) in pts:
            body.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.2" fill="{s.color}"/>')
    for ring in range(1, rings + 1):
        # The scale runs between the first two spokes, where no series label sits.
        x, y = point(0.5, ring / rings * math.cos(math.pi / count))
        body.append(_text(x, y + 3, fmt(min_value + span * ring / rings), size=9, fill=MUTED_TEXT))

    if show_values and all_series:
        first = all_series[0]
        for i, value in enumerate(first.values):
            if value is None:
                continue
            # Beside the dot, off its spoke: to the right of an up/down spoke, above a sideways one, so the
            # spoke line never runs through the number.
            x, y = point(i, fraction_of(value))
            angle = -math.pi / 2 + 2 * math.pi * i / count
            if abs(math.sin(angle)) >= abs(math.cos(angle)):
                body.append(_text(x + 6, y + (12 if math.sin(angle) > 0 else -4), fmt(value), size=10,
                                  anchor="start", fill=first.color, weight="bold", extra=' class="value"'))
            else:
                body.append(_text(x + (10 if math.cos(angle) > 0 else -10), y - 6, fmt(value), size=10,
                                  anchor="start" if math.cos(angle) > 0 else "end", fill=first.color,
                                  weight="bold", extra=' class="value"'))
    if show_legend:
        body.append(_legend(all_series, center_x=cx, y=16))
    return _svg(width, height, body, title=title, css_class="chart-radar")


def donut_chart(
    slices: Sequence[tuple[str, float]],
    *,
    title: str | None = None,
    center_label: str | None = None,
    center_sublabel: str | None = None,
    colors: Sequence[str] | None = None,
    size: float = 220,
    unit: str = "",
) -> str:
    """A donut with a legend on the right (label, value, share); zero slices stay in the legend only."""
    colors = list(colors or PALETTE)
    total = sum(max(0, v) for _, v in slices)
    legend_width = max((text_width(f"{label}  {value}{unit}  100.0%", SMALL_FONT_SIZE) for label, value in slices),
                       default=0) + 30
    width = size + 16 + legend_width
    height = max(size, 24 * len(slices) + 16)
    cx, cy = size / 2, height / 2
    outer = size / 2 - 6
    inner = outer * 0.6

    body = []
    if total <= 0:
        body.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num((outer + inner) / 2)}" fill="none" '
                    f'stroke="{LIGHT_GREY}" stroke-width="{_num(outer - inner)}"/>')
    else:
        angle = -math.pi / 2
        for index, (label, value) in enumerate(slices):
            if value <= 0:
                continue
            color = colors[index % len(colors)]
            sweep = 2 * math.pi * value / total
            if sweep >= 2 * math.pi - 1e-9:
                body.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num((outer + inner) / 2)}" fill="none" '
                            f'stroke="{color}" stroke-width="{_num(outer - inner)}"/>')
                break
            end = angle + sweep
            large = 1 if sweep > math.pi else 0
            x1, y1 = cx + outer * math.cos(angle), cy + outer * math.sin(angle)
            x2, y2 = cx + outer * math.cos(end), cy + outer * math.sin(end)
            x3, y3 = cx + inner * math.cos(end), cy + inner * math.sin(end)
            x4, y4 = cx + inner * math.cos(angle), cy + inner * math.sin(angle)
            path = (f"M{_num(x1)},{_num(y1)} A{_num(outer)},{_num(outer)} 0 {large} 1 {_num(x2)},{_num(y2)} "
                    f"L{_num(x3)},{_num(y3)} A{_num(inner)},{_num(inner)} 0 {large} 0 {_num(x4)},{_num(y4)} Z")
            body.append(f'<path d="{path}" fill="{color}" stroke="#fff" stroke-width="1.5">'
                        f'<title>{escape(f"{label} {value}{unit}")}</title></path>')
            angle = end
    if center_label:
        body.append(_text(cx, cy + (2 if center_sublabel else 6), center_label, size=17, weight="bold"))
    if center_sublabel:
        body.append(_text(cx, cy + 20, center_sublabel, size=SMALL_FONT_SIZE, fill=MUTED_TEXT))

    y = (height - 24 * len(slices)) / 2 + 16
    x = size + 16
    for index, (label, value) in enumerate(slices):
        share = f"{value / total * 100:.1f}%" if total > 0 else "—"
        body.append(f'<rect x="{_num(x)}" y="{_num(y - 10)}" width="12" height="12" rx="2" '
                    f'fill="{colors[index % len(colors)]}"/>')
        body.append(_text(x + 18, y, f"{label}", size=SMALL_FONT_SIZE, anchor="start"))
        body.append(_text(width - 4, y, f"{value}{unit}  {share}", size=SMALL_FONT_SIZE, anchor="end",
                          fill=DARK_GREY))
        y += 24
    return _svg(width, height, body, title=title, css_class="chart-donut")
