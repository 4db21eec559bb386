"""API pagination (named by REST_FRAMEWORK settings; kept apart from portal.api so DRF can import it early)."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

INVALID_PAGE_SIZE = _("每页条数须为正整数。")
INVALID_CURSOR = _("分页游标无效，请使用上一页响应中的 next / previous 地址。")


class PortalCursorPagination(CursorPagination):
    """Cursor pagination: constant cost per page on big tables and stable under concurrent inserts.

    The ordering comes from the view (`ordering`, overridable by `?ordering=` within `ordering_fields`);
    it should start with an unchanging, (nearly) unique field such as "id", "path" or "updated_at".
    A tampered cursor is bad input (400 on `cursor`), never a 500.
    """

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"
    invalid_cursor_message = INVALID_CURSOR

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and int(raw) > 0):
            raise ValidationError({self.page_size_query_param: [INVALID_PAGE_SIZE]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1}
                param["description"] = f"每页条数，默认 {self.page_size}，超过 {self.max_page_size} 按 {self.max_page_size} 计。"
            elif param["name"] == self.cursor_query_param:
                param["description"] = "分页游标：取自上一次响应的 next / previous，不要自行构造。"
        return params

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None
        except (ValueError, TypeError, DjangoValidationError):
            # the cursor's position does not fit the ordering field (e.g. text for an id)
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None
