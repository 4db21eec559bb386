"""Writes of the outbox: create messages (one transaction, delivery after commit) and deliver due rows."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.queue import send_fast

from . import channels as registry
from .models import Delivery, DeliveryState, Message, Urgency

log = logging.getLogger(__name__)


def _schedule_delivery() -> None:
    from .tasks import deliver_pending  # tasks import services: keep the cycle out of module import

    try:
        send_fast(deliver_pending)   # a request never waits on a broker that is down
    except Exception:   # broker down: beat runs deliver_pending every minute, the rows wait in the database
        log.warning("outbox: could not queue deliver_pending; beat will pick the deliveries up")


@transaction.atomic
def message_send(*, recipient, kind: str, title: str, text: str = "", link: str = "",
                 urgency: str = Urgency.NORMAL, key: str = "", channels: list[str] | None = None) -> Message | None:
    """One message to `recipient`, with a pending Delivery per channel; delivered after the caller commits.

    `channels`: names to use (default: every registered channel that accepts the recipient). Unknown names
    are an error. With `key`, a second call for the same recipient and key creates nothing and returns None.
    """
    names = registry.channels_for(recipient, kind) if channels is None else list(channels)
    unknown = [n for n in names if registry.get(n) is None]
    if unknown:
        raise ValueError(f"unknown channels: {unknown}")
    try:
        with transaction.atomic():
            message = Message.objects.create(recipient=recipient, kind=kind, title=title[:200], text=text,
                                             link=link, urgency=urgency, key=key)
    except IntegrityError:
        if key and Message.objects.filter(recipient=recipient, key=key).exists():
            return None
        raise
    Delivery.objects.bulk_create(Delivery(message=message, channel=name) for name in dict.fromkeys(names))
    if names:
        transaction.on_commit(_schedule_delivery)
    return message


def message_mark_read(*, message: Message, on=None) -> Message:
    if message.read_at is None:
        message.read_at = on or timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)
    return message


def retry_delay(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure: base · 2^(attempts-1), capped."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATIONS_RETRY_MAX_SECONDS))


def _attempt(delivery: Delivery, now) -> str:
    channel = registry.get(delivery.channel)
    delivery.attempts += 1
    try:
        if channel is None:
            raise registry.PermanentFailure(f"no channel named {delivery.channel!r} is registered")
        channel.send(delivery)
    except Exception as exc:
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if isinstance(exc, registry.PermanentFailure) or delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            delivery.state = DeliveryState.FAILED
            log.error("outbox: delivery %s (%s) failed after %d attempts: %s", delivery.pk, delivery.channel,
                      delivery.attempts, delivery.last_error)
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
            log.warning("outbox: delivery %s (%s) attempt %d failed, next at %s: %s", delivery.pk, delivery.channel,
                        delivery.attempts, delivery.next_attempt_at, delivery.last_error)
    else:
        delivery.state = DeliveryState.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
    delivery.save(update_fields=["attempts", "state", "next_attempt_at", "last_error", "sent_at"])
    return delivery.state


def deliveries_run(*, limit: int = 200, now=None) -> dict[str, int]:
    """Try every due pending delivery once (at most `limit`); returns counts by resulting state.

    One row per transaction, locked with SKIP LOCKED: concurrent runs share the work and never send one row
    twice; a slow channel holds only its own row.
    """
    counts = {DeliveryState.SENT: 0, DeliveryState.PENDING: 0, DeliveryState.FAILED: 0}
    for _ in range(limit):
        with transaction.atomic():
            delivery = (Delivery.objects.due(now).select_for_update(skip_locked=True, of=("self",))
                        .select_related("message__recipient").first())
            if delivery is None:
                break
            counts[_attempt(delivery, now or timezone.now())] += 1
    return {str(k): v for k, v in counts.items()}
