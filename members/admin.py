from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Member, MembershipMove, PiiAccess


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ("name", "gender", "status", "category", "branch", "is_active")
    list_filter = ("status", "category", "is_active")
    search_fields = ("name", "phone")
    raw_id_fields = ("branch", "party_group", "user")
    readonly_fields = ("id_number_masked",)


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
