"""Per-community setup: channels, time zone and the community's own moderator list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from storage.db import Database
from storage.models import Community, Scope
from storage.schema import communities, in_scope, moderators, scope_values

SETUP_FIELDS = frozenset(
    {"introductions_channel", "announcements_channel", "modlog_channel", "timezone", "welcome_text"}
)


class CommunityRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, scope: Scope) -> Community:
        """The community's setup; an unconfigured community has every value unset."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(communities).where(in_scope(communities, scope)))
            ).first()
        if row is None:
            return Community(scope=scope)
        return Community(
            scope=scope,
            introductions_channel=row.introductions_channel,
            announcements_channel=row.announcements_channel,
            modlog_channel=row.modlog_channel,
            timezone=row.timezone,
            welcome_text=row.welcome_text,
        )

    async def update(self, scope: Scope, now: datetime, **values: str | None) -> Community:
        unknown = set(values) - SETUP_FIELDS
        if unknown:
            raise ValueError(f"unknown community fields: {sorted(unknown)}")
        async with self.db.transaction() as conn:
            exists = (
                await conn.execute(
                    select(communities.c.platform).where(in_scope(communities, scope))
                )
            ).first()
            if exists is None:
                await conn.execute(
                    insert(communities).values(
                        **scope_values(scope),
                        created_at=now,
                        updated_at=now,
                        **values,
                    )
                )
            elif values:
                await conn.execute(
                    update(communities)
                    .where(in_scope(communities, scope))
                    .values(updated_at=now, **values)
                )
            return await self.get(scope)

    async def moderators(self, scope: Scope) -> list[str]:
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(moderators.c.user_id)
                .where(in_scope(moderators, scope))
                .order_by(moderators.c.added_at, moderators.c.user_id)
            )
            return [row.user_id for row in rows]

    async def is_moderator(self, scope: Scope, user_id: str) -> bool:
        async with self.db.read() as conn:
            row = await conn.execute(
                select(moderators.c.user_id).where(
                    in_scope(moderators, scope), moderators.c.user_id == user_id
                )
            )
            return row.first() is not None

    async def add_moderator(self, scope: Scope, user_id: str, added_by: str, now: datetime) -> bool:
        """Add a moderator; False when they already were one."""
        async with self.db.transaction() as conn:
            if await self.is_moderator(scope, user_id):
                return False
            await conn.execute(
                insert(moderators).values(
                    **scope_values(scope),
                    user_id=user_id,
                    added_by=added_by,
                    added_at=now,
                )
            )
            return True

    async def remove_moderator(self, scope: Scope, user_id: str) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                delete(moderators).where(
                    in_scope(moderators, scope), moderators.c.user_id == user_id
                )
            )
            return bool(result.rowcount)
