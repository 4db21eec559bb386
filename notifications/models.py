"""Message (a notice to one user) and Delivery (that notice on one channel): the outbox's rows."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Message(models.Model):
    """One notice to one user; shown in the portal and sent on the user's channels (Delivery rows)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages",
                                  verbose_name=_("接收人"))
    kind = models.CharField(_("类型"), max_length=40)   # "<app>.<what>", e.g. "orglife.reminder"
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    # Optional idempotency key: one message per (recipient, key); "" = no key.
    key = models.CharField(max_length=150, blank=True, default="")
    created = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""),
                                               name="message_once_per_key")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="message_unread")]

    def __str__(self):
        return self.title


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class DeliveryQuerySet(models.QuerySet):
    def due(self, now=None):
        """Pending rows whose next attempt time has come, oldest first."""
        return self.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now or timezone.now()) \
            .order_by("next_attempt_at", "pk")


class Delivery(models.Model):
    """A message on one channel: sent once, or failed with the reason after the last retry."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=30)
    state = models.CharField(_("状态"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("投递")
        verbose_name_plural = _("投递")
        constraints = [models.UniqueConstraint(fields=["message", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.message_id}/{self.channel}: {self.state}"
