"""Keyed hashing for look-ups and authenticated encryption of personal identifiers at rest.

A personal identifier (ID number, passport) is stored twice: an HMAC-SHA256 "lookup" so an
exact match needs no decryption, and an AES-256-GCM ciphertext (``cryptography``, a well-kept,
audited library) so an entitled reader can see it. Both keys derive from ``XINYONG_SECRET_KEY``
with HKDF, each for its own purpose, so neither leaks the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@lru_cache(maxsize=8)
def _derive(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"xinyong", info=purpose.encode()).derive(
        secret.encode()
    )


def _secret() -> str:
    from xinyong.config import get_settings

    return get_settings().secret_key


def lookup_hash(value: str, *, purpose: str = "identifier") -> str:
    """A stable keyed hash (hex) of ``value`` for exact-match look-ups."""
    return hmac.new(_derive(_secret(), "lookup:" + purpose), value.encode(), hashlib.sha256).hexdigest()


def encrypt(value: str) -> str:
    """AES-256-GCM encrypt ``value``; returns url-safe base64 of nonce + ciphertext."""
    nonce = os.urandom(12)
    ct = AESGCM(_derive(_secret(), "encrypt")).encrypt(nonce, value.encode(), None)
    return base64.urlsafe_b64encode(nonce + ct).decode()


def decrypt(token: str) -> str:
    """Reverse :func:`encrypt`."""
    raw = base64.urlsafe_b64decode(token.encode())
    return AESGCM(_derive(_secret(), "encrypt")).decrypt(raw[:12], raw[12:], None).decode()
