"""Alembic migrations: an empty database reaches the newest schema, and that schema is
exactly `storage.schema.metadata` (no drift), on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, inspect, select

from storage import Database, Repositories, Scope
from storage.db import MIGRATIONS_DIR
from storage.schema import audit_log, metadata
from tests.helpers.processes import run_cli

EXPECTED_TABLES = set(metadata.tables)
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


@pytest.fixture
async def empty_db(db_url: str) -> AsyncIterator[Database]:
    """An opened database with nothing in it yet (not migrated)."""
    database = Database(db_url)
    await database.open()
    try:
        yield database
    finally:
        await database.close()


async def _tables(db: Database) -> set[str]:
    async with db.read() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _revision(db: Database) -> str | None:
    async with db.read() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def _drift(db: Database, target: MetaData) -> list[Any]:
    def compare(sync_conn: Any) -> list[Any]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return list(compare_metadata(context, target))

    async with db.read() as conn:
        return await conn.run_sync(compare)


def test_metadata_declares_the_core_tables() -> None:
    assert {
        "communities",
        "moderators",
        "members",
        "channels",
        "outbox",
        "scheduled_jobs",
        "audit_log",
    } <= EXPECTED_TABLES


async def test_migrate_creates_every_table_from_empty(empty_db: Database) -> None:
    assert await _tables(empty_db) == set()
    assert await _revision(empty_db) is None

    await empty_db.migrate()

    assert await _tables(empty_db) == EXPECTED_TABLES | {"alembic_version"}
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    assert await _revision(empty_db) == head


async def test_migrate_twice_is_harmless(empty_db: Database) -> None:
    await empty_db.migrate()
    repos = Repositories.build(empty_db)
    scope = Scope("discord", "g1")
    row_id = await repos.audit.record(scope, "mod", "setup", NOW, detail={"n": 1})
    await repos.communities.update(scope, NOW, timezone="America/Chicago")

    await empty_db.migrate()
    await empty_db.migrate()

    assert await _tables(empty_db) == EXPECTED_TABLES | {"alembic_version"}
    async with empty_db.read() as conn:
        versions = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
        ids = (await conn.execute(select(audit_log.c.id))).scalars().all()
    assert len(versions) == 1
    assert ids == [row_id]
    assert (await repos.communities.get(scope)).timezone == "America/Chicago"


async def test_migrated_schema_has_no_drift_from_metadata(empty_db: Database) -> None:
    await empty_db.migrate()
    assert await _drift(empty_db, metadata) == []


async def test_drift_check_notices_a_difference(empty_db: Database) -> None:
    """The no-drift assertion above can fail: a changed model produces a non-empty diff."""
    await empty_db.migrate()
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["members"].append_column(Column("pronouns", String(32)))

    diff = await _drift(empty_db, changed)

    assert [(entry[0], entry[3].name) for entry in diff] == [("add_column", "pronouns")]


def test_cli_migrate_creates_sqlite_file_in_wal_mode(tmp_path: Path) -> None:
    result = run_cli("migrate", data_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Database is up to date." in result.stdout
    path = tmp_path / "preceptor.sqlite3"
    assert path.is_file()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert tables == EXPECTED_TABLES | {"alembic_version"}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()

    again = run_cli("migrate", data_dir=tmp_path)
    assert again.returncode == 0, again.stderr
