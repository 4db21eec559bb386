"""Serializers of /api/v1/activities/ and /api/v1/compliance/."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from branches.models import OrganizationKind
from portal.api import (
    ChoiceDisplayField,
    ChoiceLabels,
    InstanceRow,
    LeanRepresentationMixin,
    api_date,
    api_datetime,
)

from ..models import (
    Activity,
    ActivityCategory,
    ActivityStatus,
    Attendance,
    AttendanceStatus,
    LeaveReason,
    RuleHolder,
    RulePer,
)

# --- organizational life ---------------------------------------------------------------------------------


ATTENDANCE_STATUS_LABELS = ChoiceLabels(AttendanceStatus.choices)
LEAVE_REASON_LABELS = ChoiceLabels(LeaveReason.choices)
ACTIVITY_STATUS_LABELS = ChoiceLabels(ActivityStatus.choices)


class AttendanceSerializer(LeanRepresentationMixin, serializers.ModelSerializer):
    """One expected participant (a member) or one 列席 guest; names only, no personal data."""

    member = serializers.IntegerField(source="member_id", read_only=True, allow_null=True,
                                      help_text="党员 id；列席人员为 null")
    name = serializers.SerializerMethodField(help_text="党员姓名或列席人员姓名")
    is_guest = serializers.BooleanField(read_only=True, help_text="true 表示列席人员（非本组织应到党员）")
    status = serializers.ChoiceField(choices=AttendanceStatus.choices, read_only=True, help_text="出席情况")
    status_display = ChoiceDisplayField(source="status", choices=AttendanceStatus.choices)
    leave_reason = serializers.ChoiceField(choices=LeaveReason.choices, allow_blank=True, read_only=True,
                                           help_text="请假类别；未请假时为空字符串")
    leave_reason_display = ChoiceDisplayField(source="leave_reason", choices=LeaveReason.choices)

    class Meta:
        model = Attendance
        fields = ["member", "name", "is_guest", "status", "status_display", "leave_reason", "leave_reason_display",
                  "checked_in_at"]
        read_only_fields = fields

    def get_name(self, row) -> str:
        return row.member.name if row.member_id else row.guest_name

    def represent(self, row) -> dict:
        return attendance_of(row)


def attendance_of(row: Attendance) -> dict:
    return attendance_row(row.member_id, row.member.name if row.member_id else row.guest_name, row.status,
                          row.leave_reason, row.checked_in_at)


def attendance_row(member_id, name, status, leave_reason, checked_in_at, *, labels=None,
                   datetime_text=api_datetime) -> dict:
    """One attendance entry as the API shows it (from model attributes or from a values_list row).

    `labels`: (status labels, leave-reason labels) of the current language, and `datetime_text`
    (portal.api.datetime_texter()), looked up once per page by callers building many rows (`attendance_labels()`);
    looking the language up per row was a third of a page's CPU.
    """
    status_labels, reason_labels = labels or attendance_labels()
    return {
        "member": member_id, "name": name, "is_guest": member_id is None, "status": status,
        "status_display": ChoiceLabels.lookup(status_labels, status), "leave_reason": leave_reason,
        "leave_reason_display": ChoiceLabels.lookup(reason_labels, leave_reason),
        "checked_in_at": datetime_text(checked_in_at) if checked_in_at else None,
    }


def attendance_labels() -> tuple[dict, dict]:
    return ATTENDANCE_STATUS_LABELS.current(), LEAVE_REASON_LABELS.current()


# Local wall-clock time of a meeting (Asia/Shanghai), "14:30:00": not an RFC 3339 `format: time`, which needs an
# offset. The schema says what the answer holds.
LOCAL_TIME_SCHEMA = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?$", "nullable": True,
                     "example": "14:30:00", "description": "当地时间（北京时间）时:分:秒，未填写为 null"}


@extend_schema_field(LOCAL_TIME_SCHEMA)
class LocalTimeField(serializers.TimeField):
    pass


class ActivitySerializer(LeanRepresentationMixin, serializers.ModelSerializer):
    starts_at = LocalTimeField(read_only=True, allow_null=True)
    ends_at = LocalTimeField(read_only=True, allow_null=True)
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    type = serializers.CharField(source="activity_type.code", read_only=True, help_text="活动类型代码，如 general_meeting")
    type_name = serializers.CharField(source="activity_type.name", read_only=True, help_text="活动类型名称")
    type_category = serializers.ChoiceField(source="activity_type.category", choices=ActivityCategory.choices,
                                            read_only=True, help_text="活动类型类别")
    status = serializers.ChoiceField(choices=ActivityStatus.choices, read_only=True,
                                     help_text="draft 草稿（未计入完成情况）/ submitted 已提交")
    status_display = ChoiceDisplayField(source="status", choices=ActivityStatus.choices)
    # API names of the model's 作废 fields (is_voided, void_reason), pinned by tests/api/test_activities.py.
    is_deleted = serializers.BooleanField(source="is_voided", read_only=True,
                                          help_text="true 表示已作废（墓碑），不再计入完成情况")
    deleted_reason = serializers.CharField(source="void_reason", read_only=True, help_text="作废原因")
    is_active = serializers.SerializerMethodField(help_text="与其他接口一致的墓碑标记：已作废的记录为 false")
    attendance = AttendanceSerializer(source="attendances", many=True, read_only=True,
                                      help_text="出席情况：应到党员（按姓名排序）及列席人员")

    class Meta:
        model = Activity
        fields = [
            "id", "organization", "organization_code", "organization_name", "type", "type_name", "type_category",
            "title", "held_on", "starts_at", "ends_at", "place", "topics", "first_topic", "lecturer", "lecturer_role",
            "lecture_title", "is_election", "status", "status_display", "submitted_at", "is_deleted", "deleted_reason",
            "is_active",
            "attendance", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_is_active(self, activity) -> bool:
        return not activity.is_voided

    def represent(self, a) -> dict:
        rows = getattr(a, "attendance_rows", None)
        if rows is None:  # not loaded by the view (attendance_rows_by_activity): read the prefetched instances
            rows = [attendance_of(row) for row in a.attendances.all()]
        return self.represent_row(InstanceRow(a), attendance=rows)

    def represent_row(self, r, attendance=None) -> dict:
        """The JSON of a value row of `orglife.selectors.activity_api_rows` (a list page: its attendance comes from
        the context, read for the whole page), or of an instance through `InstanceRow` (one mapping for both)."""
        if attendance is None:
            attendance = self.context["attendance_rows"][r.id]
        starts_at, ends_at, is_voided = r.starts_at, r.ends_at, r.is_voided
        return {
            "id": r.id, "organization": r.organization_id, "organization_code": r.organization__code,
            "organization_name": r.organization__name, "type": r.activity_type__code,
            "type_name": r.activity_type__name, "type_category": r.activity_type__category, "title": r.title,
            "held_on": api_date(r.held_on), "starts_at": starts_at.isoformat() if starts_at is not None else None,
            "ends_at": ends_at.isoformat() if ends_at is not None else None, "place": r.place, "topics": r.topics,
            "first_topic": r.first_topic, "lecturer": r.lecturer, "lecturer_role": r.lecturer_role,
            "lecture_title": r.lecture_title, "is_election": r.is_election, "status": r.status,
            "status_display": self.choice_label(ACTIVITY_STATUS_LABELS, r.status),
            "submitted_at": self.datetime_text(r.submitted_at), "is_deleted": is_voided,
            "deleted_reason": r.void_reason, "is_active": not is_voided, "attendance": attendance,
            "created_at": self.datetime_text(r.created_at), "updated_at": self.datetime_text(r.updated_at),
        }


# --- compliance --------------------------------------------------------------------------------------------

COMPLIANCE_STATES = [("met", "已完成"), ("due", "待完成"), ("overdue", "已逾期"), ("none", "不要求")]
WINDOW_STATES = COMPLIANCE_STATES[:3]


class ComplianceWindowSerializer(serializers.Serializer):
    period = serializers.CharField(source="window.key", help_text="考核窗口，如 2026-07、2026-Q3、2026")
    required = serializers.IntegerField(help_text="该窗口应开展次数（组织在窗口内成立或撤销时按存续天数折算）")
    held = serializers.IntegerField(help_text="该窗口实际开展次数（已提交、未作废的记录）")
    status = serializers.ChoiceField(choices=WINDOW_STATES, source="state",
                                     help_text="met 已完成 / due 待完成（窗口未结束）/ overdue 已逾期")


class ComplianceRuleSerializer(serializers.Serializer):
    """One organization × one activity type over the period (a 党支部 row includes its 党小组' meetings)."""

    type = serializers.CharField(source="activity_type.code", help_text="活动类型代码")
    type_name = serializers.CharField(source="activity_type.name", help_text="活动类型名称")
    holder = serializers.ChoiceField(source="rule.holder", choices=RuleHolder.choices, help_text="由谁召开")
    per = serializers.ChoiceField(source="rule.per", choices=RulePer.choices, help_text="频次要求的周期")
    min_count = serializers.IntegerField(source="rule.min_count", help_text="每个周期至少次数")
    required = serializers.IntegerField(help_text="本期间应开展次数（各窗口之和；谈心谈话为应谈党员人数）")
    done = serializers.IntegerField(source="held", help_text="计入完成的次数（每个窗口最多计应开展次数）")
    records = serializers.IntegerField(source="count", help_text="实际开展次数（谈心谈话为已谈党员人数）")
    missing = serializers.IntegerField(help_text="尚缺次数（含未结束的窗口）")
    overdue = serializers.IntegerField(help_text="已逾期的缺口次数（窗口已结束）")
    due_on = serializers.DateField(allow_null=True, help_text="未结束且有缺口的最早窗口的截止日期")
    status = serializers.ChoiceField(choices=COMPLIANCE_STATES, source="state",
                                     help_text="met 已完成 / due 待完成 / overdue 已逾期 / none 不要求")
    windows = ComplianceWindowSerializer(many=True, help_text="逐个考核窗口的情况（窗口之间不互相抵补）")


class ComplianceOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    path = serializers.CharField(help_text="树路径（前缀相同即为下级）")


class ComplianceRowSerializer(serializers.Serializer):
    organization = ComplianceOrganizationSerializer(help_text="党支部或党小组")
    period = serializers.SerializerMethodField(help_text="期间，如 2026、2026-Q3、2026-09")
    period_kind = serializers.SerializerMethodField(help_text="期间类型：year 年 / quarter 季度 / month 月")
    period_start = serializers.SerializerMethodField(help_text="期间开始日期")
    period_end = serializers.SerializerMethodField(help_text="期间结束日期")
    rules = serializers.SerializerMethodField(help_text="各项频次要求的完成情况，按活动类型排序")
    required = serializers.IntegerField(help_text="各项应开展次数合计")
    done = serializers.IntegerField(source="held", help_text="各项计入完成的次数合计")
    missing = serializers.IntegerField(help_text="各项尚缺次数合计")
    overdue = serializers.IntegerField(help_text="各项已逾期的缺口合计")
    rate = serializers.FloatField(help_text="完成率 0–1（无要求时为 1）")
    completion_rate = serializers.FloatField(help_text="“三会一课”及主题党日完成率 0–1")
    status = serializers.SerializerMethodField(help_text="总体情况：有逾期为 overdue；否则有缺口为 due；"
                                                         "全部完成为 met；本期间无要求为 none")

    def _period(self):
        return self.context["period"]

    def get_period(self, row) -> str:
        return self._period().key

    @extend_schema_field(serializers.ChoiceField(choices=RulePer.choices))
    def get_period_kind(self, row) -> str:
        return str(self._period().kind)

    @extend_schema_field(serializers.DateField())
    def get_period_start(self, row):
        return self._period().start.isoformat()

    @extend_schema_field(serializers.DateField())
    def get_period_end(self, row):
        return self._period().end.isoformat()

    @extend_schema_field(ComplianceRuleSerializer(many=True))
    def get_rules(self, row):
        cells = sorted(row.cells.values(), key=lambda c: (c.activity_type.order, c.activity_type.pk))
        return ComplianceRuleSerializer(cells, many=True).data

    @extend_schema_field(serializers.ChoiceField(choices=COMPLIANCE_STATES))
    def get_status(self, row) -> str:
        if row.overdue:
            return "overdue"
        if row.missing:
            return "due"
        return "met" if row.required else "none"


class OrglifeFactsSerializer(serializers.Serializer):
    organization = serializers.IntegerField(help_text="党支部 id")
    organization_code = serializers.CharField()
    organization_name = serializers.CharField()
    period = serializers.CharField(help_text="期间，如 2026、2026-Q3、2026-09")
    first_topic = serializers.IntegerField(help_text="安排“第一议题”的记录数")
    leader_lectures = serializers.IntegerField(help_text="书记、党员领导干部讲党课次数")
    dual_life = serializers.IntegerField(help_text="领导干部参加双重组织生活人次")
    dual_life_cadres = serializers.IntegerField(help_text="参加的双重组织生活的领导干部人数")
