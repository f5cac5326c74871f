"""`Database.transaction()`: atomic, isolated between tasks, re-entrant within a task."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import Database, Repositories, Scope

SCOPE = Scope("discord", "g1")
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
TASKS = 50


class Boom(Exception):
    pass


async def test_concurrent_read_modify_write_loses_nothing(
    db: Database, repos: Repositories
) -> None:
    """Each task reads the member count n and adds member m{n}: a counter through repositories.

    Serialised write transactions give m0..m49 and nothing else; two transactions that read
    the same n would collide on the same member (or silently rename it).
    """
    rng = random.Random(1)
    delays = [rng.uniform(0, 0.002) for _ in range(TASKS)]

    async def increment(i: int) -> None:
        async with db.transaction():
            n = await repos.members.count(SCOPE)
            await asyncio.sleep(delays[i])  # let every other task run between read and write
            await repos.members.remember(SCOPE, f"m{n}", f"task {i}", NOW)

    results = await asyncio.gather(*(increment(i) for i in range(TASKS)), return_exceptions=True)

    assert [r for r in results if r is not None] == []
    assert await repos.members.count(SCOPE) == TASKS
    names = {(await repos.members.get(SCOPE, f"m{n}")) is not None for n in range(TASKS)}
    assert names == {True}


async def test_concurrent_add_moderator_reports_exactly_one_addition(
    db: Database, repos: Repositories
) -> None:
    """Ten simultaneous /mod add for the same member, twenty times over: one True each time."""
    for round_ in range(20):
        user = f"user{round_}"
        results = await asyncio.gather(
            *(repos.communities.add_moderator(SCOPE, user, f"by{i}", NOW) for i in range(10)),
            return_exceptions=True,
        )
        assert sorted(results, key=repr) == [False] * 9 + [True], results
    assert sorted(await repos.communities.moderators(SCOPE)) == sorted(
        f"user{n}" for n in range(20)
    )


async def test_rolled_back_work_never_appears_and_committed_work_all_does(
    db: Database, repos: Repositories
) -> None:
    rng = random.Random(2)
    delays = [rng.uniform(0, 0.003) for _ in range(TASKS)]

    async def work(i: int) -> None:
        async with db.transaction():
            for step in range(3):
                await repos.audit.record(
                    SCOPE, f"task{i}", "step", NOW, target=str(step), detail={"i": i}
                )
            await asyncio.sleep(delays[i])  # other tasks commit or fail meanwhile
            if i % 2:
                raise Boom(i)

    results = await asyncio.gather(*(work(i) for i in range(TASKS)), return_exceptions=True)

    assert [type(r) for r in results] == [type(None), Boom] * (TASKS // 2)
    # Row ids are no proof here (SQLite may reuse a rolled-back rowid): compare contents.
    entries = await repos.audit.recent(SCOPE, limit=1000)
    stored = sorted((e.actor_id, e.target, e.detail["i"]) for e in entries)
    expected = sorted((f"task{i}", str(step), i) for i in range(0, TASKS, 2) for step in range(3))
    assert stored == expected
    assert await repos.audit.count() == 3 * TASKS // 2


async def test_another_task_never_sees_or_joins_uncommitted_work(
    db: Database, repos: Repositories
) -> None:
    """A task started inside a transaction inherits its context but not its connection."""
    inside = asyncio.Event()
    seen_from_child: list[int] = []
    child_ids: list[int] = []

    async def child() -> None:
        await inside.wait()
        seen_from_child.append(await repos.audit.count(SCOPE))
        # Its own write is its own transaction: it waits for the parent's to end.
        child_ids.append(await repos.audit.record(SCOPE, "child", "write", NOW))

    with pytest.raises(Boom):
        async with db.transaction():
            await repos.audit.record(SCOPE, "parent", "write", NOW)
            assert await repos.audit.count(SCOPE) == 1  # sees its own write
            task = asyncio.create_task(child())
            inside.set()
            while not seen_from_child:
                await asyncio.sleep(0.001)
            raise Boom

    await task
    assert seen_from_child == [0]
    assert await repos.audit.ids() == set(child_ids)
    (entry,) = await repos.audit.recent(SCOPE)
    assert (entry.id, entry.actor_id) == (child_ids[0], "child")


async def test_nested_transaction_joins_the_outer_one(db: Database, repos: Repositories) -> None:
    observer_counts: list[int] = []

    async def observe() -> None:
        observer_counts.append(await repos.audit.count(SCOPE))

    async with db.transaction() as outer:
        first = await repos.audit.record(SCOPE, "a", "outer", NOW)
        async with db.transaction() as inner:
            assert inner is outer
            assert await repos.audit.ids() == {first}  # sees its own uncommitted write
            second = await repos.audit.record(SCOPE, "a", "inner", NOW)
        async with db.read() as reader:
            assert reader is outer
        assert await repos.audit.ids() == {first, second}
        await asyncio.create_task(observe())  # another task: nothing committed yet
    await observe()

    assert observer_counts == [0, 2]


async def test_failure_in_nested_block_rolls_back_the_whole_transaction(
    db: Database, repos: Repositories
) -> None:
    with pytest.raises(Boom):
        async with db.transaction():
            await repos.audit.record(SCOPE, "a", "outer", NOW)
            async with db.transaction():
                await repos.audit.record(SCOPE, "a", "inner", NOW)
                raise Boom
    assert await repos.audit.count() == 0
    await repos.audit.record(SCOPE, "a", "after", NOW)  # the database is usable afterwards
    assert await repos.audit.count() == 1


# --- SQLite connection settings --------------------------------------------------------


async def test_sqlite_connections_have_safe_pragmas(sqlite_db: Database) -> None:
    async def pragmas(conn: AsyncConnection) -> tuple[int, str, int]:
        values = []
        for name in ("foreign_keys", "journal_mode", "busy_timeout"):
            values.append((await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one())
        return values[0], values[1], values[2]

    async def from_reader(gate: asyncio.Barrier) -> tuple[int, str, int]:
        async with sqlite_db.read() as conn:
            await gate.wait()  # hold the connection so each reader gets its own
            return await pragmas(conn)

    gate = asyncio.Barrier(4)
    results = await asyncio.gather(*(from_reader(gate) for _ in range(4)))
    async with sqlite_db.transaction() as conn:
        results.append(await pragmas(conn))

    for foreign_keys, journal_mode, busy_timeout in results:
        assert foreign_keys == 1
        assert journal_mode == "wal"
        assert busy_timeout > 0


async def test_sqlite_transaction_takes_the_write_lock_at_begin(
    sqlite_db: Database, sqlite_file: Path
) -> None:
    """BEGIN IMMEDIATE: another writer is locked out before the first statement runs."""

    def try_write() -> str:
        other = sqlite3.connect(sqlite_file, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return "got the lock"
        except sqlite3.OperationalError as exc:
            return str(exc)
        finally:
            other.close()

    assert await asyncio.to_thread(try_write) == "got the lock"
    async with sqlite_db.transaction():
        assert await asyncio.to_thread(try_write) == "database is locked"
    assert await asyncio.to_thread(try_write) == "got the lock"
