from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    """The message centre (站内消息, unread count, preferences), the push channels 企业微信/钉钉 robots and an SMS
    gateway, digest and quiet hours, and the reminder producers. Built on the outbox (notifications/); sits at
    the top of the app layers because the reminders read org life, members and evaluations."""

    name = "inbox"
    verbose_name = _("消息中心")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from notifications.channels import register
        from portal import navigation

        from .channels import PUSH_CHANNELS

        for channel in PUSH_CHANNELS:
            register(channel)
        from django.db.models.signals import post_save

        from practice.models import Notice, NoticeReceipt

        from . import signals

        post_save.connect(signals.notice_saved, sender=Notice, dispatch_uid="inbox.notice_saved")
        post_save.connect(signals.receipt_saved, sender=NoticeReceipt, dispatch_uid="inbox.receipt_saved")
        from portal.views import has_page_access

        navigation.register("inbox", _("站内消息"), "inbox:list", order=0, section=_("我的"), icon="bell",
                            visible=lambda u: u.is_authenticated and has_page_access(u))
