"""Writes of the message centre: send a message through the outbox on the channels the recipient's organization
configured and she did not switch off, scheduled by digest and quiet hours; read marks; preferences."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from notifications import channels as registry
from notifications.models import Delivery, Message, Urgency
from notifications.services import message_mark_read, message_send

from .channels import PushChannel, enabled_for
from .kinds import kind_of
from .models import Preference


def in_quiet_hours(moment: datetime, start: time, end: time) -> bool:
    t = timezone.localtime(moment).time()
    if start == end:
        return False
    return start <= t < end if start < end else (t >= start or t < end)


def next_slot(now: datetime, at: time) -> datetime:
    """The next local `at` strictly after `now`: today's if still ahead, else tomorrow's."""
    local = timezone.localtime(now)
    slot = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return slot if slot > local else slot + timedelta(days=1)


def push_time(*, now: datetime, urgent: bool, config) -> datetime:
    """When a push may leave: urgent at once; otherwise at the next daily digest slot, moved out of quiet hours
    (so a person gets at most one digest a day per channel)."""
    if urgent:
        return now
    slot = next_slot(now, config.digest_at)
    if in_quiet_hours(slot, config.quiet_start, config.quiet_end):
        slot = next_slot(slot, config.quiet_end)
    return slot


@transaction.atomic
def notify(*, recipient, kind: str, title: str, text: str = "", link: str = "", key: str = "",
           urgent: bool | None = None, now: datetime | None = None) -> Message | None:
    """One message to `recipient`: in the portal at once; on every channel that accepts her and that she has not
    switched off; push deliveries wait for the digest slot unless urgent. Idempotent with `key`."""
    now = now or timezone.now()
    urgent = kind_of(kind).urgent if urgent is None else urgent
    names = [n for n in registry.channels_for(recipient, kind) if enabled_for(recipient, n)]
    message = message_send(recipient=recipient, kind=kind, title=title, text=text, link=link, key=key,
                           urgency=Urgency.URGENT if urgent else Urgency.NORMAL, channels=names)
    if message is None:
        return None
    for delivery in Delivery.objects.filter(message=message):
        channel = registry.get(delivery.channel)
        if isinstance(channel, PushChannel):
            config = channel.config_for(recipient)
            at = push_time(now=now, urgent=urgent, config=config)
            if at != delivery.next_attempt_at:
                Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=at)
    return message


def inbox_for(user):
    return Message.objects.filter(recipient=user)


def unread_count(user) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user, pk: int) -> Message:
    message = Message.objects.get(recipient=user, pk=pk)      # DoesNotExist for anyone else's message → 404
    return message_mark_read(message=message)


def mark_all_read(*, user) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, user, enabled: dict[str, bool]) -> None:
    for channel, on in enabled.items():
        if registry.get(channel) is None:
            continue
        Preference.objects.update_or_create(user=user, channel=channel, defaults={"is_enabled": bool(on)})
