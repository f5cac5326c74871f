"""The peer-group tables on SQLite and PostgreSQL: members are found by a blind index and
never stored in the clear, racing decisions and rounds happen once, one index key per
database (kept across a DATA_KEY rotation), and pairing history follows member keys."""

from __future__ import annotations

import asyncio

from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.clock import ManualClock
from storage import Database, Repositories, Scope, Sealer
from storage.groups import ACTIVE, LEAVING, MEMBER, PRIVATE, REQUESTED, STEWARD, Group, GroupDraft
from storage.schema import group_members, keyring, pairing_avoid

T1 = Scope("discord", "G1")
# Long ids on purpose: a sealed value is random base64, where a short name turns up by chance.
ANA = "ana_canary_member_01"
BEN = "ben_canary_member_02"
STEW = "stew_canary_steward_03"


async def a_group(repos: Repositories, clock: ManualClock, name: str = "SGM Alliance") -> Group:
    group = await repos.groups.create(
        T1, GroupDraft(name, "Peers", PRIVATE, "approval", None), [STEW], "mod", clock.now()
    )
    assert group is not None
    return group


async def test_names_are_unique_per_community_whatever_the_case_and_spacing(
    repos: Repositories, clock: ManualClock
) -> None:
    await a_group(repos, clock)
    draft = GroupDraft("  sgm   ALLIANCE ", "x", PRIVATE, "open", None)
    assert await repos.groups.create(T1, draft, [], "mod", clock.now()) is None
    other = await repos.groups.create(Scope("slack", "T1"), draft, [], "mod", clock.now())
    assert other is not None  # another community may use the name
    assert (await repos.groups.by_name(T1, "Sgm Alliance")).name == "SGM Alliance"  # type: ignore[union-attr]


async def test_members_are_found_by_a_blind_index_and_sealed_at_rest(
    db: Database, repos: Repositories, clock: ManualClock
) -> None:
    group = await a_group(repos, clock)
    other = await a_group(repos, clock, "Latinx in Med")
    for g in (group, other):
        await repos.groups.add(g.id, ANA, role=MEMBER, status=ACTIVE, note=None, now=clock.now())
    mine = await repos.groups.memberships_of(ANA, [group.id, other.id])
    assert {gid: m.user_id for gid, m in mine.items()} == {group.id: ANA, other.id: ANA}
    assert (await repos.groups.memberships_of("ben", [group.id, other.id])) == {}
    async with db.read() as conn:
        rows = (await conn.execute(select(group_members))).all()
    assert rows and ANA not in repr(rows) and STEW not in repr(rows)
    # One person's rows in two groups share nothing that ties them together.
    keys = {row.member_key for row in rows}
    assert len(keys) == len(rows)


async def test_racing_decisions_on_one_request_land_once(
    repos: Repositories, clock: ManualClock
) -> None:
    group = await a_group(repos, clock)
    request = await repos.groups.add(
        group.id, "ana", role=MEMBER, status=REQUESTED, note="MS2", now=clock.now()
    )
    assert request is not None and await repos.groups.note(request.id) == "MS2"
    results = await asyncio.gather(
        *(repos.groups.move(request.id, (REQUESTED,), ACTIVE, clock.now()) for _ in range(4))
    )
    assert sorted(results) == [False, False, False, True]
    assert await repos.groups.note(request.id) is None  # decided: the note is not kept
    # A second row for the same person in the same group is refused, even when racing.
    again = await asyncio.gather(
        *(
            repos.groups.add(
                group.id, "ben", role=MEMBER, status=ACTIVE, note=None, now=clock.now()
            )
            for _ in range(3)
        )
    )
    assert sum(1 for a in again if a is not None) == 1
    assert (await repos.groups.counts([group.id]))[group.id] == 3  # stew, ana, ben


