from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("组织与组织生活")

    def ready(self):
        from portal import navigation

        from . import figures  # noqa: F401  (registers the organizational-life figure definitions)
        from .permissions import has_page_access, is_staff

        navigation.register("home", _("工作台"), "home", order=0, icon="home", visible=has_page_access)
        navigation.register("org-tree", _("组织架构"), "branches:tree", order=10, section=_("组织建设"), icon="tree",
                            visible=lambda u: has_page_access(u) and not _member_only(u))
        navigation.register("org-warnings", _("组织建设提醒"), "branches:warnings", order=12, section=_("组织建设"),
                            icon="alert", visible=is_staff)
        navigation.register("org-grants", _("用户与角色"), "branches:grants", order=90, section=_("系统管理"),
                            icon="settings", visible=is_staff)
        _register_orglife()
        navigation.register("api-clients", _("接口客户端"), "branches:api_clients", order=92, section=_("系统管理"),
                            icon="settings", visible=is_staff)


def _member_only(user) -> bool:
    from .permissions import PAGE_ROLES, user_roles

    return not user.is_superuser and not (user_roles(user) & PAGE_ROLES)


def _register_orglife():
    """Organizational life: navigation entries and panels on the home and organization pages."""
    from portal import extensions, navigation

    from . import orglife_panels as panels
    from .permissions import has_page_access, is_staff, user_roles

    def secretary(u):
        return u.is_authenticated and (u.is_superuser or "secretary" in user_roles(u))

    def overseer(u):
        return u.is_authenticated and (u.is_superuser or bool({"staff", "reviewer"} & user_roles(u)))

    navigation.register("life-due", _("组织生活待办"), "branches:due", order=30, section=_("组织生活"), icon="calendar",
                        visible=secretary)
    navigation.register("life-compliance", _("落实情况"), "branches:compliance", order=32, section=_("组织生活"),
                        icon="chart", visible=overseer)
    navigation.register("life-attendance", _("出席统计"), "branches:attendance", order=34, section=_("组织生活"),
                        icon="users", visible=overseer)
    navigation.register("life-checkin", _("扫码签到"), "branches:checkin", order=36, section=_("组织生活"), icon="check",
                        visible=has_page_access)
    navigation.register("life-reminders", _("提醒"), "branches:reminders", order=38, section=_("组织生活"), icon="bell",
                        visible=has_page_access)
    navigation.register("life-rules", _("频次要求"), "branches:rules", order=84, section=_("系统管理"), icon="clipboard",
                        visible=is_staff)
    navigation.register("life-periods", _("期间关账"), "branches:periods", order=86, section=_("系统管理"), icon="shield",
                        visible=is_staff)
    extensions.register_home_panel(panels.home_panel, order=10)
    extensions.register_organization_panel(panels.organization_panel, order=10)
