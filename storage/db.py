"""Engine, transactions, migrations and backups for SQLite and PostgreSQL.

One schema and one set of SQLAlchemy Core queries serve both databases. The rules that
keep SQLite honest under asyncio:

* WAL, foreign keys, a busy timeout and secure_delete on every connection (a deleted
  row's bytes are zeroed, not left in free space: members may ask to be erased).
* Writes go through one in-process writer lock and `BEGIN IMMEDIATE`, so two tasks never
  interleave inside one transaction and a deferred transaction never fails to upgrade.
  On PostgreSQL a transaction-scoped advisory lock does the same across processes.
* A transaction is re-entrant within the task that opened it (repositories called inside a
  service's transaction join it), and never shared with another task.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITER_LOCK_KEY = 0x50524543  # "PREC": the advisory lock id that serialises writers

_current: contextvars.ContextVar[tuple[asyncio.Task[Any] | None, AsyncConnection] | None] = (
    contextvars.ContextVar("preceptor_transaction", default=None)
)


class StorageError(Exception):
    """A storage operation could not be done (the message is safe to show an operator)."""


def normalise_url(url: str) -> str:
    """Map the URLs people write (`sqlite:///x`, `postgres://...`) to the async drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in {"postgres", "postgresql"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise StorageError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.sqlite_path: Path | None = None
        if self.is_sqlite:
            database = parsed.database or ""
            if database in {"", ":memory:"}:
                raise StorageError("an in-memory SQLite database cannot be shared; use a file")
            self.sqlite_path = Path(database)
            # Owner-only: the database holds members' private data.
            self.sqlite_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._engine: AsyncEngine | None = None
        self._writer = asyncio.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise StorageError("the database is not open")
        return self._engine

    async def open(self) -> None:
        if self._engine is not None:
            return
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            kwargs["pool_pre_ping"] = True
        # hide_parameters: a failed statement's error must not carry member text into logs.
        engine = create_async_engine(self.url, hide_parameters=True, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(engine)
        self._engine = engine

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction; joins the caller's own transaction when one is open."""
        task = asyncio.current_task()
        current = _current.get()
        if current is not None and current[0] is task:
            yield current[1]
            return
        async with self._writer, self._begin(immediate=self.is_sqlite) as conn:
            if not self.is_sqlite:
                # Serialise writers across processes too, as SQLite does: features check
                # then write (capacity, duplicates), which READ COMMITTED alone would race.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY}
                )
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only snapshot; reuses the caller's transaction so it sees its own writes."""
        current = _current.get()
        if current is not None and current[0] is asyncio.current_task():
            yield current[1]
            return
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def _begin(self, *, immediate: bool) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            if immediate:
                conn = await conn.execution_options(sqlite_immediate=True)
            async with conn.begin():
                token = _current.set((asyncio.current_task(), conn))
                try:
                    yield conn
                finally:
                    _current.reset(token)

    async def scrub(self) -> bool:
        """After an erasure has committed: copy the write-ahead log into the database file
        and truncate it, so the old versions of erased rows are gone from the WAL too
        (secure_delete has zeroed them in the file). False when a reader kept it from
        finishing (try again later). A no-op on PostgreSQL, whose dead row versions wait
        for VACUUM."""
        if not self.is_sqlite:
            return True
        current = _current.get()
        if current is not None and current[0] is asyncio.current_task():
            raise StorageError("scrub() runs after the transaction has committed, not inside it")
        assert self.sqlite_path is not None
        async with self._writer:  # no writer of ours mid-transaction while it runs
            return await asyncio.to_thread(_sqlite_checkpoint, self.sqlite_path)

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent)."""
        from alembic import command
        from alembic.config import Config

        def upgrade(sync_conn: Any) -> None:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = sync_conn
            command.upgrade(config, "head")

        async with self.transaction() as conn:
            await conn.run_sync(upgrade)

    async def backup(self, target: Path) -> None:
        """Write a consistent copy of the database to `target` (never a raw file copy)."""
        target = await asyncio.to_thread(_prepare_target, target)
        if self.is_sqlite:
            assert self.sqlite_path is not None
            await asyncio.to_thread(_sqlite_vacuum_into, self.sqlite_path, target)
        else:
            await asyncio.to_thread(_pg_dump, self.url, target)


def _prepare_target(target: Path) -> Path:
    target = target.expanduser().resolve()
    if target.exists():
        raise StorageError(f"{target} already exists; choose a new path")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours (see the "begin" hook).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Zero what a DELETE or UPDATE frees, so an erased member's words do not linger
        # in free pages or free space inside a page (see Database.scrub for the WAL).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_checkpoint(path: Path) -> bool:
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    return not busy


def _sqlite_vacuum_into(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("VACUUM INTO ?", (str(partial),))
    finally:
        conn.close()
    _publish(partial, target)


def _publish(partial: Path, target: Path) -> None:
    """Move the finished copy into place, refusing to overwrite a file created meanwhile."""
    try:
        os.link(partial, target)
    except FileExistsError:
        raise StorageError(f"{target} already exists; choose a new path") from None
    finally:
        partial.unlink(missing_ok=True)


def _pg_dump(url: str, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise StorageError("pg_dump is not installed; install the PostgreSQL client to back up")
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password is not None:
        # Through the environment, not argv, where `ps` would show it.
        env["PGPASSWORD"] = str(parsed.password)
        parsed = parsed.set(password=None)
    partial = target.with_name(target.name + ".partial")
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [  # noqa: S607 - pg_dump from PATH, checked above
            "pg_dump",
            "--format=custom",
            f"--file={partial}",
            f"--dbname={parsed.render_as_string(hide_password=False)}",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise StorageError(f"pg_dump failed: {last[:200]}")
    _publish(partial, target)
