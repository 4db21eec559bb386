"""Publish a Celery task from a web request without waiting on a broker that is down.

Celery's default publish, with Redis stopped, retries the connection for about six seconds (kombu's
failover loop) before it gives up, and a request that queues work blocks that long. `send_fast` publishes on
its own short-lived connection with no connection retries and a short connect timeout
(CELERY_PUBLISH_CONNECT_TIMEOUT, default 0.5 s): it returns or raises within about that time. Callers keep
the work in the database and a beat task resends it once the broker is back (reports: requeue_waiting;
the outbox: deliver_pending), so failing fast loses nothing. Workers keep Celery's patient defaults.
"""
from __future__ import annotations

from django.conf import settings


def publish_timeout() -> float:
    return float(getattr(settings, "CELERY_PUBLISH_CONNECT_TIMEOUT", 0.5))


def send_fast(task, *, args=(), kwargs=None, **options):
    """task.apply_async(...) that raises at once (kombu/redis errors) when the broker is unreachable."""
    app = task.app
    if app.conf.task_always_eager:
        return task.apply_async(args=args, kwargs=kwargs, **options)
    timeout = publish_timeout()
    transport_options = {"max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": max(timeout, 2.0)}
    with app.connection_for_write(connect_timeout=timeout, transport_options=transport_options) as connection:
        return task.apply_async(args=args, kwargs=kwargs, connection=connection, retry=False, **options)
