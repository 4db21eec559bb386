from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("组织建设")

    def ready(self):
        from portal import navigation

        from .permissions import has_page_access, is_staff

        navigation.register("home", _("工作台"), "home", order=0, icon="home", visible=has_page_access)
        navigation.register("org-tree", _("组织架构"), "branches:tree", order=10, section=_("组织建设"), icon="tree",
                            visible=lambda u: has_page_access(u) and not _member_only(u))
        navigation.register("org-warnings", _("组织建设提醒"), "branches:warnings", order=12, section=_("组织建设"),
                            icon="alert", visible=is_staff)
        navigation.register("org-grants", _("用户与角色"), "branches:grants", order=90, section=_("系统管理"),
                            icon="settings", visible=is_staff)
        navigation.register("api-clients", _("接口客户端"), "branches:api_clients", order=92, section=_("系统管理"),
                            icon="settings", visible=is_staff)
        from . import figures, pickers

        pickers.register()
        figures.connect()


def _member_only(user) -> bool:
    from .permissions import PAGE_ROLES, user_roles

    return not user.is_superuser and not (user_roles(user) & PAGE_ROLES)
