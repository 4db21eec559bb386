from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import CommitteeSeat, CommitteeTerm, Organization, RoleGrant


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin, SimpleHistoryAdmin):
    form = movenodeform_factory(Organization)
    list_display = ("name", "kind", "code", "established_on", "dissolved_on")
    list_filter = ("kind", "locality")
    search_fields = ("name", "code")


class SeatInline(admin.TabularInline):
    model = CommitteeSeat
    raw_id_fields = ("member",)
    extra = 0


@admin.register(CommitteeTerm)
class CommitteeTermAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "started_on", "ends_on", "closed_on")
    raw_id_fields = ("organization",)
    inlines = [SeatInline]


@admin.register(RoleGrant)
class RoleGrantAdmin(SimpleHistoryAdmin):
    list_display = ("user", "role", "organization", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "organization", "granted_by")
