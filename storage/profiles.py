"""Intro profiles. Identities are sealed at rest and opened only for their owner, or for
display when the member chose to show them."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from storage.crypto import Sealer
from storage.db import Database
from storage.models import Scope
from storage.schema import in_scope, intro_profiles, scope_values


@dataclass(frozen=True, slots=True)
class IntroProfile:
    scope: Scope
    user_id: str
    name: str
    stage: str
    about: str
    pronouns: str | None = None
    institution: str | None = None
    interests: tuple[str, ...] = ()
    looking_for: tuple[str, ...] = ()
    identities: tuple[str, ...] = ()
    show_identities: bool = False
    post_ref: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def public_identities(self) -> tuple[str, ...]:
        """What others may see: nothing unless the member ticked "show publicly"."""
        return self.identities if self.show_identities else ()

    def as_public(self) -> IntroProfile:
        return replace(self, identities=self.public_identities)


class ProfileRepository:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self.db = db
        self._sealer = sealer

    async def get(self, scope: Scope, user_id: str) -> IntroProfile | None:
        """The member's whole profile, identities opened: for the member themself."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(intro_profiles).where(
                        in_scope(intro_profiles, scope), intro_profiles.c.user_id == user_id
                    )
                )
            ).first()
        return None if row is None else self._profile(scope, row)

    async def public(self, scope: Scope) -> list[IntroProfile]:
        """Every profile as others may see it: identities only where shown."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(intro_profiles)
                    .where(in_scope(intro_profiles, scope))
                    .order_by(intro_profiles.c.user_id)
                )
            ).all()
        return [self._profile(scope, row, public=True) for row in rows]

    async def save(self, profile: IntroProfile, now: datetime) -> IntroProfile:
        """Create or replace the profile (the post reference is kept)."""
        values = {
            "name": profile.name,
            "pronouns": profile.pronouns,
            "stage": profile.stage,
            "institution": profile.institution,
            "interests": json.dumps(list(profile.interests)),
            "about": profile.about,
            "looking_for": json.dumps(list(profile.looking_for)),
            "identities_sealed": (
                self._sealer.seal(json.dumps(list(profile.identities)))
                if profile.identities
                else None
            ),
            "show_identities": profile.show_identities,
            "updated_at": now,
        }
        async with self.db.transaction() as conn:
            where = (
                in_scope(intro_profiles, profile.scope),
                intro_profiles.c.user_id == profile.user_id,
            )
            found = (await conn.execute(select(intro_profiles.c.user_id).where(*where))).first()
            if found is None:
                await conn.execute(
                    insert(intro_profiles).values(
                        **scope_values(profile.scope),
                        user_id=profile.user_id,
                        created_at=now,
                        **values,
                    )
                )
            else:
                await conn.execute(update(intro_profiles).where(*where).values(**values))
            saved = await self.get(profile.scope, profile.user_id)
        assert saved is not None
        return saved

    async def set_post_ref(self, scope: Scope, user_id: str, ref: str | None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(intro_profiles)
                .where(in_scope(intro_profiles, scope), intro_profiles.c.user_id == user_id)
                .values(post_ref=ref)
            )

    async def delete(self, scope: Scope, user_id: str) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                delete(intro_profiles).where(
                    in_scope(intro_profiles, scope), intro_profiles.c.user_id == user_id
                )
            )
        return bool(result.rowcount)

    def _profile(self, scope: Scope, row: Any, *, public: bool = False) -> IntroProfile:
        identities: tuple[str, ...] = ()
        if row.identities_sealed and (row.show_identities or not public):
            identities = tuple(json.loads(self._sealer.open(row.identities_sealed)))
        return IntroProfile(
            scope=scope,
            user_id=row.user_id,
            name=row.name,
            pronouns=row.pronouns,
            stage=row.stage,
            institution=row.institution,
            interests=tuple(json.loads(row.interests)),
            about=row.about,
            looking_for=tuple(json.loads(row.looking_for)),
            identities=identities,
            show_identities=bool(row.show_identities),
            post_ref=row.post_ref,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
