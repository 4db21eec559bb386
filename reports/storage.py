"""Report files in Django storage, written so that no reader ever sees half a file.

On a filesystem storage the bytes go to a temporary name in the target folder and are moved into place with
os.replace (atomic on POSIX); leftovers of a killed worker (``*.part``) are removed before the next write of
the same job. Other storages (object stores) publish an object only once it is fully uploaded.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

PART_SUFFIX = ".part"


def job_file_name(job, ext: str) -> str:
    """Deterministic per job: a redelivered task writes the same name, so there is only ever one file."""
    return f"reports/{job.organization.code}/{job.pk}/{job.kind}-{job.period}.{ext}"


def store(name: str, src_path: str | os.PathLike) -> tuple[str, str, int]:
    """Move/upload the finished file at `src_path` to `name`; returns (name, sha256, size)."""
    digest = hashlib.sha256()
    with open(src_path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    size = os.path.getsize(src_path)
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in target.parent.glob(f".{target.name}.*{PART_SUFFIX}"):
            leftover.unlink(missing_ok=True)
        tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}{PART_SUFFIX}"
        try:
            shutil.copyfile(src_path, tmp)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            _fault_injection_pause()
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return name, digest.hexdigest(), size
    if storage.exists(name):
        storage.delete(name)
    with open(src_path, "rb") as handle:
        saved = storage.save(name, File(handle))
    return saved, digest.hexdigest(), size


def _fault_injection_pause() -> None:
    """Tests kill a worker here (settings.REPORTS_TEST_PUBLISH_DELAY seconds; 0 in every real deployment)."""
    delay = getattr(settings, "REPORTS_TEST_PUBLISH_DELAY", 0)
    if delay:
        time.sleep(delay)


def scratch_file(suffix: str):
    """A temporary local file to render into (deleted by the caller)."""
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    handle.close()
    return Path(handle.name)


def stored_files(job) -> list[str]:
    """Every file (finished or partial) of `job` in the folder (tests and checks)."""
    storage = default_storage
    if not isinstance(storage, FileSystemStorage):
        return [job.file.name] if job.file else []
    folder = Path(storage.path(f"reports/{job.organization.code}/{job.pk}"))
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
