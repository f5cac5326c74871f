"""Members the bot has seen, and the channels of communities it names itself (the console)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, insert, select, update

from storage.db import Database
from storage.models import Channel, Member, Scope
from storage.schema import channels, in_scope, members, scope_values


class MemberRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def remember(
        self, scope: Scope, user_id: str, display_name: str, now: datetime
    ) -> Member:
        """Insert or refresh a member's display name. A known member with the same name
        costs one read and no write (this runs on every command)."""
        known = await self.get(scope, user_id)
        if known is not None and known.display_name == display_name:
            return known
        async with self.db.transaction() as conn:
            found = await self.get(scope, user_id)
            if found is None:
                await conn.execute(
                    insert(members).values(
                        **scope_values(scope),
                        user_id=user_id,
                        display_name=display_name,
                        first_seen_at=now,
                    )
                )
            elif found.display_name != display_name:
                await conn.execute(
                    update(members)
                    .where(in_scope(members, scope), members.c.user_id == user_id)
                    .values(display_name=display_name)
                )
        return Member(scope, user_id, display_name)

    async def get(self, scope: Scope, user_id: str) -> Member | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(members.c.display_name).where(
                        in_scope(members, scope), members.c.user_id == user_id
                    )
                )
            ).first()
        return None if row is None else Member(scope, user_id, row.display_name)

    async def count(self, scope: Scope) -> int:
        async with self.db.read() as conn:
            value = await conn.scalar(
                select(func.count()).select_from(members).where(in_scope(members, scope))
            )
        return int(value or 0)


_CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")


class ChannelRepository:
    """Channels a surface creates by name (the console's `#name`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def valid_name(name: str) -> bool:
        return _CHANNEL_NAME.fullmatch(name) is not None

    async def by_name(self, scope: Scope, name: str) -> Channel | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(channels.c.channel_id).where(
                        in_scope(channels, scope), channels.c.name == name
                    )
                )
            ).first()
        return None if row is None else Channel(scope, row.channel_id, name)

    async def by_id(self, scope: Scope, channel_id: str) -> Channel | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(channels.c.name).where(
                        in_scope(channels, scope), channels.c.channel_id == channel_id
                    )
                )
            ).first()
        return None if row is None else Channel(scope, channel_id, row.name)

    async def get_or_create(self, scope: Scope, name: str, now: datetime) -> Channel:
        if not self.valid_name(name):
            raise ValueError(f"invalid channel name {name!r}")
        async with self.db.transaction() as conn:
            found = await self.by_name(scope, name)
            if found is not None:
                return found
            await conn.execute(
                insert(channels).values(
                    **scope_values(scope), channel_id=name, name=name, created_at=now
                )
            )
        return Channel(scope, name, name)
