"""reports.rendering.charts: well-formed SVG, escaped labels, the right number of marks."""
import xml.etree.ElementTree as ET

import pytest

from reports.rendering import charts
from reports.rendering.charts import Series

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & 党支部'


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on malformed XML, e.g. an unescaped "<" or "&"
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox")
    return root


def _texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def test_bar_chart_grouped_has_one_bar_per_value_and_a_legend():
    svg = charts.bar_chart(["一支部", "二支部", "三支部"], [Series("2023年", [3, 5, 0]), Series("2024年", [4, 6, 2])], unit="次")
    root = _parse(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 6
    texts = _texts(root)
    assert {"一支部", "二支部", "三支部", "2023年", "2024年"} <= set(texts)
    assert "6次" in texts
    assert 'font-family="Noto Sans SC Subset' in svg


def test_bar_heights_are_proportional():
    root = _parse(charts.bar_chart(["a", "b"], [10, 20], show_values=False))
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert heights[1] == pytest.approx(2 * heights[0])


def test_labels_are_escaped_everywhere():
    outputs = [
        charts.bar_chart([EVIL], [Series(EVIL, [1])], title=EVIL),
        charts.line_chart([EVIL, "b"], [Series(EVIL, [1, 2])], title=EVIL),
        charts.radar_chart([EVIL, "b", "c"], [Series(EVIL, [1, 2, 3])], title=EVIL),
        charts.donut_chart([(EVIL, 1), ("b", 2)], title=EVIL, center_label=EVIL),
    ]
    for svg in outputs:
        root = _parse(svg)
        assert "<script>" not in svg
        assert root.find(f".//{SVG}script") is None
        assert any("alert" in t for t in _texts(root) + [root.findtext(f"{SVG}title") or ""])


def test_long_category_labels_are_wrapped_or_shortened():
    long_name = "某某单位机关第一党支部联合党支部示例名称很长"
    root = _parse(charts.bar_chart([long_name] * 8, [1] * 8, width=400))
    label = next(el for el in root.iter(f"{SVG}text") if el.find(f"{SVG}tspan") is not None)
    lines = [t.text for t in label.iter(f"{SVG}tspan")]
    assert len(lines) == 2
    assert lines[-1].endswith("…")


def test_line_chart_has_markers_for_every_point_and_gaps_for_missing():
    root = _parse(charts.line_chart(["1月", "2月", "3月", "4月"], [Series("出勤率", [0.9, None, 0.95, 0.97])], percent=True))
    assert len(list(root.iter(f"{SVG}circle"))) == 3 + 1  # 3 points + the legend marker
    polylines = list(root.iter(f"{SVG}polyline"))
    assert len(polylines) == 1  # the gap splits the line; a single point draws no segment
    assert len(polylines[0].get("points").split()) == 2
    assert "97%" in _texts(root)


@pytest.mark.parametrize("axes", [charts.FOUR_STRONG_AXES, ("a", "b", "c", "d", "e", "f")])
def test_radar_has_one_spoke_per_axis_and_one_polygon_per_series(axes):
    series = [Series("本支部", [90] * len(axes)), Series("平均", [80] * len(axes))]
    root = _parse(charts.radar_chart(axes, series))
    spokes = [el for el in root.iter(f"{SVG}line") if el.get("class") == "axis"]
    assert len(spokes) == len(axes)
    labels = [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "axis-label"]
    assert labels == list(axes)
    polygons = [el for el in root.iter(f"{SVG}polygon") if el.get("class") == "series"]
    assert len(polygons) == 2
    assert all(len(p.get("points").split()) == len(axes) for p in polygons)


def test_radar_values_are_placed_on_their_scale():
    root = _parse(charts.radar_chart(("a", "b", "c", "d"), [Series("s", [100, 50, 0, 50])], size=200, show_values=False))
    polygon = next(el for el in root.iter(f"{SVG}polygon") if el.get("class") == "series")
    (x0, y0), (x1, y1), (x2, y2), _ = [tuple(map(float, p.split(","))) for p in polygon.get("points").split()]
    spoke = next(el for el in root.iter(f"{SVG}line") if el.get("class") == "axis")
    cx, cy = float(spoke.get("x1")), float(spoke.get("y1"))
    assert cy - y0 == pytest.approx(100, abs=0.1)  # full value reaches the rim (radius = size / 2)
    assert x1 - cx == pytest.approx(50, abs=0.1)
    assert (x2, y2) == pytest.approx((cx, cy), abs=0.1)


def test_radar_rejects_too_few_axes():
    with pytest.raises(ValueError):
        charts.radar_chart(["a", "b"], [Series("s", [1, 2])])


def test_donut_has_a_slice_per_positive_value_and_legend_shares():
    root = _parse(charts.donut_chart([("五星", 2), ("四星", 6), ("三星", 0)], center_label="8个"))
    slices = list(root.iter(f"{SVG}path"))
    assert len(slices) == 2
    texts = _texts(root)
    assert "75.0%" in " ".join(texts) and "0.0%" in " ".join(texts)
    assert "8个" in texts


def test_donut_single_slice_and_empty_data_still_draw_a_ring():
    for data in ([("五星", 3)], [("五星", 0)], []):
        root = _parse(charts.donut_chart(data))
        assert root.find(f"{SVG}circle") is not None


def test_nice_ceiling():
    assert charts.nice_ceiling(87) == (100, 20)
    assert charts.nice_ceiling(6) == (10, 2)
    assert charts.nice_ceiling(0) == (5, 1)


def test_radar_value_labels_sit_beside_their_spoke_not_on_it():
    """Each value label is off its own spoke line (the line used to run through the number)."""
    root = _parse(charts.radar_chart(("上", "右", "下", "左"), [Series("s", [60, 30, 50, 80])], size=200))
    values = [el for el in root.iter(f"{SVG}text") if el.get("class") == "value"]
    assert [v.text for v in values] == ["60", "30", "50", "80"]
    spoke = next(el for el in root.iter(f"{SVG}line") if el.get("class") == "axis")
    cx, cy = float(spoke.get("x1")), float(spoke.get("y1"))
    up, right, down, left = values
    assert up.get("text-anchor") == "start" and float(up.get("x")) > cx       # right of the vertical spokes
    assert down.get("text-anchor") == "start" and float(down.get("x")) > cx
    assert float(right.get("y")) < cy and right.get("text-anchor") == "start"  # above the horizontal ones
    assert float(left.get("y")) < cy and left.get("text-anchor") == "end"


def test_star_donut_legend_keeps_count_and_share_apart():
    """SVG collapses the double space, so "5 45.5%" read as one number; the count now carries its unit."""
    from reports.builders.common import star_donut

    root = _parse(star_donut([("五星", 0), ("二星", 5), ("一星", 6)], "11个"))
    legend = [el.text for el in root.iter(f"{SVG}text") if el.text and el.text.endswith("%")]
    assert [t.split()[0] for t in legend] == ["0个", "5个", "6个"]
