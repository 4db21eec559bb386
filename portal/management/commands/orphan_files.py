"""List (default) or delete files under MEDIA_ROOT that no FileField row references.

Generic: every FileField/ImageField of every installed model (apps.get_models, history tables included, so a
file an audit record still names is kept) counts as a reference — attachments, evidence, report outputs
(ReportJob.file). Files younger than --min-age minutes are skipped: an upload is written before its row
commits, and a report worker writes before it records the job. Nothing schedules this; deleting is an
operator's decision (README, "Backups and restore").
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import models
from django.utils.translation import gettext as _


def _norm(name: str) -> str:
    return os.path.normpath(name).replace(os.sep, "/").lstrip("/")


def _names(model, attname: str):
    rows = (model._base_manager.exclude(**{attname: ""}).exclude(**{f"{attname}__isnull": True})
            .values_list(attname, flat=True).order_by())
    return (_norm(n) for n in rows.iterator(chunk_size=5000))


def referenced_names() -> set[str]:
    """Every storage name a FileField of any model holds (empty values left out), and the same column of its
    simple-history table (history stores file fields as text, so it is found through the tracked model)."""
    names: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:
            continue
        history_attr = getattr(model._meta, "simple_history_manager_attribute", None)
        history = getattr(model, history_attr).model if history_attr else None
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names.update(_names(model, field.attname))
                if history is not None and not isinstance(history._meta.get_field(field.name), models.FileField):
                    names.update(_names(history, field.attname))
    return names


def orphan_files(*, root: str | os.PathLike | None = None, min_age_seconds: float = 3600,
                 now: float | None = None) -> list[tuple[str, int]]:
    """(name relative to MEDIA_ROOT, size) of every regular file no row references, older than the grace."""
    root = Path(root or settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    referenced = referenced_names()
    cutoff = (now if now is not None else time.time()) - min_age_seconds
    found = []
    for folder, dirs, files in os.walk(root):            # symlinks are not followed, and not listed
        dirs.sort()
        for filename in sorted(files):
            path = Path(folder) / filename
            if path.is_symlink():
                continue
            st = path.stat()
            name = path.relative_to(root).as_posix()
            if name not in referenced and st.st_mtime <= cutoff:
                found.append((name, st.st_size))
    return found


class Command(BaseCommand):
    help = "列出 MEDIA_ROOT 下没有任何记录引用的文件（默认只列出）；--delete 删除它们"

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="删除列出的文件（默认只列出，不删除）")
        parser.add_argument("--min-age", type=float, default=60,
                            help="只处理修改时间早于此分钟数的文件（默认 60，正在上传或生成的文件不受影响）")

    def handle(self, *args, delete=False, min_age=60, **options):
        root = Path(settings.MEDIA_ROOT)
        found = orphan_files(root=root, min_age_seconds=min_age * 60)
        for name, size in found:
            self.stdout.write(f"{name}\t{size}")
        total = sum(size for _name, size in found)
        if not delete:
            self.stdout.write(_("共 {n} 个未被引用的文件，{size} 字节（未删除；加 --delete 删除）。")
                              .format(n=len(found), size=total))
            return
        removed = 0
        for name, _size in found:
            try:
                (root / name).unlink()
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                self.stderr.write(_("无法删除 {name}：{error}").format(name=name, error=exc))
        self.stdout.write(_("已删除 {n} 个未被引用的文件，{size} 字节。").format(n=removed, size=total))
