"""/api/v1/activities/ (organizational-life records with attendance) and /api/v1/compliance/ (per organization
and period, from orglife.compliance)."""
from __future__ import annotations

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django_filters import utils as filter_utils
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from branches.models import BRANCH_KINDS, Organization
from members.models import Member
from portal.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, ValueRowsListMixin, datetime_texter
from portal.filter_backends import StrictFilterBackend
from portal.pagination import PortalCursorPagination

from ..compliance import PERIOD_MAX_YEAR, PERIOD_MIN_YEAR, compliance_table
from ..filters import ACTIVITY_ORDERING_FIELDS, ActivityFilterSet
from ..models import Activity, Attendance
from ..selectors import ORGLIFE_FACTS, activity_api_rows, orglife_facts
from .filters import PERIOD_PATTERN, ComplianceApiFilterSet
from .serializers import (
    ActivitySerializer,
    ComplianceRowSerializer,
    OrglifeFactsSerializer,
    attendance_labels,
    attendance_row,
)


def _attendance():
    """Members by name, then 列席 guests; only the columns shown (no member's personal data is read)."""
    return (
        Attendance.objects.select_related("member")
        .only("id", "activity_id", "member_id", "member__id", "member__name", "guest_name", "status",
              "leave_reason", "checked_in_at")
        .order_by(F("member__name").asc(nulls_last=True), "guest_name", "id")
    )


@extend_schema_view(
    list=extend_schema(
        summary="组织生活记录列表（授权范围内）",
        description="授权范围内党组织（党支部、党小组等）的“三会一课”、主题党日等组织生活记录，含出席情况。"
        "默认只列有效记录（草稿与已提交；只有已提交的记录计入完成情况）；带 updated_since 时同时返回其后作废的记录"
        "（is_deleted=true、is_active=false，作为“墓碑”）。出席情况只含姓名，不含身份证号、手机号。",
    ),
    retrieve=extend_schema(summary="组织生活记录详情", description="已作废的记录同样可以读取（is_deleted=true）。"),
)
class ActivityViewSet(ValueRowsListMixin, ScopedReadOnlyViewSet):
    queryset = Activity.objects.select_related("organization", "activity_type").defer("minutes", "resolutions")
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet
    ordering = "id"
    ordering_fields = ACTIVITY_ORDERING_FIELDS
    attendance_rows: dict[int, list[dict]] | None = None

    def list_rows(self, queryset):
        return activity_api_rows(queryset)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self.attendance_rows = attendance_rows_by_activity([row.id for row in page])
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.attendance_rows is not None:
            context["attendance_rows"] = self.attendance_rows
        return context

    def get_object(self):
        activity = super().get_object()
        activity.attendance_rows = attendance_rows_by_activity([activity.pk])[activity.pk]
        return activity


def attendance_rows_by_activity(activity_ids: list[int]) -> dict[int, list[dict]]:
    """Each activity's attendance as API rows, for a whole page in one query of plain tuples.

    A page of 100 records carries ~1,500-2,000 attendance rows; as model instances (attendance + member) they were
    most of the page's CPU. Same order and content as `_attendance()` (members by name, then guests).
    Each member's name is read by primary key for its row (a scalar subquery), not joined: joined, PostgreSQL
    hashed the whole member table for a page's ~2,000 rows (51 ms at N=5,000, ~400 ms at N=50,000 — the
    activity list's growth with the data).
    """
    by_activity = {pk: [] for pk in activity_ids}
    labels, datetime_text = attendance_labels(), datetime_texter()
    member_name = Subquery(Member.objects.filter(pk=OuterRef("member_id")).order_by().values("name")[:1])
    rows = (Attendance.objects.filter(activity_id__in=activity_ids).annotate(member_name=member_name)
            .order_by(F("member_name").asc(nulls_last=True), "guest_name", "id")
            .values_list("activity_id", "member_id", "member_name", "guest_name", "status", "leave_reason",
                         "checked_in_at"))
    for activity_id, member_id, member_name, guest_name, status, leave_reason, checked_in_at in rows:
        by_activity[activity_id].append(attendance_row(
            member_id, member_name if member_id is not None else guest_name, status, leave_reason, checked_in_at,
            labels=labels, datetime_text=datetime_text))
    return by_activity


class CompliancePagination(PortalCursorPagination):
    ordering = "path"  # tree order; each page's organizations are evaluated together


