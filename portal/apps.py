from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户")

    def ready(self):
        from django.db.models.signals import pre_save

        from .concurrency import enforce_seen_version

        # Every model: the receiver returns at once unless a VersionCheckMixin form left a version to enforce.
        pre_save.connect(enforce_seen_version, dispatch_uid="portal.concurrency.enforce_seen_version")
