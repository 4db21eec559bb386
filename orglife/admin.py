from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from . import counts
from .models import Activity, ActivityType, Attendance, FrequencyRule, PeriodClose, Reminder, Talk


@admin.register(ActivityType)
class ActivityTypeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "category", "counts_for_completion", "takes_attendance", "is_builtin", "is_active", "order"]
    list_editable = ["is_active", "order"]


@admin.register(FrequencyRule)
class FrequencyRuleAdmin(SimpleHistoryAdmin):
    list_display = ["activity_type", "organization", "holder", "per", "min_count", "reason"]
    list_filter = ["activity_type", "per", "holder"]
    raw_id_fields = ["organization"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ["member"]


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ["held_on", "activity_type", "organization", "title", "status", "is_voided"]
    list_filter = ["activity_type", "status", "is_voided"]
    search_fields = ["title", "organization__name"]
    raw_id_fields = ["organization", "host", "recorder"]
    date_hierarchy = "held_on"
    inlines = [AttendanceInline]

    # Edits here bypass the services: the monthly counts the compliance table reads must follow them too.
    def save_model(self, request, obj, form, change):
        with transaction.atomic(), counts.follow(obj):
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):  # the attendance inline: the attendance counts follow
        with transaction.atomic(), counts.follow(form.instance):
            super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj):
        with transaction.atomic(), counts.follow(obj):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(Talk)
class TalkAdmin(SimpleHistoryAdmin):
    list_display = ["held_on", "organization", "topic"]
    raw_id_fields = ["organization", "participants"]


@admin.register(PeriodClose)
class PeriodCloseAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "period", "closed_by", "closed_at", "reopened_at"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "emailed_at", "read_at"]
    list_filter = ["kind"]
