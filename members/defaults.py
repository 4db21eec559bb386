"""Default lifecycle data from domain-rules §4/§5: timing rules, the dues rate table, a points scheme and the
monthly dues beat entry. Editable afterwards (admin); ensure_defaults() only fills what is missing."""
from decimal import Decimal

INTERVAL_RULES = [
    # code, title, rule_text, source, measure, milestone, anchor, min, max, allows_exception
    ("age_18", "申请入党须年满十八岁", "年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，可以申请加入中国共产党",
     "党章第一条", "interval", "application", "birth", 216, None, False),
    ("talk_within_1_month", "收到入党申请书后一个月内派人谈话", "党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话",
     "《中国共产党发展党员工作细则》第七条", "interval", "first_talk", "application", None, 1, True),
    ("activist_1_year", "积极分子培养考察一年以上方可列为发展对象",
     "对经过一年以上培养教育和考察、基本具备党员条件的入党积极分子，经支部委员会讨论同意并报上级党委备案后，可列为发展对象",
     "《细则》第十三条", "interval", "candidate_decision", "activist_decision", 12, None, True),
    ("approval_3_months", "上级党委应在三个月内审批", "上级党委对党支部上报的接收预备党员的决议，应当在三个月内审批",
     "《细则》第二十八条", "interval", "upper_approval", "branch_vote", None, 3, True),
    ("approval_6_months", "审批最长不超过六个月", "因特殊情况可以适当延长审批时间，但不得超过六个月；超过六个月的应重新履行手续",
     "《细则》第二十八条", "interval", "upper_approval", "branch_vote", None, 6, False),
    ("probation_1_year", "预备期为一年", "预备党员的预备期为一年，从支部大会通过其为预备党员之日算起",
     "党章第七条", "setting", "", "branch_vote", 12, 12, False),
    ("confirm_after_probation", "预备期满方可讨论转正", "预备党员预备期满，党支部应当及时讨论其能否转为正式党员",
     "《细则》第三十一条", "interval", "confirmation_vote", "probation_end", 0, None, True),
    ("extension_6_12", "延长预备期不少于半年、最长不超过一年", "延长预备期的时间不能少于半年，最长不超过一年",
     "党章第七条", "value", "extension", "", 6, 12, False),
    ("review_every_6_months", "每半年对积极分子、预备党员进行一次考察", "党支部每半年对入党积极分子进行一次考察",
     "《细则》第十一条", "due", "", "last_review", None, 6, True),
]

# Dues bands (中组部 2008 规定 第二条): upper bounds inclusive; None = no upper bound.
DUES_RATES = [
    ("in_service", Decimal("3000"), Decimal("0.5"), None, None, None),
    ("in_service", Decimal("5000"), Decimal("1"), None, None, None),
    ("in_service", Decimal("10000"), Decimal("1.5"), None, None, None),
    ("in_service", None, Decimal("2"), None, None, None),
    ("retired", Decimal("5000"), Decimal("0.5"), None, None, None),
    ("retired", None, Decimal("1"), None, None, None),
    ("farmer", None, None, Decimal("0.2"), Decimal("0.2"), Decimal("1")),
    ("student", None, None, Decimal("0.2"), None, None),
    ("unemployed", None, None, Decimal("0.2"), None, None),
    ("relief", None, None, Decimal("0.2"), None, None),
]

# A default points scheme (local practice, domain-rules §5 example C/D shape): editable in admin.
POINTS_ITEMS = [
    # category, name, direction, points, cap, source
    ("组织生活", "参加组织生活（三会一课、主题党日）", "bonus", Decimal("2"), Decimal("24"), "attendance"),
    ("组织生活", "参加党课", "bonus", Decimal("2"), Decimal("8"), "party_lecture"),
    ("组织生活", "参加谈心谈话", "bonus", Decimal("1"), Decimal("4"), "talk"),
    ("履行义务", "按月足额交纳党费", "bonus", Decimal("0.5"), Decimal("6"), "dues_on_time"),
    ("作用发挥", "志愿服务、承诺践诺", "bonus", Decimal("2"), Decimal("10"), "manual"),
    ("作用发挥", "受到表彰奖励", "bonus", Decimal("5"), Decimal("10"), "manual"),
    ("纪律规矩", "无故缺席组织生活", "deduction", Decimal("2"), Decimal("10"), "manual"),
    ("纪律规矩", "违反纪律受到批评教育", "deduction", Decimal("5"), Decimal("20"), "manual"),
]


def ensure_defaults(get_model=None) -> None:
    """Create the rule, rate and points tables and the beat entry when missing (idempotent). Used by the data
    migration, and by the demo seeder because a flushed database (TransactionTestCase) loses migration data."""
    if get_model is None:
        from django.apps import apps

        get_model = apps.get_model
    IntervalRule = get_model("members", "IntervalRule")
    for code, title, text, source, measure, milestone, anchor, mn, mx, exc in INTERVAL_RULES:
        IntervalRule.objects.get_or_create(code=code, defaults=dict(
            title=title, rule_text=text, source=source, measure=measure, milestone=milestone, anchor=anchor,
            min_months=mn, max_months=mx, allows_exception=exc))
    DuesRate = get_model("members", "DuesRate")
    if not DuesRate.objects.exists():
        for cls, upper, pct, fixed, fmin, fmax in DUES_RATES:
            DuesRate.objects.create(dues_class=cls, upper_bound=upper, percent=pct, fixed_amount=fixed,
                                    fixed_min=fmin, fixed_max=fmax)
    PointsScheme = get_model("members", "PointsScheme")
    PointsItem = get_model("members", "PointsItem")
    if not PointsScheme.objects.exists():
        scheme = PointsScheme.objects.create(name="党员积分默认方案", base_points=Decimal("60"))
        for order, (cat, name, direction, pts, cap, source) in enumerate(POINTS_ITEMS):
            PointsItem.objects.create(scheme=scheme, category=cat, name=name, direction=direction, points=pts,
                                      cap=cap, source=source, order=order)
    CrontabSchedule = get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(minute="10", hour="1", day_of_month="1", month_of_year="*",
                                                       day_of_week="*", timezone="Asia/Shanghai")
    PeriodicTask.objects.get_or_create(name="每月1日生成党费缴纳记录", defaults=dict(
        task="members.tasks.generate_monthly_dues", crontab=crontab, enabled=True))
