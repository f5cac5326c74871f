"""The audit log: one row per privileged action, with facts but never message text."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from storage.db import Database
from storage.models import AuditEntry, Scope
from storage.schema import audit_log, in_scope, scope_values


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        scope: Scope,
        actor_id: str,
        action: str,
        now: datetime,
        *,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                insert(audit_log)
                .values(
                    **scope_values(scope),
                    actor_id=actor_id,
                    action=action,
                    target=target,
                    detail=json.dumps(detail or {}, sort_keys=True),
                    created_at=now,
                )
                .returning(audit_log.c.id)
            )
            return int(result.scalar_one())

    async def recent(
        self, scope: Scope, limit: int = 20, *, action_prefix: str | None = None
    ) -> list[AuditEntry]:
        """The newest rows first; `action_prefix` keeps one feature's ("groups") or one
        action's ("groups.reveal") rows."""
        query = select(audit_log).where(in_scope(audit_log, scope))
        if action_prefix:
            query = query.where(
                (audit_log.c.action == action_prefix)
                | audit_log.c.action.startswith(action_prefix + ".", autoescape=True)
            )
        async with self.db.read() as conn:
            rows = (await conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit))).all()
        return [
            AuditEntry(
                id=row.id,
                scope=scope,
                actor_id=row.actor_id,
                action=row.action,
                target=row.target,
                detail=json.loads(row.detail or "{}"),
                created_at=row.created_at,
            )
            for row in rows
        ]

    async def count(self, scope: Scope | None = None) -> int:
        query = select(func.count()).select_from(audit_log)
        if scope is not None:
            query = query.where(in_scope(audit_log, scope))
        async with self.db.read() as conn:
            return int(await conn.scalar(query) or 0)

    async def ids(self) -> set[int]:
        """Every audit row id (used by durability checks)."""
        async with self.db.read() as conn:
            return {row.id for row in await conn.execute(select(audit_log.c.id))}
