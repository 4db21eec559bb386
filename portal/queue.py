"""Publish a Celery task from a web request without waiting on a broker that is down.

Celery's default publish, with Redis stopped, retries the connection for about six seconds (kombu's
failover loop) before it gives up, and a request that queues work blocks that long. `send_fast` publishes on
its own short-lived connection with no connection retries and a short connect timeout
(CELERY_PUBLISH_CONNECT_TIMEOUT, default 0.5 s): it returns or raises within about that time. Callers keep
the work in the database and a beat task resends it once the broker is back (reports: requeue_waiting;
the outbox: deliver_pending), so failing fast loses nothing. Workers keep Celery's patient defaults.

`publishing_batch()` lets one caller that queues many tasks (a report schedule: two jobs per branch, 10,000 for a
whole tree) share one such connection and producer. What it buys is the outage: with a connection per message and
the broker unreachable behind a dead network path, every message waited its own socket timeout (2 s each: the
beat task hit its time limit long before its jobs existed); in a batch, once a send fails the rest fail at once
and their work waits in the database as above. (Its CPU saving on a healthy broker is within noise: ~10 ms of
the requester's CPU per job either way, most of it the job's own SQL.)
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings


class BrokerUnavailable(ConnectionError):
    """An earlier send of this batch failed: this one is not tried (its work is resent by the beat)."""


@dataclass
class _Batch:
    app: object
    connection: object | None = None
    producer: object | None = None   # one producer: its channel declares the queue once, not per message
    failed: BaseException | None = None


_batch: ContextVar[_Batch | None] = ContextVar("portal_publish_batch", default=None)


def publish_timeout() -> float:
    return float(getattr(settings, "CELERY_PUBLISH_CONNECT_TIMEOUT", 0.5))


def _fast_connection(app):
    timeout = publish_timeout()
    transport_options = {"max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": max(timeout, 2.0)}
    return app.connection_for_write(connect_timeout=timeout, transport_options=transport_options)


@contextmanager
def publishing_batch(app=None):
    """Every send_fast inside the block (same thread or task) publishes on one fast-failing connection."""
    if app is None:
        from celery import current_app

        app = current_app._get_current_object()   # the proxy is not `task.app`
    batch = _Batch(app)
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)
        if batch.connection is not None:
            batch.connection.release()


def send_fast(task, *, args=(), kwargs=None, **options):
    """task.apply_async(...) that raises at once (kombu/redis errors) when the broker is unreachable."""
    app = task.app
    if app.conf.task_always_eager:
        return task.apply_async(args=args, kwargs=kwargs, **options)
    batch = _batch.get()
    if batch is not None and batch.app is app:
        if batch.failed is not None:
            raise BrokerUnavailable(f"broker unavailable earlier in this batch: {batch.failed}")
        if batch.producer is None:
            batch.connection = _fast_connection(app)
            batch.producer = app.amqp.Producer(batch.connection, auto_declare=False)
        try:
            return task.apply_async(args=args, kwargs=kwargs, producer=batch.producer, retry=False, **options)
        except Exception as exc:
            batch.failed = exc
            raise
    with _fast_connection(app) as connection:
        return task.apply_async(args=args, kwargs=kwargs, connection=connection, retry=False, **options)
