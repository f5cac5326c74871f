"""The delivery outbox: one row per notification with its outcome, so nothing is lost quietly."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from storage.crypto import Sealer
from storage.db import Database
from storage.models import OutboxEntry, Scope
from storage.schema import in_scope, outbox, scope_values

# Outcomes, in ladder order.
PENDING = "pending"
SENT = "sent"  # delivered as asked (DM or post)
FALLBACK = "fallback"  # DM refused, delivered in a private thread or mention instead
HELD = "held"  # kept for the member's next interaction
DELIVERED_LATER = "delivered_later"  # a held message shown at that next interaction
FAILED = "failed"  # nothing worked; moderators see it


class OutboxRepository:
    """A held reply can name a group or carry a member's words, so it is kept sealed."""

    def __init__(self, db: Database, sealer: Sealer) -> None:
        self.db = db
        self._sealer = sealer

    async def create(
        self, scope: Scope, kind: str, recipient: str, purpose: str, now: datetime
    ) -> int:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                insert(outbox)
                .values(
                    **scope_values(scope),
                    kind=kind,
                    recipient=recipient,
                    purpose=purpose,
                    status=PENDING,
                    created_at=now,
                    updated_at=now,
                )
                .returning(outbox.c.id)
            )
            return int(result.scalar_one())

    async def settle(
        self,
        entry_id: int,
        status: str,
        now: datetime,
        *,
        detail: str | None = None,
        message_ref: str | None = None,
        held_payload: dict[str, Any] | None = None,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == entry_id)
                .values(
                    status=status,
                    detail=detail,
                    message_ref=message_ref,
                    held_payload=None
                    if held_payload is None
                    else self._sealer.seal(json.dumps(held_payload)),
                    updated_at=now,
                )
            )

    async def take_held(self, scope: Scope, user_id: str, now: datetime) -> list[OutboxEntry]:
        """Held messages for a member, marked delivered in the same transaction.

        Runs after every command, so the common case (nothing held) is one read, no write.
        """
        async with self.db.read() as conn:
            any_held = (
                await conn.execute(
                    select(outbox.c.id)
                    .where(
                        in_scope(outbox, scope),
                        outbox.c.recipient == user_id,
                        outbox.c.status == HELD,
                    )
                    .limit(1)
                )
            ).first()
        if any_held is None:
            return []
        async with self.db.transaction() as conn:
            rows = (
                await conn.execute(
                    select(outbox)
                    .where(
                        in_scope(outbox, scope),
                        outbox.c.recipient == user_id,
                        outbox.c.status == HELD,
                    )
                    .order_by(outbox.c.id)
                )
            ).all()
            if rows:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([row.id for row in rows]))
                    .values(status=DELIVERED_LATER, held_payload=None, updated_at=now)
                )
        return [self._entry(row) for row in rows]

    async def list(
        self, scope: Scope, *, statuses: tuple[str, ...] | None = None, limit: int = 50
    ) -> list[OutboxEntry]:
        query = select(outbox).where(in_scope(outbox, scope))
        if statuses:
            query = query.where(outbox.c.status.in_(statuses))
        async with self.db.read() as conn:
            rows = (await conn.execute(query.order_by(outbox.c.id.desc()).limit(limit))).all()
        return [self._entry(row) for row in rows]

    async def get(self, entry_id: int) -> OutboxEntry | None:
        async with self.db.read() as conn:
            row = (await conn.execute(select(outbox).where(outbox.c.id == entry_id))).first()
        return None if row is None else self._entry(row)

    def _entry(self, row: Any) -> OutboxEntry:
        return OutboxEntry(
            id=row.id,
            scope=Scope(row.platform, row.workspace_id),
            kind=row.kind,
            recipient=row.recipient,
            purpose=row.purpose,
            status=row.status,
            detail=row.detail,
            message_ref=row.message_ref,
            created_at=row.created_at,
            held_payload=self._held(row.held_payload),
        )

    def _held(self, stored: str | None) -> dict[str, Any] | None:
        if stored is None:
            return None
        # Rows held before sealing began are plain JSON; a sealed token never starts with "{".
        text = stored if stored.startswith("{") else self._sealer.open(stored)
        value: dict[str, Any] = json.loads(text)
        return value
