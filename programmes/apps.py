from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    """创建 programmes: 四强 as a designation, 红旗支部 创建, 五星党员 评选.

    Sits above evaluations/ and practice/ (it reads a cycle's results and practice's study, 先锋岗 and honours)
    and below reports/: portal ← branches ← members ← orglife ← evaluations/practice ← programmes ← reports.
    """

    name = "programmes"
    verbose_name = _("创建活动")

    def ready(self):
        from portal import extensions, navigation

        from . import signals  # noqa: F401  (keeps a title in step with evaluations' 动态管理)
        from .services import register_expiry_hook
        from .tasks import _default_hook

        register_expiry_hook(_default_hook)
        from .panels import member_panel, organization_panel

        extensions.register_organization_panel(organization_panel, order=45)
        extensions.register_member_panel(member_panel, order=45)
        navigation.register("programme_rounds", _("创建活动"), "programmes:round_list", order=44,
                            section=_("四强评星"), icon="flag", visible=lambda u: u.is_authenticated)
