"""The outbox against a real local SMTP server: down (refused), then refusing mail, then up — each mail arrives once.

The server is aiosmtpd on a free local port, started and stopped by the test; Django's SMTP backend talks to it.
"""
from __future__ import annotations

import socket
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from notifications import channels
from notifications.models import Delivery, DeliveryState, Message
from notifications.services import deliveries_run, message_send, retry_delay
from tests.branches.factories import UserFactory
from tests.concurrency import all_at_once, failures


class Inbox:
    """aiosmtpd handler: keeps accepted mails; with `refuse`, answers DATA with a temporary failure."""

    def __init__(self):
        self.received = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 mailbox temporarily unavailable"
        self.received.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A port nothing listens on yet (SMTP down); `.start()` brings a real SMTP server up there."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 3
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    class Server:
        inbox = Inbox()
        controller = None

        def start(self):
            self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port)
            self.controller.start()

        def stop(self):
            if self.controller:
                self.controller.stop()
                self.controller = None

    server = Server()
    yield server
    server.stop()


def later(delivery, seconds=1):
    return delivery.next_attempt_at + timedelta(seconds=seconds)


@pytest.mark.django_db
def test_smtp_down_then_up_the_mail_arrives_exactly_once(smtp):
    user = UserFactory(email="sec@example.org")
    message = message_send(recipient=user, kind="test.notice", title="组织生活提醒", text="九月主题党日将到期",
                           link="/branches/life/due/")
    delivery = message.deliveries.get()
    assert delivery.channel == "email" and delivery.state == DeliveryState.PENDING

    # SMTP down: connection refused. The row stays pending with the reason and a later retry time.
    before = timezone.now()
    assert deliveries_run() == {"sent": 0, "pending": 1, "failed": 0}
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
    assert "refused" in delivery.last_error.lower()
    assert delivery.next_attempt_at >= before + retry_delay(1)
    assert deliveries_run() == {"sent": 0, "pending": 0, "failed": 0}   # not due yet: no hammering

    # SMTP up but refusing mail (451): still pending, the wait doubles.
    smtp.start()
    smtp.inbox.refuse = True
    first_retry = delivery.next_attempt_at
    assert deliveries_run(now=later(delivery))["pending"] == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and "451" in delivery.last_error
    assert delivery.next_attempt_at - first_retry >= retry_delay(2)

    # SMTP accepts: sent once, and never again however often the task runs.
    smtp.inbox.refuse = False
    assert deliveries_run(now=later(delivery))["sent"] == 1
    for _ in range(3):
        assert deliveries_run(now=later(delivery, 3600))["sent"] == 0
    assert len(smtp.inbox.received) == 1
    mail = smtp.inbox.received[0]
    assert mail.rcpt_tos == ["sec@example.org"]
    assert "九月主题党日将到期" in mail.content.decode("utf-8", "replace") or "=E4=B9=9D" in mail.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.sent_at and delivery.attempts == 3


@pytest.mark.django_db
def test_after_the_last_attempt_the_delivery_is_failed_with_the_reason(smtp, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    user = UserFactory(email="sec@example.org")
    delivery = message_send(recipient=user, kind="test.notice", title="t").deliveries.get()
    now = timezone.now()
    for _ in range(5):
        deliveries_run(now=now)
        now += timedelta(days=1)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 3
    assert "refused" in delivery.last_error.lower()
    smtp.start()
    deliveries_run(now=now)
    assert smtp.inbox.received == []   # failed is final: an operator re-queues it deliberately


@pytest.mark.django_db
def test_channels_registry_and_idempotent_key():
    with_mail, without = UserFactory(email="a@example.org"), UserFactory(email="")
    assert channels.channels_for(with_mail, "x") == ["email"]
    assert channels.channels_for(without, "x") == []
    assert message_send(recipient=without, kind="x", title="t").deliveries.count() == 0   # in-portal only
    assert message_send(recipient=with_mail, kind="x", title="t", key="k1") is not None
    assert message_send(recipient=with_mail, kind="x", title="t", key="k1") is None
    assert Message.objects.filter(recipient=with_mail, key="k1").count() == 1
    with pytest.raises(ValueError):
        message_send(recipient=with_mail, kind="x", title="t", channels=["carrier-pigeon"])


@pytest.mark.django_db
def test_delivery_is_queued_after_commit(smtp, django_capture_on_commit_callbacks, celery_eager):
    smtp.start()
    user = UserFactory(email="sec@example.org")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message_send(recipient=user, kind="test.notice", title="立即发送")
        assert smtp.inbox.received == []   # nothing leaves inside the transaction
    assert len(callbacks) == 1
    assert len(smtp.inbox.received) == 1


@pytest.mark.django_db
def test_reminder_with_smtp_down_is_sent_once_when_it_is_back(smtp, tree, users):
    """The issue's case: before, the reminder was saved as e-mailed, the mail failed, and no run sent it again."""
    from orglife.reminders import send_secretary_reminders
    from tests.orglife.activity_factories import log

    users.secretary.email = "sec@example.org"
    users.secretary.save()
    log(tree.a1, "theme_day", date(2026, 9, 5))
    today = date(2026, 11, 25)
    assert send_secretary_reminders(today=today) == 1
    deliveries_run()                                         # SMTP down
    assert send_secretary_reminders(today=today) == 0        # a rerun creates nothing new
    delivery = Delivery.objects.get(message__recipient=users.secretary)
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
    smtp.start()
    deliveries_run(now=later(delivery))
    deliveries_run(now=later(delivery, 3600))
    assert [m.rcpt_tos for m in smtp.inbox.received] == [["sec@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_mail_once(smtp):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL: set DATABASE_URL")
    smtp.start()
    users = [UserFactory(email=f"u{i}@example.org") for i in range(12)]
    for u in users:
        message_send(recipient=u, kind="test.notice", title="并发")
    errors = failures(all_at_once(deliveries_run, deliveries_run, deliveries_run))
    assert not errors, errors
    assert sorted(r for m in smtp.inbox.received for r in m.rcpt_tos) == sorted(u.email for u in users)
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 12
