from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("工作报告")

    def ready(self):
        from branches.permissions import has_page_access
        from portal import extensions, navigation

        from . import figures  # noqa: F401  (registers the member, committee, 评星 and 整改 figure definitions)

        navigation.register("reports", _("工作报告"), "reports:index", order=60, section=_("报告与统计"), icon="file",
                            visible=has_page_access)
        navigation.register("figure-definitions", _("统计口径说明"), "reports:definitions", order=61,
                            section=_("报告与统计"), icon="book", visible=has_page_access)
        extensions.register_organization_panel(organization_panel, order=60)


def organization_panel(request, org):
    """On a branch / committee page: its latest reports and a link to the reports page (one query)."""
    from .forms import kinds_for
    from .selectors import organization_panel as latest

    if not kinds_for(org):
        return None
    return "reports/panel.html", {"org": org, "jobs": latest(organization=org)}
