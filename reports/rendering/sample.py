"""Context for templates/reports/pdf/sample.html: a fixed demo report used by tests and benchmarks/bench_pdf.py.

All figures are invented and deterministic; nothing here reads the database.
"""
from __future__ import annotations

from . import charts
from .charts import Series

SAMPLE_TEMPLATE = "reports/pdf/sample.html"

BRANCHES = [
    "机关第一党支部", "机关第二党支部", "财务审计党支部", "信息技术党支部", "后勤保障党支部",
    "综合业务党支部", "离退休干部党支部", "青年职工联合党支部",
]
MONTHS = [f"{m}月" for m in range(1, 13)]
QUARTERS = ["一季度", "二季度", "三季度", "四季度"]


def sample_context() -> dict:
    radar = charts.radar_chart(
        charts.FOUR_STRONG_AXES,
        [Series("2024年", [93.5, 90, 88.5, 91]), Series("2023年", [89, 86.5, 84, 87.5])],
        min_value=60,
        size=180,
        title="“四强”指标得分对比",
    )
    stars = charts.donut_chart(
        [("五星", 2), ("四星", 3), ("三星", 2), ("二星", 1), ("一星", 0)],
        center_label="8个",
        center_sublabel="参评支部",
        unit="个",
        size=170,
        title="支部星级分布",
    )
    attendance = charts.line_chart(
        MONTHS,
        [
            Series("2024年", [0.94, 0.95, 0.93, 0.96, 0.97, 0.95, 0.92, 0.93, 0.96, 0.97, 0.98, 0.97]),
            Series("2023年", [0.88, 0.90, 0.89, 0.91, 0.92, 0.90, 0.87, 0.89, 0.91, 0.93, 0.92, 0.94]),
        ],
        percent=True,
        min_value=0.8,
        max_value=1.0,
        title="主题党日参与率（按月）",
        height=260,
    )
    training = charts.bar_chart(
        [name.removesuffix("党支部") for name in BRANCHES],
        [Series("2023年", [24, 20, 18, 26, 16, 22, 12, 19]), Series("2024年", [32, 28, 26, 34, 24, 30, 18, 27])],
        unit="",
        title="支部委员人均学习培训学时",
        height=270,
    )
    age_structure = charts.donut_chart(
        [("35岁及以下", 58), ("36至45岁", 71), ("46至55岁", 49), ("56岁及以上", 22)],
        center_label="200名",
        center_sublabel="在职党员",
        unit="名",
        title="在职党员年龄结构",
    )
    service = charts.bar_chart(
        QUARTERS,
        [Series("志愿服务时长", [420, 515, 388, 602])],
        unit="小时",
        title="党员志愿服务时长（按季度）",
        height=240,
    )
    return {
        "title": "2024年度推进“四强”党支部建设情况报告",
        "organization": "示例单位机关党委",
        "subtitle": "（供党委会审议）",
        "cover_meta": [("报送单位", "机关党委办公室"), ("统计区间", "2024年1月1日至12月31日"), ("成文日期", "2025年1月10日")],
        "overview_stats": [("8", "党支部"), ("236", "党员总数"), ("97.2%", "组织生活参与率"), ("5", "四星级以上支部")],
        "radar_svg": radar,
        "stars_svg": stars,
        "attendance_svg": attendance,
        "training_svg": training,
        "age_svg": age_structure,
        "service_svg": service,
        "meetings": [
            # quarter, 支部党员大会, 支委会, 党小组会, 党课, 主题党日
            ("一季度", 8, 24, 31, 8, 24),
            ("二季度", 9, 25, 33, 10, 24),
            ("三季度", 8, 24, 30, 8, 24),
            ("四季度", 11, 27, 35, 12, 24),
        ],
        "committees": [
            # branch, 书记, 委员人数, 换届时间, 年度述职, 培训学时
            (BRANCHES[0], "王建国", 5, "2023-06", "已完成", 32),
            (BRANCHES[1], "李晓梅", 5, "2022-11", "已完成", 28),
            (BRANCHES[2], "张  伟", 3, "2024-03", "已完成", 26),
            (BRANCHES[3], "陈思远", 5, "2021-09", "已完成", 34),
            (BRANCHES[4], "刘德胜", 3, "2024-05", "已完成", 24),
            (BRANCHES[5], "赵  敏", 5, "2023-01", "已完成", 30),
            (BRANCHES[6], "孙志刚", 3, "2022-04", "待补充材料", 18),
            (BRANCHES[7], "周  楠", 3, "2024-09", "已完成", 27),
        ],
        "members_structure": [
            ("正式党员", 221, "93.6%"),
            ("预备党员", 15, "6.4%"),
            ("女党员", 98, "41.5%"),
            ("少数民族党员", 12, "5.1%"),
            ("大学本科及以上学历", 204, "86.4%"),
            ("35岁及以下", 58, "24.6%"),
        ],
        "pioneer_posts": [
            ("党员先锋岗", 14, "窗口服务、重点项目攻关"),
            ("党员责任区", 9, "楼宇安全、节能降耗"),
            ("党员突击队", 3, "防汛值守、年终结算"),
            ("志愿服务队", 6, "社区共建、结对帮扶"),
        ],
    }
