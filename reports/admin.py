from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ReportJob, ReportPlan


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "organization", "kind", "period", "format", "status", "progress", "scheduled",
                    "requested_by", "requested_for", "created_at", "finished_at"]
    list_filter = ["status", "kind", "format", "scheduled"]
    search_fields = ["organization__name", "organization__code", "period", "schedule_name", "requested_for"]
    raw_id_fields = ["organization", "requested_by"]
    readonly_fields = [f.name for f in ReportJob._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # jobs are requested through the page, the API or generate_report


@admin.register(ReportPlan)
class ReportPlanAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "year", "updated_by", "updated_at"]
    search_fields = ["organization__name", "organization__code"]
    raw_id_fields = ["organization", "updated_by"]
