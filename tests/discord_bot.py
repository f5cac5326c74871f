"""The bot as users run it (`python -m bot run`), pointed at a fake Discord on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from tests.bot_process import BotProcess as _Process
from tests.fakes.discord import FakeDiscord

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


class BotProcess(_Process):
    """The bot with Discord pointed at the fake."""

    def __init__(self, fake: FakeDiscord, data_dir: Path, *, database_url: str | None = None):
        env = {
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_GUILD_IDS": str(fake.guild_id),
            "DISCORD_GUILD_READY_TIMEOUT": "0.1",
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        super().__init__(data_dir, env, ready_line=READY_LINE)
        self.fake = fake

    def prepare(self) -> None:
        self.env["DISCORD_API_BASE"] = self.fake.api_base
        self.env["DISCORD_GATEWAY_URL"] = self.fake.gateway_url


async def serve_fake() -> AsyncIterator[FakeDiscord]:
    """The fake server, populated and running: a fixture body (`pytest.fixture(serve_fake)`)."""
    server = FakeDiscord()
    populate(server)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert server.unknown == [], (
        f"the bot called endpoints the fake does not know: {server.unknown}"
    )
