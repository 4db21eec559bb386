"""Re-encrypt personal data with the newest key of FIELD_ENCRYPTION_KEYS and refresh the lookup digests.

Key rotation (docs/security.md):
  1. prepend a new key:  FIELD_ENCRYPTION_KEYS=<new>,<old>   (restart)  then  `manage.py rotate_pii_key`
     -> every ciphertext is re-encrypted with <new>;
  2. drop the old key:   FIELD_ENCRYPTION_KEYS=<new>          (restart)  then  `manage.py rotate_pii_key` again
     -> digests (keyed with the last key in the list) are recomputed, so duplicate checks keep working.

Generic: every model field named `<x>_encrypted` is rotated; a sibling `<x>_digest` is recomputed from the
plain text. Rows are written with bulk_update: no history rows, `updated_at` unchanged (no edit conflicts).
"""
from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import crypto

BATCH = 500


def encrypted_fields():
    """(model, encrypted field name, digest field name or None) for every encrypted column."""
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        names = {f.name for f in model._meta.concrete_fields}
        for name in sorted(names):
            if name.endswith("_encrypted"):
                digest = name[: -len("_encrypted")] + "_digest"
                yield model, name, digest if digest in names else None


class Command(BaseCommand):
    help = "用 FIELD_ENCRYPTION_KEYS 的第一个密钥重新加密身份证号等个人信息，并重算查重摘要。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只检查能否解密，不写入。")

    def handle(self, *args, dry_run=False, **options):
        total = 0
        for model, field, digest_field in encrypted_fields():
            count = self._rotate(model, field, digest_field, dry_run=dry_run)
            total += count
            self.stdout.write(f"{model._meta.label}.{field}: {count} 条")
        verb = "可重新加密" if dry_run else "已重新加密"
        self.stdout.write(self.style.SUCCESS(f"{verb} {total} 条个人信息。"))

    def _rotate(self, model, field, digest_field, *, dry_run) -> int:
        fields = [field] + ([digest_field] if digest_field else [])
        qs = model._default_manager.exclude(**{field: ""}).only("pk", *fields).order_by("pk")
        count = 0
        with transaction.atomic():
            batch = []
            for obj in qs.iterator(chunk_size=BATCH):
                token = getattr(obj, field)
                try:
                    plain = crypto.decrypt(token)
                except Exception as exc:
                    raise CommandError(
                        f"{model._meta.label} #{obj.pk} 无法用当前任何密钥解密：请把旧密钥保留在 FIELD_ENCRYPTION_KEYS 中再运行。"
                    ) from exc
                setattr(obj, field, crypto.rotate(token))
                if digest_field:
                    setattr(obj, digest_field, crypto.digest(plain))
                batch.append(obj)
                count += 1
                if len(batch) >= BATCH:
                    if not dry_run:
                        model._default_manager.bulk_update(batch, fields)
                    batch = []
            if batch and not dry_run:
                model._default_manager.bulk_update(batch, fields)
        return count
