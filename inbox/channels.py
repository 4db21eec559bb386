"""Push channels on the outbox's Channel interface (notifications/channels.py): 企业微信 and 钉钉 group robots
(their webhook JSON formats) and an HTTP SMS gateway. A push carries no personal data: the kind of thing to
do and a link back to the portal (PII stays in the portal). Non-urgent deliveries are gathered into one digest
per target and channel (a group for robots, a person for SMS) when the first of them is sent."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from collections import Counter

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from branches.models import RoleGrant
from members.models import Member
from notifications.channels import Channel, PermanentFailure
from notifications.models import Delivery, DeliveryState, Urgency
from portal.scoping import scope_for

from .kinds import kind_of
from .models import ChannelConfig, Preference, PushKind

TIMEOUT = 10


def recipient_organization(user):
    """Where a person stands for push configuration: her member branch, else her first role grant's organization."""
    def load():
        member = Member.objects.filter(user=user, is_active=True).select_related("branch").first()
        if member is not None:
            return member.branch
        grant = RoleGrant.objects.filter(user=user).select_related("organization").order_by("pk").first()
        return grant.organization if grant else None

    return scope_for(user).memo("inbox_org", load)


def enabled_for(user, channel: str) -> bool:
    return not Preference.objects.filter(user=user, channel=channel, is_enabled=False).exists()


def site_url(link: str) -> str:
    base = getattr(settings, "PORTAL_BASE_URL", "")
    return f"{base.rstrip('/')}{link}" if base and link.startswith("/") else link


def push_text(messages, *, group: bool) -> tuple[str, str]:
    """(title, text) for one push of `messages`: counts by kind and a link; never a name, amount or ID."""
    counts = Counter(str(kind_of(m.kind).label) for m in messages)
    what = gettext("、").join(f"{label} {n} " + gettext("项") for label, n in counts.items())
    link = site_url(messages[0].link if len(messages) == 1 and messages[0].link else "/inbox/")
    title = gettext("四强党建门户提醒")
    if group:
        text = gettext("本组织有新的待办：{what}。请相关同志登录门户查看处理：{link}").format(what=what, link=link)
    else:
        text = gettext("您有新的消息：{what}。请登录门户查看：{link}").format(what=what, link=link)
    return title, text


def post_json(url: str, payload: dict) -> bytes:
    """POST JSON; any non-2xx answer or network error raises (the outbox retries with backoff)."""
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:   # noqa: S310 (configured https/http URL)
        return response.read()


class PushChannel(Channel):
    kind: str = ""
    group = True

    def config_for(self, user) -> ChannelConfig | None:
        return ChannelConfig.objects.for_organization(recipient_organization(user), self.kind)

    def accepts(self, recipient, kind: str) -> bool:
        if self.group and not kind_of(kind).group:
            return False                      # personal matters never go to a group chat
        return self.config_for(recipient) is not None and enabled_for(recipient, self.name)

    def target(self, delivery, config) -> str:
        return f"config:{config.pk}" if self.group else f"user:{delivery.message.recipient_id}"

    def send(self, delivery) -> None:
        recipient = delivery.message.recipient
        config = self.config_for(recipient)
        if config is None:
            raise PermanentFailure("no enabled configuration for the recipient's organization")
        batch = [delivery]
        if delivery.message.urgency != Urgency.URGENT:
            batch += self._siblings(delivery, config)
        title, text = push_text([d.message for d in batch], group=self.group)
        self.push(config, recipient, title, text)
        now = timezone.now()
        # Sent in the same transaction as the row the outbox marks: all of the digest or none of it.
        Delivery.objects.filter(pk__in=[d.pk for d in batch[1:]]).update(
            state=DeliveryState.SENT, sent_at=now, last_error="", attempts=F("attempts") + 1)

    def _siblings(self, delivery, config) -> list[Delivery]:
        """Other pending, non-urgent deliveries on this channel for the same target (locked, skipped if taken)."""
        rows = (Delivery.objects.filter(channel=self.name, state=DeliveryState.PENDING)
                .exclude(pk=delivery.pk).exclude(message__urgency=Urgency.URGENT)
                .select_related("message__recipient").select_for_update(skip_locked=True, of=("self",)))
        if not self.group:
            return list(rows.filter(message__recipient_id=delivery.message.recipient_id))
        mine = self.target(delivery, config)
        out = []
        for d in rows:
            other = self.config_for(d.message.recipient)
            if other is not None and self.target(d, other) == mine:
                out.append(d)
        return out

    def push(self, config, recipient, title: str, text: str) -> None:
        raise NotImplementedError


def _robot_answer(body: bytes) -> None:
    """Both robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; anything else is a failure."""
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        raise RuntimeError(f"robot answered non-JSON: {body[:200]!r}") from None
    code = answer.get("errcode")
    if code != 0:
        # 93000 / 300001 / 310000: invalid webhook key / token / signature: retrying cannot help
        if code in (93000, 300001, 310000, 400013):
            raise PermanentFailure(f"robot refused: {answer}")
        raise RuntimeError(f"robot refused: {answer}")


class WeComRobotChannel(PushChannel):
    """企业微信群机器人: POST {"msgtype": "markdown", "markdown": {"content": ...}} to the webhook URL (…/send?key=)."""

    name = "wecom"
    kind = PushKind.WECOM
    label = PushKind.WECOM.label

    def push(self, config, recipient, title, text):
        _robot_answer(post_json(config.url, {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}))


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """钉钉 加签: sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))), added to the URL."""
    if not secret:
        return url
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


class DingTalkRobotChannel(PushChannel):
    """钉钉自定义机器人: POST {"msgtype": "markdown", "markdown": {"title", "text"}} to …/robot/send?access_token=,
    signed with the configured secret when there is one."""

    name = "dingtalk"
    kind = PushKind.DINGTALK
    label = PushKind.DINGTALK.label

    def push(self, config, recipient, title, text):
        url = dingtalk_signed_url(config.url, config.get_secret())
        _robot_answer(post_json(url, {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n{text}"}}))


class SmsGatewayChannel(PushChannel):
    """An HTTP SMS gateway: POST the configured JSON template with {phone}, {text} and {link} filled in; 2xx =
    accepted. Goes to one person (her phone on the member record)."""

    name = "sms"
    kind = PushKind.SMS
    label = PushKind.SMS.label
    group = False

    @staticmethod
    def phone_of(user) -> str:
        return Member.objects.filter(user=user, is_active=True).values_list("phone", flat=True).first() or ""

    def accepts(self, recipient, kind):
        return super().accepts(recipient, kind) and bool(self.phone_of(recipient))

    def push(self, config, recipient, title, text):
        phone = self.phone_of(recipient)
        if not phone:
            raise PermanentFailure("recipient has no phone number")

        def esc(value: str) -> str:
            return json.dumps(value, ensure_ascii=False)[1:-1]

        body = (config.sms_template.replace("{phone}", esc(phone)).replace("{text}", esc(f"【{title}】{text}"))
                .replace("{link}", esc(site_url("/inbox/"))))
        post_json(config.url, json.loads(body))


PUSH_CHANNELS = [WeComRobotChannel(), DingTalkRobotChannel(), SmsGatewayChannel()]
