"""Sealing sensitive fields at rest (identities, and later private memberships, anonymous
authors and feedback) with Fernet from `cryptography`: AES-128-CBC with HMAC-SHA256,
a timestamp, and key rotation through MultiFernet.

The key comes from DATA_KEY; without it one is made once in DATA_DIR/data.key, readable
by the owner only, and a warning says so (back that file up with the database: without
it the sealed fields cannot be read).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)

KEY_FILE = "data.key"


class SealError(Exception):
    """A sealed value that this key cannot open (a wrong or lost DATA_KEY)."""


class Sealer:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        # The first key seals; every key opens, so an old key can be rotated out.
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def ephemeral(cls) -> Sealer:
        """A throwaway key, for tests and tools that keep nothing."""
        return cls([Fernet.generate_key()])

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise SealError("a sealed field could not be opened with DATA_KEY") from None


class BlindIndex:
    """A keyed hash (HMAC-SHA256) that finds a row without storing who it is about: the
    same member in the same group always gives the same value, and nobody without the
    key can compute it for a guess. Its key is random, made once and kept sealed in the
    database's keyring (see storage.keyring), so rotating DATA_KEY does not change it."""

    KEY_BYTES = 32

    def __init__(self, key: bytes) -> None:
        if len(key) < self.KEY_BYTES:
            raise ValueError("a blind index key needs 32 bytes")
        self._key = key

    @classmethod
    def new_key(cls) -> bytes:
        return secrets.token_bytes(cls.KEY_BYTES)

    def of(self, *parts: str | int) -> str:
        """64 hex characters; parts are joined with a separator no id contains."""
        message = "\x1f".join(str(part) for part in parts).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def parse_keys(value: str) -> list[bytes]:
    """DATA_KEY: one Fernet key, or several separated by commas (the first seals)."""
    keys = [part.strip().encode("ascii") for part in value.split(",") if part.strip()]
    for key in keys:
        Fernet(key)  # raises ValueError for a malformed key
    return keys


def load_or_create_key(data_dir: Path) -> tuple[bytes, bool]:
    """The key in DATA_DIR/data.key, made (owner-only) when missing; True when made now."""
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_bytes().strip(), False
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Fernet.generate_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key + b"\n")
    return key, True
