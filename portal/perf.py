"""Small performance tools shared by apps; they know no domain model."""
import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Suspend Python's cyclic garbage collector for a block that allocates many short-lived objects and frees none
    while it runs (the compliance engine for a province, a WeasyPrint render): the collector's passes over them cost
    ~40 % of the Python time and find nothing. Restored afterwards, only if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def serial_plan():
    """Plan the block's queries without parallel workers (PostgreSQL; elsewhere a no-op). For a page's small LIMIT
    walk over a big table: at province scale the planner starts two workers for it (Gather Merge), whose start-up
    costs more than the walk itself (the 政治生日 page: 1.4 ms serial, 7.6 ms parallel at N=50,000). SET LOCAL ends
    with the block's transaction, so no other query of the request is affected."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        yield
        return
    nested = connection.in_atomic_block
    previous = None
    with transaction.atomic():
        with connection.cursor() as cursor:
            if nested:
                cursor.execute("SELECT current_setting('max_parallel_workers_per_gather')")
                previous = cursor.fetchone()[0]
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield
    # Inside a caller's transaction the released savepoint keeps SET LOCAL until that transaction ends: put it back.
    # (On an exception the savepoint's rollback has undone it already.)
    if nested:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, true)", [previous])
