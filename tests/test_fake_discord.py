"""The real discord.py client (2.7) runs unmodified against the local Discord fake."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from typing import Any, cast

import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord import GENERAL_CHANNEL_ID, FakeDiscord

TOKEN = "fake-bot-token.not-a-real-one"
GUILD_ID = 800000000000000001
ALICE = 100000000000000001
BOB = 100000000000000002
CAROL = 100000000000000003


class LikeButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"like:(?P<item>\d+)"
):
    """A persistent button: it works after a restart because its state is in the custom_id."""

    def __init__(self, item: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Like", style=discord.ButtonStyle.primary, custom_id=f"like:{item}"
            )
        )
        self.number = item  # not `self.item`: DynamicItem keeps the wrapped item there

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> LikeButton:
        return cls(int(match["item"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.edit_message(
            content=f"liked {self.number} by {interaction.user.id}", view=None
        )


class NoteModal(discord.ui.Modal, title="Write a note"):
    subject: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
        label="Subject", custom_id="subject", max_length=40
    )
    body: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
        label="Body", custom_id="body", style=discord.TextStyle.paragraph, required=False
    )

    def __init__(self) -> None:
        super().__init__(custom_id="note-modal")

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"noted: {self.subject.value}", ephemeral=True)


probe = app_commands.Group(name="probe", description="Exercise the fake")


@probe.command(name="ping", description="Answer at once")
async def ping(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_message("pong")


@probe.command(name="who", description="Look up a member")
@app_commands.describe(member="The member")
async def who(interaction: discord.Interaction[Any], member: discord.Member) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await interaction.followup.send(f"{member.name} is here", ephemeral=True)


@probe.command(name="note", description="Open a form")
async def note(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_modal(NoteModal())


@probe.command(name="like", description="Post a message with a persistent button")
async def like(interaction: discord.Interaction[Any]) -> None:
    view = discord.ui.View(timeout=None)
    view.add_item(LikeButton(7))
    await interaction.response.send_message("like me", view=view)


@probe.command(name="report", description="Defer, then attach files")
async def report(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.edit_original_response(
        content="report ready", attachments=[discord.File(io.BytesIO(b"a,b\n1,2\n"), "r.csv")]
    )
    await interaction.followup.send("appendix", file=discord.File(io.BytesIO(b"xyz"), "a.txt"))


@probe.command(name="twice", description="Answer twice (the second fails)")
async def twice(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_message("one")
    # Bypass discord.py's own is_done() guard to reach the server with a second callback.
    interaction.response._response_type = None
    await interaction.response.send_message("two")


@probe.command(name="slow", description="Acknowledge too late")
async def slow(interaction: discord.Interaction[Any]) -> None:
    await asyncio.sleep(0.4)
    await interaction.response.send_message("late")


@probe.command(name="linger", description="Follow up after the token expired")
async def linger(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.defer()
    await asyncio.sleep(1.2)
    await interaction.followup.send("too late")


@probe.command(name="topic", description="Autocomplete a topic")
async def topic(interaction: discord.Interaction[Any], name: str) -> None:
    await interaction.response.send_message(f"topic {name}")


@topic.autocomplete("name")
async def topic_names(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    names = ["anatomy", "anesthesia", "biochemistry"]
    return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]


class ProbeBot(commands.Bot):
    def __init__(self, *, sync_global: bool = False) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.members = True
        self.sync_global = sync_global
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            guild_ready_timeout=0.1,
            max_ratelimit_timeout=5,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.is_up = asyncio.Event()
        self.was_resumed = asyncio.Event()
        self.joined: asyncio.Queue[discord.Member] = asyncio.Queue()
        self.seen: list[discord.Interaction[Any]] = []
        self.synced: list[app_commands.AppCommand] = []
        self.tree.add_command(probe)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(LikeButton)
        guild = discord.Object(GUILD_ID)
        self.tree.copy_global_to(guild=guild)
        self.synced = await self.tree.sync(guild=guild)
        if self.sync_global:
            await self.tree.sync()

    async def on_ready(self) -> None:
        self.is_up.set()

    async def on_resumed(self) -> None:
        self.was_resumed.set()

    async def on_member_join(self, member: discord.Member) -> None:
        self.joined.put_nowait(member)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        self.seen.append(interaction)


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(guild_id=GUILD_ID)
    fake.add_member(ALICE, "alice")
    fake.add_member(BOB, "bob", permissions=int(discord.Permissions(manage_guild=True).value))
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def sync_global() -> bool:
    return False


@pytest.fixture
async def bot(fake: FakeDiscord, sync_global: bool) -> AsyncIterator[ProbeBot]:
    bot = ProbeBot(sync_global=sync_global)
    await bot.login(TOKEN)
    runner = asyncio.create_task(bot.connect())
    try:
        await asyncio.wait_for(bot.is_up.wait(), 10)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(runner, 10)


async def wait_until(predicate: Any, timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def assert_clean(fake: FakeDiscord) -> None:
    assert fake.unknown == []
    assert fake.errors == []
    assert TOKEN not in repr(fake.calls)


async def test_startup_ready_and_guild_sync(fake: FakeDiscord, bot: ProbeBot) -> None:
    await fake.wait_ready()
    assert [(c.method, c.path) for c in fake.calls[:3]] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("PUT", f"/applications/{fake.app_id}/guilds/{GUILD_ID}/commands"),
    ]
    assert all(c.authorized and c.status == 200 for c in fake.calls[:3])
    assert fake.identifies == 1 and fake.resumes == 0 and fake.readies == 1
    assert fake.gateway_connections[0]["compress"] == "zlib-stream"

    assert bot.is_up.is_set()  # on_ready fired
    assert bot.user is not None and bot.user.id == fake.bot_user_id
    assert bot.application_id == fake.app_id
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.chunked
    assert {m.id for m in guild.members} >= {ALICE, BOB, fake.bot_user_id}
    assert guild.get_member(BOB) is not None
    assert guild.get_member(BOB).guild_permissions.manage_guild  # type: ignore[union-attr]
    assert guild.get_channel(GENERAL_CHANNEL_ID) is not None

    # The guild sync was stored and echoed back with ids.
    (command,) = fake.commands(GUILD_ID)
    assert command["name"] == "probe" and command["guild_id"] == str(GUILD_ID)
    assert {o["name"] for o in command["options"]} >= {"ping", "who", "note", "like"}
    assert fake.commands() == []
    assert [c.id for c in bot.synced] == [int(command["id"])]
    assert_clean(fake)


async def test_slash_with_member_option_defer_and_followup(
    fake: FakeDiscord, bot: ProbeBot
) -> None:
    handle = await fake.slash(ALICE, "probe", "who", {"member": BOB})
    callback, followup = await handle.wait_responses(2)
    assert callback.path == f"/interactions/{handle.id}/{handle.token}/callback"
    assert not callback.authorized and callback.status == 200
    assert callback.query == {"with_response": "1"}
    assert callback.json == {"type": 5, "data": {"flags": 64}}
    assert callback.at - handle.sent_at < 3
    assert followup.method == "POST" and followup.status == 200
    assert followup.path == f"/webhooks/{fake.app_id}/{handle.token}"
    assert followup.json["content"] == "bob is here"
    # The first followup after a thinking defer replaces the loading message.
    (message,) = fake.messages(GENERAL_CHANNEL_ID)
    assert message["content"] == "bob is here"
    assert message["flags"] == 64
    assert message["id"] == callback.response["resource"]["message"]["id"]
    assert_clean(fake)


async def test_persistent_button_press_on_a_bot_message(fake: FakeDiscord, bot: ProbeBot) -> None:
    channel = bot.get_channel(GENERAL_CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(LikeButton(42))
    sent = await channel.send("like this", view=view)
    stored = fake.message(sent.id)
    assert stored is not None and stored["components"][0]["components"][0]["custom_id"] == "like:42"
    assert fake.message_request(sent.id)["allowed_mentions"] == {"parse": []}

    handle = await fake.press(BOB, stored, "like:42")
    call = await handle.first_response()
    assert call.status == 200 and call.json["type"] == 7
    updated = fake.message(sent.id)
    assert updated is not None
    assert updated["content"] == f"liked 42 by {BOB}"
    assert updated["components"] == []
    assert_clean(fake)


async def test_modal_opened_and_submitted(fake: FakeDiscord, bot: ProbeBot) -> None:
    opened = await fake.slash(ALICE, "probe", "note")
    call = await opened.first_response()
    assert call.status == 200 and call.json["type"] == 9
    assert call.json["data"]["custom_id"] == "note-modal"

    submitted = await fake.submit_modal(ALICE, "note-modal", {"subject": "Hello", "body": "Long"})
    answer = await submitted.first_response()
    assert answer.status == 200
    assert answer.json["type"] == 4
    assert answer.json["data"]["content"] == "noted: Hello"
    assert answer.json["data"]["flags"] == 64
    assert fake.open_modal(ALICE, "note-modal") is None  # a modal is submitted once

    await wait_until(lambda: any(i.id == submitted.id for i in bot.seen))
    (seen,) = [i for i in bot.seen if i.id == submitted.id]
    assert seen.type is discord.InteractionType.modal_submit
    data = cast(dict[str, Any], seen.data)
    assert data["custom_id"] == "note-modal"
    values = {
        child["custom_id"]: child["value"]
        for row in data["components"]
        for child in row["components"]
    }
    assert values == {"subject": "Hello", "body": "Long"}
    assert_clean(fake)


async def test_dm_and_refused_dm(fake: FakeDiscord, bot: ProbeBot) -> None:
    alice = await bot.fetch_user(ALICE)
    await alice.send("hello alice")
    channel_id = fake.dm_channel_of(ALICE)
    assert channel_id is not None
    assert [m["content"] for m in fake.messages(channel_id)] == ["hello alice"]
    assert fake.calls_to("POST", r"^/users/@me/channels$")[0].json == {"recipient_id": ALICE}

    fake.refuse_dms(BOB)
    bob = bot.get_user(BOB)
    assert bob is not None
    with pytest.raises(discord.Forbidden) as refused:
        await bob.send("hello bob")
    assert refused.value.code == 50007
    assert refused.value.status == 403
    assert fake.dm_messages(BOB) == []
    assert_clean(fake)


async def test_rate_limit_is_honoured(fake: FakeDiscord, bot: ProbeBot) -> None:
    channel = bot.get_channel(GENERAL_CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    fake.rate_limit_once("POST", rf"^/channels/{GENERAL_CHANNEL_ID}/messages$", retry_after=0.5)
    await channel.send("after the limit")
    first, second = fake.calls_to("POST", rf"^/channels/{GENERAL_CHANNEL_ID}/messages$")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.5
    assert [m["content"] for m in fake.messages(GENERAL_CHANNEL_ID)] == ["after the limit"]
    assert_clean(fake)


async def test_gateway_drop_resumes_and_replays(fake: FakeDiscord, bot: ProbeBot) -> None:
    await fake.wait_ready()
    await fake.drop_gateway()
    await fake.member_join(CAROL, "carol")  # happens while the client is away
    await fake.wait_ready()
    await asyncio.wait_for(bot.was_resumed.wait(), 5)
    assert fake.resumes == 1 and fake.identifies == 1
    assert fake.gateway_closes == [4000]
    assert fake.gateway_paths == ["/gateway", "/resume-gateway"]  # READY's resume_gateway_url
    assert fake.gateway_connections[-1]["v"] == "10"

    joined = await asyncio.wait_for(bot.joined.get(), 5)
    assert joined.id == CAROL  # the missed event was replayed on RESUME

    handle = await fake.slash(CAROL, "probe", "ping")
    call = await handle.first_response()
    assert call.status == 200 and call.json["data"]["content"] == "pong"
    assert_clean(fake)


async def test_expired_interaction_is_unknown(fake: FakeDiscord, bot: ProbeBot) -> None:
    handle = await fake.slash(ALICE, "probe", "ping", age=16 * 60)
    call = await handle.first_response()
    assert call.status == 404
    assert call.response == {"message": "Unknown interaction", "code": 10062}
    assert fake.messages(GENERAL_CHANNEL_ID) == []
    assert_clean(fake)


@pytest.mark.parametrize("sync_global", [True])
async def test_dm_slash_and_button_in_dm(fake: FakeDiscord, bot: ProbeBot) -> None:
    assert [c["name"] for c in fake.commands()] == ["probe"]
    handle = await fake.slash(ALICE, "probe", "like", in_dm=True)
    assert "guild_id" not in handle.payload and handle.payload["user"]["id"] == str(ALICE)
    call = await handle.first_response()
    assert call.status == 200 and call.json["type"] == 4
    (message,) = fake.dm_messages(ALICE)
    assert "guild_id" not in message

    press = await fake.press(ALICE, message, "like:7")
    answer = await press.first_response()
    assert answer.status == 200 and answer.json["type"] == 7
    assert fake.dm_messages(ALICE)[0]["content"] == f"liked 7 by {ALICE}"
    with pytest.raises(AssertionError):
        await fake.press(BOB, message, "like:7")  # not Bob's DM
    assert_clean(fake)


async def test_threads_overwrites_and_fetches(fake: FakeDiscord, bot: ProbeBot) -> None:
    channel = bot.get_channel(GENERAL_CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    thread = await channel.create_thread(
        name="peer group 1", type=discord.ChannelType.private_thread, invitable=False
    )
    assert thread.type is discord.ChannelType.private_thread
    await thread.add_user(discord.Object(ALICE))
    assert fake.thread_members(thread.id) == {fake.bot_user_id, ALICE}
    posted = await thread.send(f"welcome <@{ALICE}>")
    assert fake.message(posted.id)["mentions"] == []  # type: ignore[index]  # none allowed
    assert fake.message_request(posted.id)["content"] == f"welcome <@{ALICE}>"

    member = await channel.guild.fetch_member(BOB)
    assert member.name == "bob"
    await channel.set_permissions(member, view_channel=True, send_messages=False)
    await wait_until(lambda: channel.overwrites_for(member).send_messages is False)
    assert not fake.channel_permissions(BOB, GENERAL_CHANNEL_ID) & (1 << 11)
    await channel.set_permissions(member, overwrite=None)
    assert fake.channel(GENERAL_CHANNEL_ID)["permission_overwrites"] == []  # type: ignore[index]

    fetched = await bot.fetch_channel(thread.id)
    assert isinstance(fetched, discord.Thread) and fetched.parent_id == GENERAL_CHANNEL_ID
    again = await thread.fetch_message(posted.id)
    edited = await again.edit(content="welcome everyone")
    assert edited.content == "welcome everyone"
    assert fake.message(posted.id)["edited_timestamp"] is not None  # type: ignore[index]
    assert (await bot.fetch_user(ALICE)).name == "alice"
    with pytest.raises(discord.NotFound):
        await bot.fetch_user(CAROL)
    assert_clean(fake)


async def test_private_channel_created_and_overwrites_by_member_id(
    fake: FakeDiscord, bot: ProbeBot
) -> None:
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.me is not None
    hidden = {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        guild.me: discord.PermissionOverwrite(view_channel=True, send_messages=True),
    }
    channel = await guild.create_text_channel("peer-room", topic="ours", overwrites=hidden)
    assert channel.topic == "ours" and channel.guild.id == GUILD_ID
    [call] = fake.calls_to("POST", rf"^/guilds/{GUILD_ID}/channels$")
    assert call.status == 201
    await wait_until(lambda: isinstance(bot.get_channel(channel.id), discord.TextChannel))
    assert fake.can_view(fake.bot_user_id, channel.id)
    assert not fake.can_view(ALICE, channel.id)
    assert fake.channel_ids() == [GENERAL_CHANNEL_ID, channel.id]

    # A member overwrite by id, cached member or not (type 1).
    await bot.http.edit_channel_permissions(channel.id, ALICE, str(1 << 10), "0", 1)
    assert fake.overwrites(channel.id)[ALICE]["type"] == 1
    assert fake.can_view(ALICE, channel.id)
    cached = bot.get_channel(channel.id)
    assert isinstance(cached, discord.TextChannel)
    await wait_until(lambda: cached.overwrites_for(discord.Object(ALICE)).view_channel is True)
    # discord.py 2.7's set_permissions wants a Member or Role: an Object is refused.
    with pytest.raises(ValueError):
        await cached.set_permissions(discord.Object(ALICE), view_channel=True)

    # Deleting an overwrite that is not there is 404 Unknown Overwrite.
    await bot.http.delete_channel_permissions(channel.id, ALICE)
    assert not fake.can_view(ALICE, channel.id)
    with pytest.raises(discord.NotFound) as gone:
        await bot.http.delete_channel_permissions(channel.id, ALICE)
    assert gone.value.code == 10009
    with pytest.raises(discord.NotFound) as unknown:
        await bot.http.edit_channel_permissions(channel.id, CAROL, "1024", "0", 1)
    assert unknown.value.code == 10007  # not a member of the guild

    # Discord's form checks on a new channel.
    bad_bodies: list[dict[str, Any]] = [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "ok", "topic": "t" * 1025},
        {"name": "ok", "permission_overwrites": [{"id": str(ALICE), "type": 2}]},
        {"name": "ok", "permission_overwrites": [{"id": "alice", "type": 1}]},
        {"name": "ok", "permission_overwrites": [{"id": str(ALICE), "type": 1, "allow": "x"}]},
    ]
    for body in bad_bodies:
        with pytest.raises(discord.HTTPException) as refused:
            await bot.http.create_channel(GUILD_ID, 0, **body)
        assert (refused.value.status, refused.value.code) == (400, 50035)
    with pytest.raises(discord.HTTPException) as refused:
        await bot.http.create_channel(GUILD_ID, 7, name="ok")
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert len(fake.channel_ids()) == 2
    assert_clean(fake)


async def test_files_and_original_response_edit(fake: FakeDiscord, bot: ProbeBot) -> None:
    handle = await fake.slash(ALICE, "probe", "report")
    callback, edit, followup = await handle.wait_responses(3)
    assert callback.json["type"] == 5
    assert edit.method == "PATCH" and edit.path.endswith("/messages/@original")
    assert edit.files == [("r.csv", b"a,b\n1,2\n")]
    assert followup.files == [("a.txt", b"xyz")] and followup.json["content"] == "appendix"
    original, appendix = fake.messages(GENERAL_CHANNEL_ID)
    assert original["content"] == "report ready" and original["flags"] == 0
    assert [a["filename"] for a in original["attachments"]] == ["r.csv"]
    assert appendix["attachments"][0]["size"] == 3
    assert_clean(fake)


async def test_interaction_rules(fake: FakeDiscord, bot: ProbeBot) -> None:
    first, second = await (await fake.slash(ALICE, "probe", "twice")).wait_responses(2)
    assert first.status == 200
    assert (second.status, second.response["code"]) == (400, 40060)

    fake.callback_deadline = 0.2
    late = await (await fake.slash(ALICE, "probe", "slow")).first_response()
    assert (late.status, late.response["code"]) == (404, 10062)
    fake.callback_deadline = 3.0

    handle = await fake.slash(ALICE, "probe", "linger", age=15 * 60 - 1)
    defer, followup = await handle.wait_responses(2)
    assert defer.status == 200
    assert (followup.status, followup.response["code"]) == (404, 10015)

    complete = await fake.autocomplete(ALICE, "probe", "topic", {"name": "an"}, focused="name")
    choices = await complete.first_response()
    assert choices.json == {
        "type": 8,
        "data": {
            "choices": [
                {"name": "anatomy", "value": "anatomy"},
                {"name": "anesthesia", "value": "anesthesia"},
            ]
        },
    }
    with pytest.raises(AssertionError):
        await fake.slash(ALICE, "probe", "who", {"nobody": 1})
    assert_clean(fake)


async def test_auto_sharded_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeDiscord(guild_id=GUILD_ID, shards=2)
    fake.add_member(ALICE, "alice")
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL("ws://127.0.0.1:9/nowhere")
    )

    up = asyncio.Event()

    class Sharded(commands.AutoShardedBot):
        async def before_identify_hook(
            self, shard_id: int | None, *, initial: bool = False
        ) -> None:
            return None  # the default sleeps 5 s before every non-first IDENTIFY

        async def on_ready(self) -> None:
            up.set()

    intents = discord.Intents.none()
    intents.guilds = True
    bot = Sharded(command_prefix="!", intents=intents, guild_ready_timeout=0.1)
    bot.tree.add_command(probe)
    runner: asyncio.Task[None] | None = None
    try:
        await bot.login(TOKEN)
        await bot.tree.sync()
        runner = asyncio.create_task(bot.connect())
        await asyncio.wait_for(up.wait(), 10)
        await fake.wait_ready()
        assert fake.calls_to("GET", r"^/gateway/bot$")[0].status == 200
        assert fake.identifies == 2 and bot.shard_count == 2
        guild = bot.get_guild(GUILD_ID)
        assert guild is not None and guild.shard_id == (GUILD_ID >> 22) % 2
        call = await (await fake.slash(ALICE, "probe", "ping")).first_response()
        assert call.status == 200
        assert_clean(fake)
    finally:
        await bot.close()
        if runner is not None:
            await asyncio.wait_for(runner, 10)
        await fake.stop()
