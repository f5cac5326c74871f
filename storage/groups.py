"""Peer groups: groups and their chapters, memberships, posts in a group's space, and
coffee-chat pairing (rounds, pairs, who has met whom, check-ins, "don't pair me with").

Who belongs to a group is never stored in the clear. A membership row is found by a
blind index of (group, member) and holds the member's id sealed; pairs, check-ins and post
authors are named by that per-group key. Steps that must not race (a join, an approval, a
round) are single transactions that re-check what they change.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.crypto import BlindIndex, Sealer
from storage.db import Database
from storage.keyring import KeyringRepository
from storage.models import Scope
from storage.schema import (
    group_members,
    group_posts,
    in_scope,
    pairing_avoid,
    pairing_checkins,
    pairing_history,
    pairing_pairs,
    pairing_rounds,
    peer_groups,
    scope_values,
)

# Visibility, from most to least open: the order matters (a chapter may not be more open
# than its group, and a group may only be made more private).
PUBLIC = "public"  # listed, and anyone may see who is in it
PRIVATE = "private"  # listed; only members, stewards and moderators see who is in it
SECRET = "secret"  # noqa: S105 - unlisted: only its members and moderators know it exists
VISIBILITIES = (PUBLIC, PRIVATE, SECRET)

OPEN = "open"
APPROVAL = "approval"
JOIN_POLICIES = (OPEN, APPROVAL)

MEMBER = "member"
STEWARD = "steward"

ACTIVE = "active"
REQUESTED = "requested"  # asked to join an approval group
INVITED = "invited"  # a steward invited them; they have not answered
LEAVING = "leaving"  # left, but the platform has not yet taken their access away

CADENCES = ("weekly", "biweekly", "monthly")
CHECKIN_ANSWERS = ("met", "not_yet", "no")


def name_key(name: str) -> str:
    """How a group's name is matched: case and spacing do not count."""
    return " ".join(name.split()).casefold()[:60]


@dataclass(frozen=True, slots=True)
class GroupDraft:
    name: str
    description: str
    visibility: str
    join_policy: str
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    scope: Scope
    name: str
    description: str
    visibility: str
    join_policy: str
    parent_id: int | None
    space_ref: str | None
    pairing: str | None
    pairing_round: int
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Membership:
    id: int
    group_id: int
    user_id: str
    member_key: str
    role: str
    status: str
    space_access: bool
    pairing: bool
    snooze_round: int | None
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @property
    def steward(self) -> bool:
        return self.status == ACTIVE and self.role == STEWARD


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    group_id: int
    author_id: str
    anonymous: bool
    message_ref: str | None


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    group_id: int
    round_no: int
    starts_at: datetime
    ends_at: datetime
    unpaired: int


@dataclass(frozen=True, slots=True)
class Pair:
    id: int
    round_id: int
    group_id: int
    member_keys: tuple[str, ...]


