"""The bot as users run it (`python -m bot run`), pointed at a fake Slack on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

from tests.bot_process import BotProcess
from tests.fakes.slack import FakeSlack

MODERATOR = "UMOD00001"
ALICE = "UALICE001"
BOB = "UBOB00001"
ANNOUNCEMENTS = "CANNOUNCE1"
READY_LINE = "slack ready"


def populate(fake: FakeSlack) -> None:
    fake.add_user(MODERATOR, "dr_lee", is_admin=True)
    fake.add_user(ALICE, "alice")
    fake.add_user(BOB, "bob")
    fake.add_channel(ANNOUNCEMENTS, "announcements")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SlackBot(BotProcess):
    """The bot with Slack pointed at the fake, in Socket Mode or in HTTP mode."""

    def __init__(
        self,
        fake: FakeSlack,
        data_dir: Path,
        *,
        http: bool = False,
        database_url: str | None = None,
    ) -> None:
        env = {"SLACK_BOT_TOKEN": fake.bot_token}
        if http:
            self.port = free_port()
            env["SLACK_SIGNING_SECRET"] = fake.signing_secret
            env["SLACK_HTTP_PORT"] = str(self.port)
        else:
            env["SLACK_APP_TOKEN"] = fake.app_token
        if database_url:
            env["DATABASE_URL"] = database_url
        super().__init__(data_dir, env, ready_line=READY_LINE)
        self.fake = fake
        self.http = http

    def prepare(self) -> None:
        self.env["SLACK_API_URL"] = self.fake.api_url
        if self.http:
            self.fake.use_http(f"http://127.0.0.1:{self.port}/slack/events")
        else:
            self.fake.use_socket_mode()


async def serve_fake() -> AsyncIterator[FakeSlack]:
    """The fake server, populated and running: a fixture body (`pytest.fixture(serve_fake)`)."""
    server = FakeSlack()
    populate(server)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert server.unknown == [], f"the bot called methods the fake does not know: {server.unknown}"