@extend_schema_view(
    list=extend_schema(
        summary="组织生活完成情况（按组织、期间）",
        description=(
            "按《支部工作条例》及本门户设置的频次要求，统计每个党支部（或党小组）在某一期间的组织生活完成情况："
            "每项要求的应开展、计入完成、实际开展、尚缺与逾期次数，以及总体情况。\n\n"
            "- 期间 `period`：`2026` 为全年、`2026-Q3` 为第三季度、`2026-09` 为 9 月；默认本年。"
            "期间内结束的每个考核窗口分别比较（8 月多开的支委会不能抵 9 月），尚未开始的窗口不作要求，"
            "进行中的窗口有缺口为“待完成”（due），已结束的为“已逾期”（overdue）。\n"
            "- 范围 `organization`：某一组织及其全部下级；默认授权范围内全部。"
            "`kind=groups` 时按党小组列出，默认按党支部列出（党支部一行含其党小组的党小组会）。\n"
            "- 只统计已提交、未作废的记录。按树序分页。"
        ),
        parameters=[
            OpenApiParameter("period", str, pattern=PERIOD_PATTERN, required=False, examples=[
                OpenApiExample("季度", value="2026-Q3"), OpenApiExample("全年", value="2026"),
                OpenApiExample("月", value="2026-09"),
            ], description="期间：2026（全年）、2026-Q3（第三季度）或 2026-09（9 月）；默认本年。"
                           f"格式不对或年份不在 {PERIOD_MIN_YEAR}–{PERIOD_MAX_YEAR} 之间为 400。"),
            OpenApiParameter("organization", int, required=False,
                             description="范围：组织 id，统计它及其全部下级；默认授权范围内全部。授权范围外的组织为 400。"),
            OpenApiParameter("kind", str, enum=["branches", "groups"], required=False,
                             description="按党支部（branches，默认；含联合、临时党支部）或按党小组（groups）列出。"),
            OpenApiParameter("type", str, required=False,
                             description="只统计某一活动类型（代码，如 general_meeting、committee_meeting）。"),
        ],
        responses=ComplianceRowSerializer(many=True),
    ),
)
class ComplianceViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Organization.objects.all()
    serializer_class = ComplianceRowSerializer
    filterset_class = ComplianceApiFilterSet
    filter_backends = [StrictFilterBackend]  # fixed tree order: no ?ordering=
    pagination_class = CompliancePagination

    def list(self, request, *args, **kwargs):
        filterset = StrictFilterBackend().get_filterset(request, self.get_queryset(), self)
        if not filterset.is_valid():
            raise filter_utils.translate_validation(filterset.errors)
        period = filterset.get_period()
        atype = filterset.form.cleaned_data.get("type")
        page = self.paginate_queryset(filterset.qs.only("pk", "path"))
        rows = compliance_table(
            organizations_qs=Organization.objects.filter(pk__in=[o.pk for o in page]),
            period=period, today=timezone.localdate(), type_ids=[atype.pk] if atype else None,
        )
        serializer = self.get_serializer(rows, many=True, context={**self.get_serializer_context(), "period": period})
        return self.get_paginated_response(serializer.data)


@extend_schema_view(
    list=extend_schema(
        summary="组织生活要素统计（第一议题、书记和领导干部讲党课、双重组织生活）",
        description=(
            "每个党支部（含其党小组）在某一期间已提交、未作废的记录中：`first_topic` 安排“第一议题”的次数，"
            "`leader_lectures` 书记或党员领导干部讲党课次数，`dual_life` 领导干部参加所在支部组织生活的人次，"
            "`dual_life_cadres` 参加的领导干部人数。与支部页面、述职报告同一口径"
            "（orglife.selectors.orglife_facts）。期间与范围参数同 /compliance/。"
        ),
        parameters=[
            OpenApiParameter("period", str, pattern=PERIOD_PATTERN, required=False,
                             description="期间：2026（全年）、2026-Q3 或 2026-09；默认本年。格式不对为 400。"),
            OpenApiParameter("organization", int, required=False,
                             description="范围：组织 id，统计它及其全部下级党支部；默认授权范围内全部。"),
        ],
    ),
)
class OrglifeFactsViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Organization.objects.all()
    serializer_class = OrglifeFactsSerializer
    filterset_class = ComplianceApiFilterSet
    filter_backends = [StrictFilterBackend]
    pagination_class = CompliancePagination

    def list(self, request, *args, **kwargs):
        filterset = StrictFilterBackend().get_filterset(request, self.get_queryset(), self)
        if not filterset.is_valid():
            raise filter_utils.translate_validation(filterset.errors)
        period = filterset.get_period()
        page = self.paginate_queryset(filterset.qs.filter(kind__in=BRANCH_KINDS).only("pk", "path", "code", "name"))
        facts = orglife_facts(branch_ids=[o.pk for o in page], start=period.start, end=period.end)
        rows = [{"organization": o.pk, "organization_code": o.code, "organization_name": o.name,
                 "period": period.key, **{k: facts[o.pk][k] for k in ORGLIFE_FACTS}} for o in page]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