class GroupRepository:
    def __init__(self, db: Database, sealer: Sealer, keys: KeyringRepository) -> None:
        self.db = db
        self._sealer = sealer
        self._keys = keys

    async def _index(self) -> BlindIndex:
        return await self._keys.blind_index()

    async def member_key(self, group_id: int, user_id: str) -> str:
        return (await self._index()).of("member", group_id, user_id)

    # ----- groups -----------------------------------------------------------------------

    async def create(
        self,
        scope: Scope,
        draft: GroupDraft,
        stewards: Sequence[str],
        created_by: str,
        now: datetime,
    ) -> Group | None:
        """The group, with its stewards as members; None when the name is taken."""
        async with self.db.transaction() as conn:
            if await self.by_name(scope, draft.name) is not None:
                return None
            group_id = (
                await conn.execute(
                    insert(peer_groups)
                    .values(
                        **scope_values(scope),
                        name=draft.name,
                        name_key=name_key(draft.name),
                        description=draft.description,
                        visibility=draft.visibility,
                        join_policy=draft.join_policy,
                        parent_id=draft.parent_id,
                        pairing_round=0,
                        created_by=created_by,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(peer_groups.c.id)
                )
            ).scalar_one()
            for user_id in dict.fromkeys(stewards):
                await self._insert_member(conn, group_id, user_id, STEWARD, ACTIVE, None, now)
        group = await self.get(group_id)
        assert group is not None
        return group

    async def get(self, group_id: int) -> Group | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(peer_groups).where(peer_groups.c.id == group_id))
            ).first()
        return None if row is None else _group(row)

    async def by_name(self, scope: Scope, name: str) -> Group | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(peer_groups).where(
                        in_scope(peer_groups, scope), peer_groups.c.name_key == name_key(name)
                    )
                )
            ).first()
        return None if row is None else _group(row)

    async def all(self, scope: Scope) -> list[Group]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(peer_groups)
                    .where(in_scope(peer_groups, scope))
                    .order_by(peer_groups.c.name_key)
                )
            ).all()
        return [_group(row) for row in rows]

    async def update(self, group_id: int, now: datetime, **changes: Any) -> Group:
        """Change a group's name, description, visibility, join policy or pairing."""
        allowed = {"name", "description", "visibility", "join_policy", "pairing", "space_ref"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"not a group field: {sorted(unknown)}")
        if "name" in changes:
            changes["name_key"] = name_key(changes["name"])
        async with self.db.transaction() as conn:
            await conn.execute(
                update(peer_groups)
                .where(peer_groups.c.id == group_id)
                .values(**changes, updated_at=now)
            )
        group = await self.get(group_id)
        assert group is not None
        return group

    async def counts(self, group_ids: Collection[int]) -> dict[int, int]:
        """Active members per group."""
        if not group_ids:
            return {}
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(group_members.c.group_id, func.count())
                .where(
                    group_members.c.group_id.in_(list(group_ids)),
                    group_members.c.status == ACTIVE,
                )
                .group_by(group_members.c.group_id)
            )
            return {int(gid): int(n) for gid, n in rows}

    # ----- memberships ------------------------------------------------------------------

    async def membership(self, group_id: int, user_id: str) -> Membership | None:
        key = await self.member_key(group_id, user_id)
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(group_members).where(
                        group_members.c.group_id == group_id, group_members.c.member_key == key
                    )
                )
            ).first()
        return None if row is None else self._membership(row)

    async def membership_by_id(self, membership_id: int) -> Membership | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(group_members).where(group_members.c.id == membership_id))
            ).first()
        return None if row is None else self._membership(row)

    async def memberships_of(self, user_id: str, group_ids: Iterable[int]) -> dict[int, Membership]:
        """This member's rows in these groups (any status), by group id: one query."""
        index = await self._index()
        keys = {index.of("member", gid, user_id): gid for gid in group_ids}
        if not keys:
            return {}
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(group_members).where(group_members.c.member_key.in_(list(keys)))
                )
            ).all()
        found = {}
        for row in rows:
            if keys.get(row.member_key) == row.group_id:
                found[row.group_id] = self._membership(row)
        return found

    async def members(
        self, group_id: int, statuses: Collection[str] = (ACTIVE,)
    ) -> list[Membership]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(group_members)
                    .where(
                        group_members.c.group_id == group_id,
                        group_members.c.status.in_(list(statuses)),
                    )
                    .order_by(group_members.c.id)
                )
            ).all()
        return [self._membership(row) for row in rows]

    async def add(
        self,
        group_id: int,
        user_id: str,
        *,
        role: str,
        status: str,
        note: str | None,
        now: datetime,
    ) -> Membership | None:
        """A new row; None when this member already has one in the group."""
        async with self.db.transaction() as conn:
            if await self.membership(group_id, user_id) is not None:
                return None
            await self._insert_member(conn, group_id, user_id, role, status, note, now)
        return await self.membership(group_id, user_id)

    async def _insert_member(
        self,
        conn: Any,
        group_id: int,
        user_id: str,
        role: str,
        status: str,
        note: str | None,
        now: datetime,
    ) -> None:
        await conn.execute(
            insert(group_members).values(
                group_id=group_id,
                member_key=await self.member_key(group_id, user_id),
                user_sealed=self._sealer.seal(user_id),
                role=role,
                status=status,
                note_sealed=self._sealer.seal(note) if note else None,
                space_access=False,
                pairing=False,
                created_at=now,
                updated_at=now,
            )
        )

    async def note(self, membership_id: int) -> str | None:
        """What a member wrote when asking to join (for the stewards deciding)."""
        async with self.db.read() as conn:
            sealed = await conn.scalar(
                select(group_members.c.note_sealed).where(group_members.c.id == membership_id)
            )
        return None if sealed is None else self._sealer.open(sealed)

    async def move(
        self,
        membership_id: int,
        from_statuses: Collection[str],
        to_status: str,
        now: datetime,
        *,
        role: str | None = None,
    ) -> bool:
        """Change a row's status (and role) only if it is still in one of `from_statuses`:
        a second steward pressing Approve finds nothing left to approve."""
        values: dict[str, Any] = {"status": to_status, "updated_at": now}
        if role is not None:
            values["role"] = role
        if to_status == ACTIVE:
            values["note_sealed"] = None  # the request is decided; its note is not kept
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(group_members)
                .where(
                    group_members.c.id == membership_id,
                    group_members.c.status.in_(list(from_statuses)),
                )
                .values(**values)
            )
            return bool(result.rowcount)

    async def set_role(self, membership_id: int, role: str, now: datetime) -> None:
        await self._update(membership_id, role=role, updated_at=now)

    async def set_access(self, membership_id: int, granted: bool, now: datetime) -> None:
        await self._update(membership_id, space_access=granted, updated_at=now)

    async def set_request_refs(self, membership_id: int, refs: Sequence[str]) -> None:
        await self._update(membership_id, request_refs=json.dumps(list(refs)))

    async def _update(self, membership_id: int, **values: Any) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(group_members).where(group_members.c.id == membership_id).values(**values)
            )

    async def request_refs(self, membership_id: int) -> list[str]:
        async with self.db.read() as conn:
            value = await conn.scalar(
                select(group_members.c.request_refs).where(group_members.c.id == membership_id)
            )
        return list(json.loads(value)) if value else []

    async def remove(self, membership: Membership) -> bool:
        """Forget a membership, and who they met in the group's pairing."""
        async with self.db.transaction() as conn:
            key = membership.member_key
            await conn.execute(
                delete(pairing_history).where(
                    pairing_history.c.group_id == membership.group_id,
                    or_(pairing_history.c.first_key == key, pairing_history.c.second_key == key),
                )
            )
            result = await conn.execute(
                delete(group_members).where(group_members.c.id == membership.id)
            )
            return bool(result.rowcount)

    async def needing_sync(self, group_id: int) -> list[Membership]:
        """Members whose access on the platform is behind: active without it, or leaving."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(group_members).where(
                        group_members.c.group_id == group_id,
                        or_(
                            and_(
                                group_members.c.status == ACTIVE,
                                group_members.c.space_access.is_(False),
                            ),
                            group_members.c.status == LEAVING,
                        ),
                    )
                )
            ).all()
        return [self._membership(row) for row in rows]

    async def set_pairing_opt(self, membership_id: int, opted_in: bool, now: datetime) -> None:
        await self._update(membership_id, pairing=opted_in, snooze_round=None, updated_at=now)

    async def snooze(self, membership_id: int, round_no: int | None, now: datetime) -> None:
        await self._update(membership_id, snooze_round=round_no, updated_at=now)

    def _membership(self, row: Any) -> Membership:
        return Membership(
            id=row.id,
            group_id=row.group_id,
            user_id=self._sealer.open(row.user_sealed),
            member_key=row.member_key,
            role=row.role,
            status=row.status,
            space_access=bool(row.space_access),
            pairing=bool(row.pairing),
            snooze_round=row.snooze_round,
            created_at=row.created_at,
        )

    # ----- posts ------------------------------------------------------------------------

    async def add_post(
        self,
        membership: Membership,
        *,
        anonymous: bool,
        message_ref: str | None,
        now: datetime,
    ) -> int:
        async with self.db.transaction() as conn:
            return int(
                (
                    await conn.execute(
                        insert(group_posts)
                        .values(
                            group_id=membership.group_id,
                            author_key=membership.member_key,
                            author_sealed=self._sealer.seal(membership.user_id),
                            anonymous=anonymous,
                            message_ref=message_ref,
                            created_at=now,
                        )
                        .returning(group_posts.c.id)
                    )
                ).scalar_one()
            )

    async def set_post_ref(self, post_id: int, message_ref: str | None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(group_posts)
                .where(group_posts.c.id == post_id)
                .values(message_ref=message_ref)
            )

    async def delete_post(self, post_id: int) -> None:
        """A post the platform refused: nothing of it is kept."""
        async with self.db.transaction() as conn:
            await conn.execute(delete(group_posts).where(group_posts.c.id == post_id))

    async def post(self, post_id: int) -> Post | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(group_posts).where(group_posts.c.id == post_id))
            ).first()
        if row is None:
            return None
        return Post(
            row.id,
            row.group_id,
            self._sealer.open(row.author_sealed),
            bool(row.anonymous),
            row.message_ref,
        )

    # ----- "don't pair me with" ---------------------------------------------------------

    async def _avoid_keys(self, scope: Scope, owner: str, other: str | None = None) -> list[str]:
        index = await self._index()
        keys = [index.of("avoid", scope.platform, scope.workspace_id, owner)]
        if other is not None:
            keys.append(index.of("avoid-entry", scope.platform, scope.workspace_id, owner, other))
        return keys

    async def avoid(self, scope: Scope, owner: str, other: str, now: datetime) -> bool:
        """Add to the list; False when it was there already."""
        owner_key, entry_key = await self._avoid_keys(scope, owner, other)
        try:
            async with self.db.transaction() as conn:
                found = await conn.scalar(
                    select(pairing_avoid.c.id).where(
                        in_scope(pairing_avoid, scope), pairing_avoid.c.entry_key == entry_key
                    )
                )
                if found is not None:
                    return False
                await conn.execute(
                    insert(pairing_avoid).values(
                        **scope_values(scope),
                        owner_key=owner_key,
                        entry_key=entry_key,
                        other_sealed=self._sealer.seal(other),
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def unavoid(self, scope: Scope, owner: str, other: str) -> bool:
        _, entry_key = await self._avoid_keys(scope, owner, other)
        async with self.db.transaction() as conn:
            result = await conn.execute(
                delete(pairing_avoid).where(
                    in_scope(pairing_avoid, scope), pairing_avoid.c.entry_key == entry_key
                )
            )
            return bool(result.rowcount)

    async def avoided_by(self, scope: Scope, owners: Collection[str]) -> dict[str, set[str]]:
        """Each owner's list (only owners who have one)."""
        index = await self._index()
        keys = {index.of("avoid", scope.platform, scope.workspace_id, o): o for o in owners}
        if not keys:
            return {}
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(pairing_avoid.c.owner_key, pairing_avoid.c.other_sealed).where(
                        in_scope(pairing_avoid, scope),
                        pairing_avoid.c.owner_key.in_(list(keys)),
                    )
                )
            ).all()
        found: dict[str, set[str]] = {}
        for row in rows:
            found.setdefault(keys[row.owner_key], set()).add(self._sealer.open(row.other_sealed))
        return found

    # ----- pairing rounds ---------------------------------------------------------------

    async def start_round(
        self, group_id: int, round_no: int, starts_at: datetime, ends_at: datetime, now: datetime
    ) -> Round | None:
        """Claim a round; None when it was made already (a job that ran twice)."""
        try:
            async with self.db.transaction() as conn:
                exists = await conn.scalar(
                    select(pairing_rounds.c.id).where(
                        pairing_rounds.c.group_id == group_id,
                        pairing_rounds.c.round_no == round_no,
                    )
                )
                if exists is not None:
                    return None
                round_id = (
                    await conn.execute(
                        insert(pairing_rounds)
                        .values(
                            group_id=group_id,
                            round_no=round_no,
                            starts_at=starts_at,
                            ends_at=ends_at,
                            unpaired=0,
                            created_at=now,
                        )
                        .returning(pairing_rounds.c.id)
                    )
                ).scalar_one()
                await conn.execute(
                    update(peer_groups)
                    .where(peer_groups.c.id == group_id)
                    .values(pairing_round=round_no)
                )
        except IntegrityError:
            return None
        return Round(int(round_id), group_id, round_no, starts_at, ends_at, 0)

    async def save_pairs(
        self, made: Round, groups: Sequence[Sequence[str]], unpaired: int, now: datetime
    ) -> list[Pair]:
        """The round's pairs (by member key), and each pair's meeting in the history."""
        async with self.db.transaction() as conn:
            pairs = []
            for keys in groups:
                ordered = tuple(sorted(keys))
                pair_id = (
                    await conn.execute(
                        insert(pairing_pairs)
                        .values(
                            round_id=made.id,
                            group_id=made.group_id,
                            member_keys=json.dumps(list(ordered)),
                            created_at=now,
                        )
                        .returning(pairing_pairs.c.id)
                    )
                ).scalar_one()
                pairs.append(Pair(int(pair_id), made.id, made.group_id, ordered))
                for i, first in enumerate(ordered):
                    for second in ordered[i + 1 :]:
                        await self._met(conn, made.group_id, first, second, made.round_no)
            await conn.execute(
                update(pairing_rounds)
                .where(pairing_rounds.c.id == made.id)
                .values(unpaired=unpaired)
            )
        return pairs

    async def _met(self, conn: Any, group_id: int, first: str, second: str, round_no: int) -> None:
        where = and_(
            pairing_history.c.group_id == group_id,
            pairing_history.c.first_key == first,
            pairing_history.c.second_key == second,
        )
        if await conn.scalar(select(func.count()).select_from(pairing_history).where(where)):
            await conn.execute(update(pairing_history).where(where).values(round_no=round_no))
        else:
            await conn.execute(
                insert(pairing_history).values(
                    group_id=group_id, first_key=first, second_key=second, round_no=round_no
                )
            )

    async def history(self, group_id: int) -> dict[frozenset[str], int]:
        """Which member keys have met in this group, and the last round they did."""
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(
                    pairing_history.c.first_key,
                    pairing_history.c.second_key,
                    pairing_history.c.round_no,
                ).where(pairing_history.c.group_id == group_id)
            )
            return {frozenset((a, b)): int(n) for a, b, n in rows}

    async def round(self, round_id: int) -> Round | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(pairing_rounds).where(pairing_rounds.c.id == round_id))
            ).first()
        if row is None:
            return None
        return Round(row.id, row.group_id, row.round_no, row.starts_at, row.ends_at, row.unpaired)

    async def latest_round(self, group_id: int) -> Round | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(pairing_rounds)
                    .where(pairing_rounds.c.group_id == group_id)
                    .order_by(pairing_rounds.c.round_no.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            return None
        return Round(row.id, row.group_id, row.round_no, row.starts_at, row.ends_at, row.unpaired)

    async def pairs(self, round_id: int) -> list[Pair]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(pairing_pairs)
                    .where(pairing_pairs.c.round_id == round_id)
                    .order_by(pairing_pairs.c.id)
                )
            ).all()
        return [_pair(row) for row in rows]

    async def pair(self, pair_id: int) -> Pair | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(pairing_pairs).where(pairing_pairs.c.id == pair_id))
            ).first()
        return None if row is None else _pair(row)

    async def check_in(self, pair_id: int, member_key: str, answer: str, now: datetime) -> None:
        """Record (or change) one member's answer to "did you meet?"."""
        async with self.db.transaction() as conn:
            where = and_(
                pairing_checkins.c.pair_id == pair_id, pairing_checkins.c.member_key == member_key
            )
            if await conn.scalar(select(func.count()).select_from(pairing_checkins).where(where)):
                await conn.execute(
                    update(pairing_checkins).where(where).values(answer=answer, answered_at=now)
                )
            else:
                await conn.execute(
                    insert(pairing_checkins).values(
                        pair_id=pair_id, member_key=member_key, answer=answer, answered_at=now
                    )
                )

    async def checkin_tally(self, round_id: int) -> dict[str, int]:
        """Pairs of a round by what they said: a pair counts as met when anyone said so."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(pairing_checkins.c.pair_id, pairing_checkins.c.answer)
                    .join(pairing_pairs, pairing_pairs.c.id == pairing_checkins.c.pair_id)
                    .where(pairing_pairs.c.round_id == round_id)
                )
            ).all()
        answers: dict[int, set[str]] = {}
        for pair_id, answer in rows:
            answers.setdefault(pair_id, set()).add(answer)
        tally = {"met": 0, "not_yet": 0, "no": 0}
        for said in answers.values():
            best = next(a for a in CHECKIN_ANSWERS if a in said)
            tally[best] += 1
        return tally


def _group(row: Any) -> Group:
    return Group(
        id=row.id,
        scope=Scope(row.platform, row.workspace_id),
        name=row.name,
        description=row.description,
        visibility=row.visibility,
        join_policy=row.join_policy,
        parent_id=row.parent_id,
        space_ref=row.space_ref,
        pairing=row.pairing,
        pairing_round=row.pairing_round,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _pair(row: Any) -> Pair:
    return Pair(row.id, row.round_id, row.group_id, tuple(json.loads(row.member_keys)))
