"""Durability: `kill -9` of a writer loses no acknowledged row, and backups are consistent
copies taken while writes go on (SQLite via VACUUM INTO, PostgreSQL via pg_dump)."""

from __future__ import annotations

import asyncio
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Database, Scope, StorageError
from storage.audit import AuditRepository
from storage.db import sqlite_url
from tests.helpers.processes import WriterProcess, run_cli

pytestmark = pytest.mark.slow

KILL_TRIALS = 12
SCOPE = Scope("durability", "w1")


def sqlite_ids(path: Path) -> set[int]:
    """Every audit id in the file, after checking the file is intact."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return {row[0] for row in conn.execute("SELECT id FROM audit_log")}
    finally:
        conn.close()


async def reopened_ids(path: Path) -> set[int]:
    """Open the file the way the bot does (Database + repository) and read every id."""
    db = Database(sqlite_url(path))
    await db.open()
    try:
        await db.migrate()
        return await AuditRepository(db).ids()
    finally:
        await db.close()


def test_kill_9_loses_no_acknowledged_row(tmp_path: Path) -> None:
    path = tmp_path / "preceptor.sqlite3"
    acknowledged: set[int] = set()
    report: list[tuple[int, float, int, int]] = []
    started = time.monotonic()

    for trial in range(KILL_TRIALS):
        rng = random.Random(f"kill-9 trial {trial}")
        delay = rng.uniform(0.2, 0.8)
        writer = WriterProcess(path, tasks=rng.choice([1, 3, 5]))
        writer.wait_for(1)
        time.sleep(delay)
        assert writer.alive(), "the writer must still be writing when it is killed"
        code = writer.kill()
        assert code == -signal.SIGKILL

        acked = set(writer.acked)
        assert len(acked) == len(writer.acked), "an id was acknowledged twice"
        assert acked.isdisjoint(acknowledged), "an acknowledged id was handed out again"
        acknowledged |= acked
        present = sqlite_ids(path)  # plain sqlite3 first: it recovers the hot WAL
        lost = acknowledged - present
        assert not lost, f"trial {trial}: {len(lost)} acknowledged rows lost: {sorted(lost)[:10]}"
        assert asyncio.run(reopened_ids(path)) == present
        report.append((trial, round(delay, 2), len(acked), len(lost)))

    counts = [acked for _, _, acked, _ in report]
    assert min(counts) > 0
    elapsed = time.monotonic() - started
    print(
        f"\nkill -9: {len(report)} trials in {elapsed:.1f}s, acknowledged per trial {counts}, "
        f"total {len(acknowledged)}, lost 0"
    )


@pytest.mark.parametrize("via", ["api", "cli"])
def test_sqlite_backup_during_writes_has_every_acknowledged_row(tmp_path: Path, via: str) -> None:
    path = tmp_path / "preceptor.sqlite3"  # where the CLI finds it with DATA_DIR=tmp_path
    target = tmp_path / "backups" / "copy.sqlite3"
    writer = WriterProcess(path, tasks=3)
    try:
        writer.wait_for(300)
        before = set(writer.acked)
        if via == "api":

            async def backup() -> None:
                db = Database(sqlite_url(path))
                await db.open()
                try:
                    await db.backup(target)
                finally:
                    await db.close()

            asyncio.run(backup())
        else:
            result = run_cli("backup", str(target), data_dir=tmp_path)
            assert result.returncode == 0, result.stderr
            assert f"Backup written to {target}" in result.stdout
        during = len(writer.acked) - len(before)
        assert writer.alive(), "the writer kept committing through the backup"
    finally:
        assert writer.kill() == -signal.SIGKILL

    copied = sqlite_ids(target)
    final = sqlite_ids(path)
    assert before <= copied, f"missing from backup: {sorted(before - copied)[:10]}"
    assert copied <= final  # only committed rows, nothing half-written
    assert set(writer.acked) <= final
    assert not list(target.parent.glob("*.partial"))
    print(f"\nbackup via {via}: {len(before)} acked before, {during} during, {len(copied)} copied")


def test_sqlite_backup_refuses_an_existing_path(tmp_path: Path) -> None:
    path = tmp_path / "preceptor.sqlite3"
    target = tmp_path / "precious.sqlite3"
    target.write_bytes(b"yesterday's backup")

    async def backup() -> None:
        db = Database(sqlite_url(path))
        await db.open()
        try:
            await db.migrate()
            await AuditRepository(db).record(SCOPE, "a", "b", datetime.now(UTC))
            with pytest.raises(StorageError, match="already exists; choose a new path"):
                await db.backup(target)
        finally:
            await db.close()

    asyncio.run(backup())
    assert target.read_bytes() == b"yesterday's backup"

    result = run_cli("backup", str(target), data_dir=tmp_path)
    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert "Traceback" not in result.stderr
    assert target.read_bytes() == b"yesterday's backup"
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="pg_dump / pg_restore not on PATH",
)
async def test_postgres_backup_during_writes(pg_url: str, tmp_path: Path) -> None:
    target = tmp_path / "pg" / "preceptor.dump"
    db = Database(pg_url)
    await db.open()
    try:
        await db.migrate()
        audit = AuditRepository(db)
        acked: list[int] = []
        stop = asyncio.Event()

        async def write() -> None:
            n = 0
            while not stop.is_set():
                acked.append(
                    await audit.record(SCOPE, "w", "write", datetime.now(UTC), target=str(n))
                )
                n += 1

        writer = asyncio.create_task(write())
        while len(acked) < 200:
            await asyncio.sleep(0.01)
        before = set(acked)
        await db.backup(target)  # pg_dump runs in a thread; the writer keeps going
        during = len(acked) - len(before)
        stop.set()
        await writer

        existing = tmp_path / "existing.dump"
        existing.write_bytes(b"keep")
        with pytest.raises(StorageError, match="already exists"):
            await db.backup(existing)
        assert existing.read_bytes() == b"keep"
    finally:
        await db.close()

    data = target.read_bytes()
    assert data.startswith(b"PGDMP")  # pg_dump's custom format
    listing = subprocess.run(
        ["pg_restore", "--list", str(target)], capture_output=True, text=True, check=False
    )
    assert listing.returncode == 0, listing.stderr
    assert "TABLE DATA public audit_log" in listing.stdout
    script = subprocess.run(
        ["pg_restore", "--data-only", "--table=audit_log", "--file=-", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert script.returncode == 0, script.stderr
    copy = script.stdout.split("FROM stdin;\n", 1)[1].split("\n\\.\n", 1)[0]
    dumped = {int(line.split("\t", 1)[0]) for line in copy.splitlines()}
    assert before <= dumped, f"missing from dump: {sorted(before - dumped)[:10]}"
    assert dumped <= set(acked)
    assert not list(target.parent.glob("*.partial"))
    print(f"\npg backup: {len(before)} acked before, {during} during, {len(dumped)} dumped")
