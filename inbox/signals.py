"""通知公告 become messages: on publishing, every recipient gets one (linking to the notice); reading the notice
(its read receipt) marks that message read too. Signals, because practice sits below this app."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from notifications.models import Message
from practice.models import Notice
from practice.selectors import notice_recipients


def notice_saved(sender, instance, created, **kwargs):
    if not created or instance.is_voided:
        return
    notice_pk = instance.pk

    def fan_out():
        from .services import notify

        notice = Notice.objects.select_related("organization").get(pk=notice_pk)
        for user in notice_recipients(notice=notice):
            notify(recipient=user, kind="practice.notice", title=notice.title, link=notice.get_absolute_url(),
                   key=f"notice:{notice.pk}")

    transaction.on_commit(fan_out)


def receipt_saved(sender, instance, created, **kwargs):
    if created:
        Message.objects.filter(recipient_id=instance.user_id, key=f"notice:{instance.notice_id}",
                               read_at__isnull=True).update(read_at=timezone.now())
