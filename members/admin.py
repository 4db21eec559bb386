from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from .models import Member, MembershipMove, PiiAccess, PointsTotal
from .services.points import points_branch_totals_follow, points_branch_totals_refresh


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ("name", "gender", "status", "category", "branch", "is_active")
    list_filter = ("status", "category", "is_active")
    search_fields = ("name", "phone")
    raw_id_fields = ("branch", "party_group", "user")
    readonly_fields = ("id_number_masked",)

    # An edit here bypasses the registry services: the points ranking's branch figures follow it the same way
    # (the admin saves in a transaction).
    def save_model(self, request, obj, form, change):
        before = Member.objects.filter(pk=obj.pk).values_list("branch_id", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        if change and {"branch", "is_active"} & set(form.changed_data):
            points_branch_totals_follow(member_ids=[obj.pk], branch_ids={before, obj.branch_id} - {None})

    def delete_model(self, request, obj):
        years = set(PointsTotal.objects.filter(member=obj).values_list("year", flat=True))
        branch_id = obj.branch_id
        super().delete_model(request, obj)
        points_branch_totals_refresh(branch_ids=[branch_id], years=years)

    @transaction.atomic        # the changelist's delete action runs outside the admin's transactions
    def delete_queryset(self, request, queryset):
        branch_ids = set(queryset.values_list("branch_id", flat=True))
        years = set(PointsTotal.objects.filter(member__in=queryset).values_list("year", flat=True))
        super().delete_queryset(request, queryset)
        points_branch_totals_refresh(branch_ids=branch_ids, years=years)


@admin.register(MembershipMove)
class MembershipMoveAdmin(admin.ModelAdmin):
    list_display = ("member", "kind", "from_organization", "to_organization", "occurred_on")
    list_filter = ("kind",)
    raw_id_fields = ("member", "from_organization", "to_organization", "recorded_by")


@admin.register(PiiAccess)
class PiiAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "member", "ip_address")
    list_filter = ("action",)
    readonly_fields = [f.name for f in PiiAccess._meta.fields]
