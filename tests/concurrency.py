"""Real races for tests: each writer in its own thread and database connection, held where the race hurts.

    with held_at(monkeypatch, figures, "refresh_members", parties=2):      # both wait there, neither committed
        outcomes = all_at_once(add_member, add_member)
    assert not failures(outcomes)

A race test that runs its writers one after the other proves nothing about two saves at the same instant; these
two pieces put the writers inside their transactions at the same moment (a `threading.Barrier`) on PostgreSQL.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager

from django.db import connections

BARRIER_TIMEOUT = 20   # s: a writer that never arrives (a deadlock, a bug) fails the test instead of hanging it
JOIN_TIMEOUT = 60


def all_at_once(*calls: Callable[[], object]) -> list:
    """Run each call in its own thread with its own database connection (closed after), all released together;
    returns each call's result, or the exception it raised, in the calls' order."""
    start = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)
    outcomes: list = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            start.wait()
            outcomes[i] = call()
        except BaseException as exc:  # returned to the test, which asserts on it
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a writer did not finish"
    return outcomes


def failures(outcomes: list) -> list[BaseException]:
    return [outcome for outcome in outcomes if isinstance(outcome, BaseException)]


@contextmanager
def held_at(monkeypatch, owner, name: str, *, parties: int, when: Callable[..., bool] | None = None,
            once_per_thread: bool = False):
    """While inside, `owner.name` waits until `parties` threads have reached it, then runs the real one. `when`
    (given the call's arguments) picks the calls that wait; `once_per_thread` lets only a thread's first call wait."""
    barrier = threading.Barrier(parties, timeout=BARRIER_TIMEOUT)
    real = getattr(owner, name)
    waited = threading.local()

    def gated(*args, **kwargs):
        if (when is None or when(*args, **kwargs)) and not (once_per_thread and getattr(waited, "done", False)):
            waited.done = True
            barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, gated)
    try:
        yield
    finally:
        monkeypatch.setattr(owner, name, real)