async def test_a_leaving_member_waits_for_the_platform_and_is_not_counted(
    repos: Repositories, clock: ManualClock
) -> None:
    group = await a_group(repos, clock)
    ana = await repos.groups.add(
        group.id, "ana", role=MEMBER, status=ACTIVE, note=None, now=clock.now()
    )
    assert ana is not None
    await repos.groups.set_access(ana.id, True, clock.now())
    await repos.groups.move(ana.id, (ACTIVE,), LEAVING, clock.now())
    assert [m.user_id for m in await repos.groups.needing_sync(group.id)] == [STEW, "ana"]
    assert (await repos.groups.counts([group.id]))[group.id] == 1
    [stew] = [m for m in await repos.groups.members(group.id) if m.role == STEWARD]
    await repos.groups.set_access(stew.id, True, clock.now())
    leaving = await repos.groups.membership(group.id, "ana")
    assert leaving is not None and await repos.groups.remove(leaving)
    assert await repos.groups.needing_sync(group.id) == []


async def test_a_round_is_made_once_and_history_follows_member_keys(
    repos: Repositories, clock: ManualClock
) -> None:
    group = await a_group(repos, clock)
    keys = {}
    for user in ("ana", "ben", "cy"):
        added = await repos.groups.add(
            group.id, user, role=MEMBER, status=ACTIVE, note=None, now=clock.now()
        )
        assert added is not None
        keys[user] = added.member_key
    now = clock.now()
    claims = await asyncio.gather(
        *(repos.groups.start_round(group.id, 1, now, now, now) for _ in range(3))
    )
    [made] = [c for c in claims if c is not None]
    pairs = await repos.groups.save_pairs(made, [(keys["ana"], keys["ben"], keys["cy"])], 0, now)
    assert len(pairs) == 1 and len(pairs[0].member_keys) == 3
    history = await repos.groups.history(group.id)
    assert set(history) == {
        frozenset((keys[a], keys[b])) for a, b in (("ana", "ben"), ("ana", "cy"), ("ben", "cy"))
    }
    assert (await repos.groups.get(group.id)).pairing_round == 1  # type: ignore[union-attr]
    # Check-ins: a pair counts as met when anyone in it says so.
    await repos.groups.check_in(pairs[0].id, keys["ana"], "not_yet", now)
    await repos.groups.check_in(pairs[0].id, keys["ben"], "met", now)
    await repos.groups.check_in(pairs[0].id, keys["ana"], "met", now)  # changes her answer
    assert await repos.groups.checkin_tally(made.id) == {"met": 1, "not_yet": 0, "no": 0}
    # Leaving takes a member's history with them.
    ana = await repos.groups.membership(group.id, "ana")
    assert ana is not None and await repos.groups.remove(ana)
    assert set(await repos.groups.history(group.id)) == {frozenset((keys["ben"], keys["cy"]))}


async def test_dont_pair_me_with_is_sealed_and_each_owners_own(
    db: Database, repos: Repositories, clock: ManualClock
) -> None:
    assert await repos.groups.avoid(T1, ANA, BEN, clock.now())
    results = await asyncio.gather(
        *(repos.groups.avoid(T1, ANA, "cy", clock.now()) for _ in range(3))
    )
    assert sorted(results) == [False, False, True]
    assert await repos.groups.avoided_by(T1, [ANA, BEN]) == {ANA: {BEN, "cy"}}
    assert await repos.groups.avoided_by(Scope("slack", "G1"), [ANA]) == {}
    async with db.read() as conn:
        rows = (await conn.execute(select(pairing_avoid))).all()
    assert BEN not in repr(rows) and ANA not in repr(rows)
    assert await repos.groups.unavoid(T1, ANA, BEN)
    assert not await repos.groups.unavoid(T1, ANA, BEN)


async def test_one_index_key_per_database_kept_across_a_data_key_rotation(
    db: Database,
) -> None:
    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    first, second = (Repositories.build(db, Sealer([old_key])) for _ in range(2))
    made = await asyncio.gather(first.keyring.blind_index(), second.keyring.blind_index())
    assert made[0].of("member", 1, "ana") == made[1].of("member", 1, "ana")
    async with db.read() as conn:
        [row] = (await conn.execute(select(keyring))).all()
    assert len(row.sealed) > 40 and "ana" not in row.sealed
    # DATA_KEY rotated (the new key seals, the old one still opens): the same index.
    rotated = Repositories.build(db, Sealer([new_key, old_key]))
    assert (await rotated.keyring.blind_index()).of("member", 1, "ana") == made[0].of(
        "member", 1, "ana"
    )
