"""Encryption at rest, keyed blind indexes and masking for personal data (identity numbers).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`); several keys
in FIELD_ENCRYPTION_KEYS (newest first) allow rotation with MultiFernet. Exact lookup and
de-duplication use a blind index: an HMAC-SHA256 of the normalised value under a key of its
own (BLIND_INDEX_KEY, else derived from the oldest encryption key, which stays when a new key
is put in front), so the database never holds a plain number nor an unkeyed hash that could
be brute-forced from the small space of passport numbers, and adding an encryption key does
not change the index. `manage.py rotate_keys` re-encrypts every value under the newest key
and recomputes the indexes (docs/security.md, key rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold url-safe base64 32-byte keys") from exc


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(value: str) -> str:
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong key or damaged value") from exc


def rotate(token: str) -> str:
    """Re-encrypt a value under the newest key."""
    return _fernet(_keys()).rotate(token.encode()).decode()


def normalise_identifier(value: str) -> str:
    """Upper-case, NFKC, without spaces, dashes and MRZ fillers: 'e 1234-567<' → 'E1234567'."""
    value = unicodedata.normalize("NFKC", value or "").upper()
    return "".join(ch for ch in value if ch.isalnum())


@lru_cache(maxsize=4)
def _index_key(secret: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(secret)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be url-safe base64") from exc
    return hmac.new(raw, b"frontline-blind-index-v1", hashlib.sha256).digest()


def index_secret() -> str:
    """The secret the blind index is keyed with: BLIND_INDEX_KEY, else the oldest encryption
    key (the last of FIELD_ENCRYPTION_KEYS)."""
    return getattr(settings, "BLIND_INDEX_KEY", "") or _keys()[-1]


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash of the normalised value, for exact lookup; `purpose` separates uses."""
    key = _index_key(index_secret())
    message = f"{purpose}\x00{normalise_identifier(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def mask(value: str, *, keep_start: int = 5, keep_end: int = 2) -> str:
    """'E1234567890' → 'E1234****90': at least four characters (or a third) are hidden, and a
    short value shows at most its first character."""
    value = value or ""
    n = len(value)
    if n <= 1:
        return "*" * n
    hidden = min(max(4, (n + 1) // 3), n - 1)
    visible = n - hidden
    end = min(keep_end, visible // 3)
    start = min(keep_start, visible - end)
    return value[:start] + "*" * (n - start - end) + (value[n - end:] if end else "")
