"""Files stored inside a transaction are removed when that transaction rolls back ("nothing lost", no orphans).

Domain-free. A service that stores files uses `atomic_with_files` where it would use `transaction.atomic`:

    @atomic_with_files
    def attachments_add(*, activity, uploads, by=None):
        for checked in check_uploads(uploads):
            with stored_upload(checked, prefix="activities") as name:   # portal.uploads.write_file records name
                Attachment.objects.create(activity=activity, file=name, ...)

It is `transaction.atomic` (a transaction, or a savepoint when nested) plus a list of the storage names written
inside it (portal.uploads.write_file calls `track`). If an exception leaves the block — a failed save, a
failed commit — the database work is rolled back and every file on that list is deleted. If the block ends
normally inside an enclosing `atomic_with_files`, its names move to the enclosing list, so a later failure of
the outer block removes them too; at the outermost block a normal exit means committed, and the files stay.

Why this design: Django has no rollback hook (only `on_commit`), so a file cannot learn by itself that the
row pointing to it vanished; the block that owns the savepoint knows exactly when its rows are rolled back
(an exception leaves it), so deleting there is aligned with the rollback. `stored_upload` alone removes a file
only when its own small block fails, not when a later file or a later step of the same transaction does.

Not covered: an enclosing plain `transaction.atomic` (not `atomic_with_files`) that rolls back after this
block ended normally, and a process killed between write and commit. `manage.py orphan_files` finds those.
"""
from __future__ import annotations

import logging
from contextlib import ContextDecorator
from contextvars import ContextVar

from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, transaction

log = logging.getLogger(__name__)

# The innermost open block's list of (storage, name); None outside every block.
_current: ContextVar[list | None] = ContextVar("portal_stored_files", default=None)


def track(name: str, storage=None) -> None:
    """Record a storage name just written; it is deleted if the enclosing atomic_with_files block rolls back."""
    files = _current.get()
    if files is not None and name:
        files.append((storage or default_storage, name))


def tracking() -> bool:
    """True inside an atomic_with_files block (tests, assertions)."""
    return _current.get() is not None


def _discard(files) -> None:
    for storage, name in reversed(files):
        try:
            storage.delete(name)
        except Exception:  # the volume may be gone; orphan_files finds what stays
            log.exception("could not remove file %s after rollback", name)
    files.clear()


class _AtomicWithFiles(ContextDecorator):
    def __init__(self, using=None):
        self.using = using

    def _recreate_cm(self):          # a fresh state per call when used as a decorator (recursion, threads)
        return _AtomicWithFiles(self.using)

    def __enter__(self):
        self._files = []
        self._parent = _current.get()
        self._token = _current.set(self._files)
        self._atomic = transaction.atomic(using=self.using)
        try:
            self._atomic.__enter__()
        except BaseException:
            _current.reset(self._token)
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self._atomic.__exit__(exc_type, exc, tb)     # commit or release; may itself raise (commit failed)
        except BaseException:
            _current.reset(self._token)
            _discard(self._files)
            raise
        _current.reset(self._token)
        if exc_type is not None:                         # rolled back: the rows are gone, so are the files
            _discard(self._files)
        elif self._parent is not None:                   # released a savepoint: the outer block decides
            self._parent.extend(self._files)
        return False


def atomic_with_files(using=None):
    """`transaction.atomic` that deletes the files stored inside it if it rolls back. Decorator or `with`."""
    if callable(using):
        return _AtomicWithFiles(DEFAULT_DB_ALIAS)(using)
    return _AtomicWithFiles(using)
