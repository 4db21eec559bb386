"""Channel registry and the e-mail channel. The interface is described in notifications/__init__.py."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy as _


class PermanentFailure(Exception):
    """Raised by Channel.send when retrying cannot help: the delivery is failed at once with this reason."""


class Channel:
    name: str = ""
    label = ""

    def accepts(self, recipient, kind: str) -> bool:
        raise NotImplementedError

    def send(self, delivery) -> None:
        raise NotImplementedError


_registry: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    """Add (or replace, by name) a channel. Call from AppConfig.ready()."""
    if not channel.name:
        raise ValueError("a channel needs a name")
    _registry[channel.name] = channel


def get(name: str) -> Channel | None:
    return _registry.get(name)


def all_channels() -> list[Channel]:
    return list(_registry.values())


def channels_for(recipient, kind: str) -> list[str]:
    """Names of the registered channels that can reach `recipient` for this kind of message."""
    return [c.name for c in _registry.values() if c.accepts(recipient, kind)]


class EmailChannel(Channel):
    """SMTP (settings.EMAIL_*). Accepted = the mail server took the message (SMTP 250 after DATA)."""

    name = "email"
    label = _("电子邮件")

    def accepts(self, recipient, kind: str) -> bool:
        return bool(getattr(recipient, "email", ""))

    def send(self, delivery) -> None:
        message = delivery.message
        address = message.recipient.email
        if not address:
            raise PermanentFailure("recipient has no e-mail address")
        body = message.text
        if message.link:
            body = f"{body}\n\n{_site_url(message.link)}"
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
        email = EmailMessage(subject=message.title, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
                             # Stable per delivery: a copy re-sent after a crash is recognisably the same mail.
                             headers={"Message-ID": f"<delivery-{delivery.pk}@{domain}>"})
        if email.send(fail_silently=False) != 1:
            raise RuntimeError("the mail backend did not accept the message")


def _site_url(link: str) -> str:
    base = getattr(settings, "PORTAL_BASE_URL", "")
    return f"{base.rstrip('/')}{link}" if base and link.startswith("/") else link
