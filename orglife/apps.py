from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrglifeConfig(AppConfig):
    name = "orglife"
    verbose_name = _("组织生活")

    def ready(self):
        """Navigation entries and panels on the home and organization pages."""
        from branches.permissions import has_page_access, is_staff, user_roles
        from portal import extensions, navigation

        from . import attendance_counts, figures, panels, points, results  # noqa: F401  (figures, points: register their definitions, providers)

        def secretary(u):
            return u.is_authenticated and (u.is_superuser or "secretary" in user_roles(u))

        def overseer(u):
            return u.is_authenticated and (u.is_superuser or bool({"staff", "reviewer"} & user_roles(u)))

        navigation.register("life-due", _("组织生活待办"), "orglife:due", order=30, section=_("组织生活"), icon="calendar",
                            visible=secretary)
        navigation.register("life-compliance", _("落实情况"), "orglife:compliance", order=32, section=_("组织生活"),
                            icon="chart", visible=overseer)
        navigation.register("life-attendance", _("出席统计"), "orglife:attendance", order=34, section=_("组织生活"),
                            icon="users", visible=overseer)
        navigation.register("life-checkin", _("扫码签到"), "orglife:checkin", order=36, section=_("组织生活"), icon="check",
                            visible=has_page_access)
        navigation.register("life-reminders", _("提醒"), "orglife:reminders", order=38, section=_("组织生活"), icon="bell",
                            visible=has_page_access)
        navigation.register("life-rules", _("频次要求"), "orglife:rules", order=84, section=_("系统管理"), icon="clipboard",
                            visible=is_staff)
        navigation.register("life-periods", _("期间关账"), "orglife:periods", order=86, section=_("系统管理"), icon="shield",
                            visible=is_staff)
        results.connect()  # the stored compliance results follow the saves of members, seats, organizations, rules
        attendance_counts.connect()  # the stored attendance counts follow a type's "takes attendance"
        extensions.register_home_panel(panels.home_panel, order=10)
        extensions.register_organization_panel(panels.organization_panel, order=10)
