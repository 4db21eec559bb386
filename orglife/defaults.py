"""The activity types and minimum frequencies of the 《中国共产党支部工作条例（试行）》, seeded as editable data.

Used by the data migration (with historical models) and by tests; the portal reads rules from the database only.
"""
from __future__ import annotations

# (code, name, category, counts_for_completion (三会一课 + 主题党日), takes_attendance, order,
#  default rule: (holder, per, min_count, source))
DEFAULT_TYPES = [
    ("general_meeting", "支部党员大会", "general_meeting", True, True, 10,
     ("branch", "quarter", 1, "《支部工作条例》第十一条：一般每季度召开 1 次")),
    ("committee_meeting", "支部委员会会议", "committee_meeting", True, True, 20,
     ("committee", "month", 1, "《支部工作条例》第十二条：一般每月召开 1 次")),
    ("group_meeting", "党小组会", "group_meeting", True, True, 30,
     ("group", "month", 1, "《支部工作条例》第十三条：一般每月召开 1 次")),
    # The 条例 sets no branch-level count for 党课; 每季度 1 次 is common local practice (configurable).
    ("lecture", "党课", "lecture", True, True, 40,
     ("branch", "quarter", 1, "地方通行做法（条例未规定支部次数）：默认每年 4 次，可调整")),
    ("theme_day", "主题党日", "theme_day", True, True, 50,
     ("branch", "month", 1, "每月相对固定 1 天开展主题党日")),
    ("life_meeting", "组织生活会", "life_meeting", False, True, 60,
     ("branch", "year", 1, "《支部工作条例》第十七条：每年至少 1 次，一般安排在第四季度")),
    ("appraisal", "民主评议党员", "appraisal", False, True, 70,
     ("branch", "year", 1, "一般每年开展 1 次，可与组织生活会结合")),
    ("talk", "谈心谈话", "talk", False, False, 80,
     ("member", "year", 1, "支委之间、支委和党员之间、党员和党员之间，每年一般不少于 1 次")),
]


def seed_defaults(ActivityType, FrequencyRule) -> None:
    """Create the built-in types and their portal-wide default rules if missing (never overwrites edits)."""
    for code, name, category, completion, attendance, order, (holder, per, n, source) in DEFAULT_TYPES:
        activity_type, _ = ActivityType.objects.get_or_create(
            code=code,
            defaults={"name": name, "category": category, "counts_for_completion": completion,
                      "takes_attendance": attendance, "order": order, "is_builtin": True},
        )
        FrequencyRule.objects.get_or_create(
            activity_type=activity_type, organization=None,
            defaults={"holder": holder, "per": per, "min_count": n, "source": source},
        )
