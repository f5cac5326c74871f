"""Which platform deliveries were already handled, so a retry never doubles an effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from storage.db import Database
from storage.models import Scope
from storage.schema import in_scope, scope_values, seen_deliveries

KEY_MAX = 128


class SeenDeliveryRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def first_sighting(self, scope: Scope, key: str, now: datetime) -> bool:
        """Record `key`; True the first time, False for a delivery already seen."""
        key = key[:KEY_MAX]
        async with self.db.transaction() as conn:
            found = await conn.execute(
                select(seen_deliveries.c.delivery_key).where(
                    in_scope(seen_deliveries, scope), seen_deliveries.c.delivery_key == key
                )
            )
            if found.first() is not None:
                return False
            # Writers are serialised (the writer lock), so nobody inserts between the two.
            await conn.execute(
                seen_deliveries.insert().values(
                    **scope_values(scope), delivery_key=key, seen_at=now
                )
            )
        return True

    async def forget_before(self, cutoff: datetime) -> int:
        """Drop old keys: platforms stop retrying within minutes."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                delete(seen_deliveries).where(seen_deliveries.c.seen_at < cutoff)
            )
            return int(result.rowcount or 0)
