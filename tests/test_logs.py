"""Logging at DEBUG still keeps libraries quiet that would write tokens, request bodies or
SQL parameters (member ids, group names) into the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import configure_logging
from storage import Database
from storage.db import sqlite_url

CANARY = "member_canary_5b1e"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {n: logging.getLogger(n).level for n in ("aiosqlite", "sqlalchemy", "discord")}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, value in named.items():
            logging.getLogger(name).setLevel(value)


async def test_sql_parameters_stay_out_of_a_debug_log(
    tmp_path: Path, restore_logging: None
) -> None:
    log_file = tmp_path / "bot.log"
    configure_logging("DEBUG", [], log_file)
    logging.getLogger("cogs.probe").debug("our own debug lines still go out")
    database = Database(sqlite_url(tmp_path / "db.sqlite3"))
    await database.open()
    try:
        await database.migrate()
        async with database.transaction() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO members (platform, workspace_id, user_id, display_name, "
                "first_seen_at) VALUES (?, ?, ?, ?, ?)",
                ("console", "local", CANARY, CANARY, "2026-12-06 00:00:00"),
            )
    finally:
        await database.close()
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = log_file.read_text()
    assert "our own debug lines still go out" in written
    assert CANARY not in written
