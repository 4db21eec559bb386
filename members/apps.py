from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("党员")

    def ready(self):
        from branches.permissions import PAGE_ROLES, user_roles
        from portal import extensions, navigation

        from . import panels

        def has_role(user):
            return user.is_authenticated and (user.is_superuser or bool(user_roles(user) & PAGE_ROLES))

        section = _("党员管理")
        navigation.register("members", _("党员名册"), "members:list", order=20, section=section, icon="users",
                            visible=has_role)
        navigation.register("members-pii-log", _("个人信息访问记录"), "members:pii_log", order=29, section=section,
                            visible=lambda u: u.is_authenticated and (u.is_superuser or "staff" in user_roles(u)))
        navigation.register("members-import", _("批量导入"), "members:import", order=22, section=section,
                            icon="download", visible=lambda u: has_role(u) and bool(user_roles(u) & {"staff", "secretary"}) or u.is_superuser)
        # Lifecycle pages (members/views/: development, dues, transfers, appraisal, points, birthdays)
        lifecycle = panels.nav_visible
        navigation.register("members-development", _("发展党员"), "members:development", order=23, section=section,
                            icon="flag", visible=lifecycle)
        navigation.register("members-dues", _("党费收缴"), "members:dues", order=24, section=section, icon="clipboard",
                            visible=lifecycle)
        navigation.register("members-transfers", _("组织关系转接"), "members:transfers", order=25, section=section,
                            icon="pin", visible=lifecycle)
        navigation.register("members-appraisals", _("民主评议"), "members:appraisals", order=26, section=section,
                            icon="star", visible=lifecycle)
        navigation.register("members-elections", _("换届选举"), "members:elections", order=26, section=section,
                            icon="flag", visible=lifecycle)
        navigation.register("members-points", _("党员积分"), "members:points", order=27, section=section, icon="award",
                            visible=lifecycle)
        navigation.register("members-birthdays", _("政治生日"), "members:birthdays", order=28, section=section,
                            icon="calendar", visible=lifecycle)
        extensions.register_member_panel(panels.member_panel, order=20)
        extensions.register_organization_panel(panels.organization_panel, order=40)
        extensions.register_home_panel(panels.home_panel, order=30)
        from . import pickers

        pickers.register()
        # branches.figures (stored member counts) follows imports too; branches cannot import this app's signal.
        from branches.figures import members_bulk_written as figures_follow_import

        from .signals import members_bulk_written
        members_bulk_written.connect(figures_follow_import, dispatch_uid="branches.figures.members_bulk")
        # The stored 欠缴 standings follow every write of a dues record and a member's move, leaving or return.
        from django.db.models.signals import post_delete, post_save

        from .models import DuesRecord, Member
        from .services.dues import member_after, record_written
        post_save.connect(record_written, sender=DuesRecord, dispatch_uid="members.dues_arrears.saved")
        post_delete.connect(record_written, sender=DuesRecord, dispatch_uid="members.dues_arrears.deleted")
        post_save.connect(member_after, sender=Member, dispatch_uid="members.dues_arrears.member")
