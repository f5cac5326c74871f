"""Shared fixtures: real SQLite files in tmp_path and a real PostgreSQL database per test."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from bot.clock import ManualClock
from config.settings import Settings
from storage import Database, Repositories
from storage.db import sqlite_url
from tests.support import TestHarness

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
START = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def _pg_reachable() -> bool:
    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@pytest.fixture(scope="session")
def pg_available() -> bool:
    reachable = _pg_reachable()
    if not reachable and os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}; CI must start it")
    return reachable


@pytest.fixture
def pg_url(pg_available: bool) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not pg_available:
        pytest.skip("PostgreSQL not reachable (set TEST_DATABASE_URL)")
    name = f"preceptor_t_{secrets.token_hex(6)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "preceptor.sqlite3"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes `db_url` runs on both databases."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "preceptor.sqlite3")
    url: str = request.getfixturevalue("pg_url")
    return url


@asynccontextmanager
async def migrated(url: str) -> AsyncIterator[Database]:
    """An open database at the newest schema, closed afterwards."""
    database = Database(url)
    await database.open()
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    async with migrated(db_url) as database:
        yield database


@pytest.fixture
async def sqlite_db(sqlite_file: Path) -> AsyncIterator[Database]:
    """SQLite only, for tests of SQLite's own settings."""
    async with migrated(sqlite_url(sqlite_file)) as database:
        yield database


@pytest.fixture
def repos(db: Database) -> Repositories:
    return Repositories.build(db)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Scripts here run hundreds of commands per member while the clock stands still, which
    # the rate limit would rightly refuse; tests/test_ratelimit.py tests the limit itself.
    return Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, rate_limit_burst=1000, rate_limit_per_minute=6000
    )


@pytest.fixture
async def harness(settings: Settings, clock: ManualClock) -> AsyncIterator[TestHarness]:
    """The whole core (all features) on a SQLite file, with a recording transport."""
    harness = TestHarness(settings, clock)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
