"""Encryption at rest for personal data (身份证号), keys from settings.FIELD_ENCRYPTION_KEYS.

The first key encrypts; every key decrypts, so a new key can be prepended and old rows re-encrypted
(`manage.py rotate_pii_key`) before the old key is dropped. A keyed digest finds duplicates without
decrypting.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _fernet_key(raw: str) -> bytes:
    raw_bytes = raw.encode()
    try:
        if len(base64.urlsafe_b64decode(raw_bytes)) == 32:
            return raw_bytes
    except (ValueError, TypeError):
        pass
    # Accept any passphrase by deriving a proper 32-byte key from it.
    return base64.urlsafe_b64encode(hashlib.sha256(raw_bytes).digest())


@lru_cache(maxsize=4)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _multi(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _multi(_keys()).decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt with the first (newest) key."""
    if not token:
        return ""
    return _multi(_keys()).rotate(token.encode()).decode()


def digest(value: str) -> str:
    """Stable keyed digest for uniqueness checks; keyed with the last (oldest) key so rotation keeps it."""
    if not value:
        return ""
    key = hashlib.sha256(("digest:" + _keys()[-1]).encode()).digest()
    return hmac.new(key, value.upper().encode(), hashlib.sha256).hexdigest()
