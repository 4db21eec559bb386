from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("党建实践")

    def ready(self):
        from portal import extensions

        from . import views

        extensions.register_home_panel(views.home_panel, order=10)
        extensions.register_organization_panel(views.organization_panel, order=40)
        extensions.register_member_panel(views.member_panel, order=40)
        try:
            from portal import navigation
        except ImportError:  # the UI shell's registry is not merged yet
            return
        from .permissions import own_member

        def has_role(user):
            from branches.permissions import user_roles

            return user.is_authenticated and (user.is_superuser or bool(user_roles(user) - {"agency"}))

        def is_member(user):
            return own_member(user) is not None

        section = _("党建实践")
        navigation.register("practice.study_mine", _("我的学习"), "practice:study_mine", order=50, section=section,
                            visible=is_member)
        navigation.register("practice.notices_mine", _("通知公告"), "practice:notices_mine", order=51, section=section)
        navigation.register("practice.home", _("党建实践概览"), "practice:home", order=52, section=section, visible=has_role)
        navigation.register("practice.brands", _("党建品牌"), "practice:brand_gallery", order=53, section=section,
                            visible=has_role)
