from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BranchEvaluation, Cycle, Indicator, Objection, Rectification, ResultAdjustment, Standard


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["code", "parent", "criterion", "name", "kind", "max_points", "metric_key", "order"]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen  # a published standard is frozen

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Standard)
class StandardAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organization", "year", "version", "status"]
    list_filter = ["status", "year"]
    inlines = [IndicatorInline]

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.is_frozen:
            return [f.name for f in self.model._meta.fields]
        return ["status", "published_at"]


@admin.register(Cycle)
class CycleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organization", "year", "kind", "standard"]
    readonly_fields = ["standard"]


@admin.register(BranchEvaluation)
class BranchEvaluationAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "cycle", "step", "total", "stars", "four_strong"]
    list_filter = ["step", "cycle"]
    readonly_fields = [f for f in ["step", "total", "stars", "four_strong", "proposed_stars", "proposed_four_strong"]]


@admin.register(Rectification)
class RectificationAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "problem", "due_on", "status"]
    list_filter = ["status", "source"]
    readonly_fields = ["status", "closed_on"]


admin.site.register(Objection, SimpleHistoryAdmin)
admin.site.register(ResultAdjustment, SimpleHistoryAdmin)
