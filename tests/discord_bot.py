"""The bot as users run it (`python -m bot run`), pointed at a fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakes.discord import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fake-bot-token-Zq7mW2vX9"  # a canary: it must never appear in the log
MODERATOR = 500000000000000001
ALICE = 500000000000000002
BOB = 500000000000000003
MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
ANNOUNCEMENTS = 700000000000000002
INTRODUCTIONS = 700000000000000003
MODLOG = 700000000000000004
READY_LINE = "discord ready in"  # logged once the guilds have arrived


def populate(fake: FakeDiscord) -> None:
    fake.add_member(MODERATOR, "dr_lee", permissions=MANAGE_GUILD | SEND_MESSAGES)
    fake.add_member(ALICE, "alice", permissions=SEND_MESSAGES)
    fake.add_member(BOB, "bob", permissions=SEND_MESSAGES)
    fake.add_channel(ANNOUNCEMENTS, "announcements")
    fake.add_channel(INTRODUCTIONS, "introductions")
    fake.add_channel(MODLOG, "modlog")


class BotProcess:
    """One run of the bot process; `start()` again after `stop()` is a restart."""

    def __init__(self, fake: FakeDiscord, data_dir: Path, *, database_url: str | None = None):
        self.fake = fake
        self.data_dir = data_dir
        self.log_path = data_dir / "bot-process.log"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(data_dir)),
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_GUILD_IDS": str(fake.guild_id),
            "DISCORD_GUILD_READY_TIMEOUT": "0.1",
            "DATA_DIR": str(data_dir),
            "FEATURES": "all,tests.probe,tests.greeter",
            "LOG_LEVEL": "INFO",
        }
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, *, timeout: float = 30.0) -> None:
        """Start the process and wait until it is connected and its commands are synced."""
        self.env["DISCORD_API_BASE"] = self.fake.api_base
        self.env["DISCORD_GATEWAY_URL"] = self.fake.gateway_url
        ready_lines = self.log().count(READY_LINE)
        log = self.log_path.open("ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=ROOT,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        finally:
            log.close()
        deadline = asyncio.get_running_loop().time() + timeout
        while self.log().count(READY_LINE) == ready_lines:
            if self.proc.returncode is not None:
                raise AssertionError(f"the bot exited with {self.proc.returncode}:\n{self.log()}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the bot did not get ready:\n{self.log()}")
            await asyncio.sleep(0.05)

    async def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        if self.proc is None or self.proc.returncode is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(f"the bot did not stop on SIGTERM:\n{self.log()}") from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
