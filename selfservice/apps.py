from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfServiceConfig(AppConfig):
    """我的: a member's own pages (record, organizational life, dues, study and points). Sits at the top of the
    app layers (it reads members, org life and practice), so nothing below imports it."""

    name = "selfservice"
    verbose_name = _("我的")

    def ready(self):
        from portal import extensions, navigation

        from . import views
        from .selectors import has_member_record

        section = _("我的")
        navigation.register("mine", _("我的"), "mine:home", order=1, section=section, icon="user",
                            visible=has_member_record)
        navigation.register("mine-orglife", _("我的组织生活"), "mine:orglife", order=2, section=section,
                            icon="calendar", visible=has_member_record)
        navigation.register("mine-dues", _("我的党费"), "mine:dues", order=3, section=section, icon="clipboard",
                            visible=has_member_record)
        navigation.register("mine-study", _("我的学习与积分"), "mine:study", order=4, section=section, icon="award",
                            visible=has_member_record)
        navigation.register("mine-profile", _("我的档案"), "mine:profile", order=5, section=section, icon="users",
                            visible=has_member_record)
        extensions.register_home_panel(views.home_panel, order=1)
