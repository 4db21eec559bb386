"""Where pushes go: a channel configured per organization (applies to its subtree, nearest wins), and each
person's own choices. Secrets (webhook keys, signing secrets, gateway tokens) are stored encrypted."""
from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal import crypto


class PushKind(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    SMS = "sms", _("短信网关")


class ChannelConfigQuerySet(models.QuerySet):
    def for_organization(self, org, kind: str):
        """The enabled configuration of `kind` nearest to `org` up the tree, or None."""
        if org is None:
            return None
        paths = org.ancestor_paths()
        rows = {c.organization.path: c for c in self.filter(kind=kind, is_enabled=True,
                                                           organization__path__in=paths).select_related("organization")}
        return next((rows[p] for p in paths if p in rows), None)


class ChannelConfig(models.Model):
    """A push channel for an organization and everything under it (the nearest configuration up the tree wins)."""

    organization = models.ForeignKey("branches.Organization", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("党组织（含下级）"))
    kind = models.CharField(_("渠道"), max_length=12, choices=PushKind.choices)
    is_enabled = models.BooleanField(_("启用"), default=True)
    url = models.URLField(_("地址"), max_length=500,
                          help_text=_("企业微信/钉钉：机器人 Webhook 地址（含 key 或 access_token）；短信：网关接口地址"))
    secret_encrypted = models.TextField(_("加签密钥（密文）"), blank=True, editable=False)
    sms_template = models.CharField(
        _("短信请求体模板"), max_length=500, blank=True,
        default='{"phone": "{phone}", "text": "{text}"}',
        help_text=_("JSON，占位符 {phone}、{text}、{link}；仅短信网关使用"))
    digest_at = models.TimeField(_("每日摘要发送时间"), default=time(8, 30))
    quiet_start = models.TimeField(_("免打扰开始"), default=time(21, 0))
    quiet_end = models.TimeField(_("免打扰结束"), default=time(7, 30))
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChannelConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("推送渠道配置")
        verbose_name_plural = _("推送渠道配置")
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="inbox_one_channel_per_org")]

    def __str__(self):
        return f"{self.organization} · {self.get_kind_display()}"

    def set_secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value) if value else ""

    def get_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted) if self.secret_encrypted else ""

    def clean(self):
        if self.kind == PushKind.SMS:
            import json

            try:
                json.loads(self.sms_template.replace("{phone}", "1").replace("{text}", "x").replace("{link}", "/"))
            except ValueError:
                raise ValidationError({"sms_template": _("短信请求体模板须为 JSON。")}) from None


class Preference(models.Model):
    """A person's choice for one channel (no row = the channel is on, as configured for her organization)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_preferences")
    channel = models.CharField(_("渠道"), max_length=30)
    is_enabled = models.BooleanField(_("接收"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("个人接收设置")
        verbose_name_plural = _("个人接收设置")
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="inbox_one_preference")]

    def __str__(self):
        return f"{self.user} · {self.channel}: {self.is_enabled}"
