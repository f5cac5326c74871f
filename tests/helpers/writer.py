"""A writer for the durability tests: `python -m tests.helpers.writer DB_PATH`.

It opens a SQLite Database, migrates it, prints `ready`, then commits audit rows forever from
a few concurrent tasks (each row its own transaction). Each row's id is printed and flushed
only after `AuditRepository.record` returned, i.e. after the commit: every printed id is
an acknowledged write that must survive `kill -9`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from storage.audit import AuditRepository
from storage.db import Database, sqlite_url
from storage.models import Scope

SCOPE = Scope("durability", "w1")


async def write_forever(path: Path, tasks: int, pad: int) -> None:
    db = Database(sqlite_url(path))
    await db.open()
    await db.migrate()
    audit = AuditRepository(db)
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    sequence = itertools.count()
    filler = "x" * pad  # large rows make the WAL cross its checkpoint size during a trial

    async def worker(number: int) -> None:
        while True:
            row_id = await audit.record(
                SCOPE,
                f"writer-{os.getpid()}-{number}",
                "durability.write",
                datetime.now(UTC),
                target=str(next(sequence)),
                detail={"filler": filler},
            )
            out.write(f"{row_id}\n".encode())  # one write() per line: never torn mid-number
            out.flush()

    await asyncio.gather(*(worker(n) for n in range(tasks)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--pad", type=int, default=1500)
    args = parser.parse_args()
    asyncio.run(write_forever(args.path, args.tasks, args.pad))


if __name__ == "__main__":
    main()
