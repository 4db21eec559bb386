from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _has_role(*roles):
    def check(user):
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        from branches.permissions import user_roles

        return bool(user_roles(user) & set(roles))
    return check


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("四强评星")

    def ready(self):
        from portal import extensions, navigation
        from practice import hooks as practice_hooks

        from . import metrics, pickers  # noqa: F401  (metrics registers the automatic metrics on import)
        from .panels import home_panel, organization_panel
        from .services import rectification_create

        pickers.register()
        practice_hooks.register_rectification_create(rectification_create)  # 联系点 findings become 整改 items

        extensions.register_organization_panel(organization_panel, order=40)
        extensions.register_home_panel(home_panel, order=40)
        section = _("四强评星")
        navigation.register("evaluation_cycles", _("评星定级"), "evaluations:cycle_list", order=40, section=section,
                            icon="star", visible=_has_role("staff", "secretary", "reviewer"))
        navigation.register("evaluation_worklist", _("我的评审"), "evaluations:worklist", order=41, section=section,
                            icon="clipboard", visible=_has_role("reviewer", "staff"))
        navigation.register("evaluation_rectifications", _("整改事项"), "evaluations:rectification_list", order=42,
                            section=section, icon="flag", visible=_has_role("staff", "secretary", "reviewer"))
        navigation.register("evaluation_standards", _("评价标准"), "evaluations:standard_list", order=43, section=section,
                            icon="book", visible=_has_role("staff"))
