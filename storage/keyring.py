"""Secrets the bot makes for itself and keeps in the database, sealed with DATA_KEY.

A blind index needs a key that never changes, while DATA_KEY may rotate: so the index key
is random, made on first use and stored sealed. Losing DATA_KEY loses it too, like every
other sealed field.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from storage.crypto import BlindIndex, Sealer
from storage.db import Database
from storage.schema import keyring

INDEX_KEY = "blind_index"


class KeyringRepository:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self.db = db
        self._sealer = sealer
        self._index: BlindIndex | None = None

    async def blind_index(self) -> BlindIndex:
        """The database's blind index, made on first use (one key per database, even when
        several processes race to make it)."""
        if self._index is None:
            sealed = await self._read(INDEX_KEY)
            if sealed is None:
                sealed = await self._create(INDEX_KEY, BlindIndex.new_key())
            self._index = BlindIndex(base64.b64decode(self._sealer.open(sealed)))
        return self._index

    async def _read(self, name: str) -> str | None:
        async with self.db.read() as conn:
            value = await conn.scalar(select(keyring.c.sealed).where(keyring.c.name == name))
        return None if value is None else str(value)

    async def _create(self, name: str, secret: bytes) -> str:
        sealed = self._sealer.seal(base64.b64encode(secret).decode("ascii"))
        try:
            async with self.db.transaction() as conn:
                if (found := await self._read(name)) is not None:
                    return found
                await conn.execute(
                    insert(keyring).values(name=name, sealed=sealed, created_at=datetime.now(UTC))
                )
        except IntegrityError:
            # Another process made it first (PostgreSQL); theirs is the key.
            found = await self._read(name)
            assert found is not None
            return found
        return sealed
