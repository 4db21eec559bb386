from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def person_name(user) -> str:
    """How the portal shows a person: their name (林晓梅), the login name only when no name is on file."""
    return user.get_full_name() or user.get_username()


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户")

    def ready(self):
        from django.db.models.signals import pre_save

        from .concurrency import enforce_seen_version

        # Every model: the receiver returns at once unless a VersionCheckMixin form left a version to enforce.
        pre_save.connect(enforce_seen_version, dispatch_uid="portal.concurrency.enforce_seen_version")

        # Everywhere a user is rendered as text ({{ record.submitted_by }}, pickers, history, admin), show the
        # person's name rather than the login name: "提交 林晓梅", not "提交 secretary".
        from django.contrib.auth import get_user_model

        get_user_model().__str__ = person_name
