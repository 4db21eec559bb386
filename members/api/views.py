"""/api/v1/members/: the member registry within the caller's scope; personal data only with the PII right."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view

from portal.api import ScopedReadOnlyViewSet, ValueRowsListMixin
from portal.netaddr import client_ip

from ..filters import pii_allowed
from ..models import Member
from ..selectors.registry import member_api_rows, members_visible
from ..services.registry import pii_access_record_api
from .filters import API_ORDERING_FIELDS, MemberApiFilterSet
from .serializers import MemberSerializer


@extend_schema_view(
    list=extend_schema(
        summary="党员列表（授权范围内）",
        description="默认只列在册党员；带 updated_since 时同时返回其后离开的党员（is_active=false）。"
        "身份证号、手机号在无个人信息授权时脱敏；有授权时每次读取都记入个人信息访问记录。",
    ),
    retrieve=extend_schema(summary="党员详情"),
)
class MemberViewSet(ValueRowsListMixin, ScopedReadOnlyViewSet):
    queryset = Member.objects.all()   # for the schema; rows come from the registry's selector (get_queryset)
    serializer_class = MemberSerializer
    filterset_class = MemberApiFilterSet
    ordering = "id"
    ordering_fields = API_ORDERING_FIELDS

    def get_queryset(self):
        return members_visible(user=self.request.user, action=self.get_scope_action())

    def list_rows(self, queryset):
        return member_api_rows(queryset, pii=pii_allowed(self.request))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["pii"] = self.request is not None and pii_allowed(self.request)
        return context

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if args and serializer.context.get("pii"):
            rows = args[0] if kwargs.get("many") else [args[0]]
            self._log_pii(rows)
        return serializer

    def _log_pii(self, rows):
        """Who read whose personal data: one row per branch on the page, in one statement."""
        request = self.request
        client = getattr(request.auth, "name", "")
        detail = f"{request.method} {request.get_full_path()}"[:180] + (f" ({client})" if client else "")
        pii_access_record_api(user=request.user, members=rows, detail=detail, ip_address=client_ip(request))
