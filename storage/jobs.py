"""Scheduled jobs: the table is the truth; the in-memory scheduler is rebuilt from it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from storage.db import Database
from storage.models import Job, Scope
from storage.schema import in_scope, scheduled_jobs, scope_values

PENDING = "pending"
RUNNING = "running"
DONE = "done"
MISSED = "missed"  # came due while down and no longer made sense
FAILED = "failed"  # the handler raised
INTERRUPTED = "interrupted"  # the process died while it ran; not retried (at most once)
CANCELLED = "cancelled"


class JobRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(
        self,
        scope: Scope,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any],
        now: datetime,
    ) -> Job:
        """Create the job, or reschedule it if a pending one has the same kind and key.

        A job that already ran is left alone and returned as it is, so scheduling the same
        reminder twice can never send it twice.
        """
        async with self.db.transaction() as conn:
            existing = await self._by_key(scope, kind, key)
            if existing is None:
                await conn.execute(
                    insert(scheduled_jobs).values(
                        **scope_values(scope),
                        kind=kind,
                        job_key=key,
                        due_at=due_at,
                        status=PENDING,
                        payload=json.dumps(payload, sort_keys=True),
                        created_at=now,
                    )
                )
            elif existing.status == PENDING:
                await conn.execute(
                    update(scheduled_jobs)
                    .where(scheduled_jobs.c.id == existing.id)
                    .values(due_at=due_at, payload=json.dumps(payload, sort_keys=True))
                )
            job = await self._by_key(scope, kind, key)
        assert job is not None
        return job

    async def cancel(self, scope: Scope, kind: str, key: str, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(scheduled_jobs)
                .where(
                    in_scope(scheduled_jobs, scope),
                    scheduled_jobs.c.kind == kind,
                    scheduled_jobs.c.job_key == key,
                    scheduled_jobs.c.status == PENDING,
                )
                .values(status=CANCELLED, finished_at=now)
            )
            return bool(result.rowcount)

    async def claim(self, job_id: int) -> Job | None:
        """Move a pending job to running; None when someone else already took it."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(scheduled_jobs)
                .where(scheduled_jobs.c.id == job_id, scheduled_jobs.c.status == PENDING)
                .values(status=RUNNING)
            )
            if not result.rowcount:
                return None
            return await self.get(job_id)

    async def finish(
        self, job_id: int, status: str, now: datetime, detail: str | None = None
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(scheduled_jobs)
                .where(scheduled_jobs.c.id == job_id)
                .values(status=status, finished_at=now, detail=detail)
            )

    async def mark_interrupted(self, now: datetime) -> int:
        """Jobs left running by a process that died: recorded, never silently re-run."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(scheduled_jobs)
                .where(scheduled_jobs.c.status == RUNNING)
                .values(status=INTERRUPTED, finished_at=now, detail="process stopped while running")
            )
            return int(result.rowcount or 0)

    async def pending(
        self, *, due_by: datetime | None = None, kinds: tuple[str, ...] | None = None
    ) -> list[Job]:
        query = select(scheduled_jobs).where(scheduled_jobs.c.status == PENDING)
        if kinds is not None:
            query = query.where(scheduled_jobs.c.kind.in_(kinds))
        if due_by is not None:
            query = query.where(scheduled_jobs.c.due_at <= due_by)
        async with self.db.read() as conn:
            rows = (
                await conn.execute(query.order_by(scheduled_jobs.c.due_at, scheduled_jobs.c.id))
            ).all()
        return [_job(row) for row in rows]

    async def get(self, job_id: int) -> Job | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(scheduled_jobs).where(scheduled_jobs.c.id == job_id))
            ).first()
        return None if row is None else _job(row)

    async def _by_key(self, scope: Scope, kind: str, key: str) -> Job | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(scheduled_jobs).where(
                        in_scope(scheduled_jobs, scope),
                        scheduled_jobs.c.kind == kind,
                        scheduled_jobs.c.job_key == key,
                    )
                )
            ).first()
        return None if row is None else _job(row)

    async def by_key(self, scope: Scope, kind: str, key: str) -> Job | None:
        return await self._by_key(scope, kind, key)

    async def pending_with_prefix(self, scope: Scope, kind: str, key_prefix: str) -> list[Job]:
        """A community's pending jobs of one kind whose key starts with the prefix (every
        reminder of one session, whatever its offset)."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(scheduled_jobs).where(
                        in_scope(scheduled_jobs, scope),
                        scheduled_jobs.c.kind == kind,
                        scheduled_jobs.c.status == PENDING,
                        scheduled_jobs.c.job_key.startswith(key_prefix, autoescape=True),
                    )
                )
            ).all()
        return [_job(row) for row in rows]


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        scope=Scope(row.platform, row.workspace_id),
        kind=row.kind,
        key=row.job_key,
        due_at=row.due_at,
        status=row.status,
        payload=json.loads(row.payload),
        detail=row.detail,
    )
