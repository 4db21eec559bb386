from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def person_name(user) -> str:
    """How the portal shows a person: their name (林晓梅), the login name only when no name is on file."""
    return user.get_full_name() or user.get_username()


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户")

    def ready(self):
        # Everywhere a user is rendered as text ({{ record.submitted_by }}, pickers, history, admin), show the
        # person's name rather than the login name: "提交 林晓梅", not "提交 secretary".
        from django.contrib.auth import get_user_model

        get_user_model().__str__ = person_name
