"""Private group channels: DiscordTransport's PrivateSpaces port, driven through the real
discord.py client (REST and gateway) against the local Discord fake.

Access is one member-type permission overwrite per member, never a role (roles show on
every profile). The fake is strict: a call to any role endpoint would land in
`fake.unknown`, which `connected()` checks is empty when each test ends.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import discord
import pytest

from bot.discord.transport import (
    SPACE_BOT_ALLOW,
    SPACE_MEMBER_ALLOW,
    DiscordTransport,
    space_channel_name,
)
from bot.model import Reply
from bot.transport import DeliveryFailed, PrivateSpaces
from storage.models import Scope
from tests import fakes
from tests.fakes.discord import (
    ADMINISTRATOR,
    DEFAULT_EVERYONE_PERMISSIONS,
    GENERAL_CHANNEL_ID,
    MANAGE_ROLES,
    FakeDiscord,
)
from tests.test_discord_events import connected, eventually

GUILD_ID = 800000000000000001
SCOPE = Scope("discord", str(GUILD_ID))
ALICE = 100000000000000001
BOB = 100000000000000002
STRANGER = 100000000000000009  # never in the server
MISSING_CHANNEL = "123456789012345678"
VIEW = 1 << 10
SEND = 1 << 11
READ_HISTORY = 1 << 16

# What the bot must have in the server for private groups: Manage Channels and Manage Roles,
# plus every bit it allows itself or a member in an overwrite (Discord refuses an overwrite
# with a bit the bot lacks). The tests run with exactly this, not Administrator.
BOT_NEEDS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    send_messages_in_threads=True,
    manage_channels=True,
    manage_roles=True,  # shown as "Manage Permissions" inside a channel
)

World = tuple[FakeDiscord, discord.Client, DiscordTransport]


@pytest.fixture
async def world(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    async with connected(monkeypatch, bot_permissions=BOT_NEEDS.value) as (fake, client, t):
        # Added after the client connected, without the members intent: discord.py never
        # caches them, so every grant below is for a member it does not know.
        fake.add_member(ALICE, "alice")
        fake.add_member(BOB, "bob")
        yield fake, client, t


def role_calls(fake: FakeDiscord) -> list[str]:
    return [f"{c.method} {c.path}" for c in fake.calls if "/roles" in c.path]


def text_channel(client: discord.Client, channel_id: str) -> discord.TextChannel | None:
    found = client.get_channel(int(channel_id))
    return found if isinstance(found, discord.TextChannel) else None


# ----- create ---------------------------------------------------------------------------------


async def test_create_makes_a_text_channel_only_the_bot_can_see(world: World) -> None:
    fake, client, transport = world
    assert isinstance(transport, PrivateSpaces)
    roles_before = fake.role_ids()

    space = await transport.create_space(SCOPE, "SGM Med Students", "  A peer group.  ")

    channel = fake.channel(int(space))
    assert channel is not None
    assert channel["type"] == 0 and channel["guild_id"] == str(GUILD_ID)
    assert channel["name"] == "sgm-med-students"
    assert channel["topic"] == "A peer group."
    assert channel["parent_id"] is None
    overwrites = fake.overwrites(int(space))
    assert overwrites == {
        GUILD_ID: {"id": str(GUILD_ID), "type": 0, "allow": "0", "deny": str(VIEW)},
        fake.bot_user_id: {
            "id": str(fake.bot_user_id),
            "type": 1,
            "allow": str(SPACE_BOT_ALLOW.value),
            "deny": "0",
        },
    }
    assert not SPACE_BOT_ALLOW.value & MANAGE_ROLES  # only an administrator may set it
    assert fake.can_view(fake.bot_user_id, int(space))
    assert fake.channel_permissions(fake.bot_user_id, int(space)) & SEND
    assert not fake.can_view(ALICE, int(space)) and not fake.can_view(BOB, int(space))
    assert fake.can_view(ALICE, GENERAL_CHANNEL_ID)  # while #general stays open

    [call] = fake.calls_to("POST", rf"^/guilds/{GUILD_ID}/channels$")
    assert call.status == 201 and call.json["type"] == 0
    assert fake.role_ids() == roles_before and role_calls(fake) == []

    # discord.py took the CHANNEL_CREATE dispatch and sees the same privacy.
    await eventually(lambda: text_channel(client, space) is not None)
    cached = text_channel(client, space)
    assert cached is not None and cached.name == "sgm-med-students"
    guild = cached.guild
    assert cached.overwrites_for(guild.default_role).view_channel is False
    assert cached.permissions_for(guild.default_role).view_channel is False
    assert guild.me is not None and cached.permissions_for(guild.me).send_messages


async def test_an_empty_topic_is_left_out_and_a_long_one_clipped(world: World) -> None:
    fake, _, transport = world
    bare = await transport.create_space(SCOPE, "Study hall", "   ")
    assert (fake.channel(int(bare)) or {})["topic"] is None
    [call] = fake.calls_to("POST", r"/channels$")
    assert "topic" not in call.json

    wordy = await transport.create_space(SCOPE, "Study hall", "t" * 2000)
    topic = (fake.channel(int(wordy)) or {})["topic"]
    assert len(topic) == 1024 and topic.endswith("…")


async def test_names_become_channel_names_discord_keeps(world: World) -> None:
    fake, _, transport = world
    cases = {
        "Pride in Medicine 🏳️‍🌈": "pride-in-medicine",
        "Estudiantes Latinx — Año 1": "estudiantes-latinx-año-1",
        "🌈✨!!!": "group",
        "x" * 300: "x" * 100,
    }
    for name, expected in cases.items():
        space = await transport.create_space(SCOPE, name, "")
        assert (fake.channel(int(space)) or {})["name"] == expected


def wide(ascii_text: str) -> str:
    """The full-width forms of ASCII letters (U+FF21...), as some keyboards type them."""
    return "".join(chr(ord(char) + 0xFEE0) for char in ascii_text)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SGM Med Students", "sgm-med-students"),
        ("  spaced   out  ", "spaced-out"),
        ("Women's Med/Peds", "womens-med-peds"),
        ("LGBTQ+ in STEM", "lgbtq-in-stem"),
        ("first_gen", "first_gen"),
        ("Black Men in White Coats ✊🏾", "black-men-in-white-coats"),
        ("🌈 Pride 🌈", "pride"),
        ("1️⃣ first gen", "1-first-gen"),
        ("Estudiantes Latinx de Medicina — Año 1", "estudiantes-latinx-de-medicina-año-1"),
        ("Médecins Québécois", "médecins-québécois"),
        (f"{wide('Asian')}\u3000{wide('Pacific')}", "asian-pacific"),  # full-width forms
        ("नमस्ते डॉक्टर", "नमस्ते-डॉक्टर"),  # combining vowel signs stay
        ("zero\u200bwidth\u202e", "zerowidth"),  # invisible and bidi controls go
        ("---", "group"),
        ("!!!", "group"),
        ("🏳️‍🌈🏳️‍⚧️", "group"),
        ("", "group"),
        ("   ", "group"),
    ],
)
def test_space_channel_name(name: str, expected: str) -> None:
    assert space_channel_name(name) == expected


def test_space_channel_name_length() -> None:
    assert space_channel_name("a" * 150) == "a" * 100
    assert space_channel_name("word " * 40) == ("word-" * 20)[:99]  # no trailing hyphen
    assert space_channel_name("é" * 150) == "é" * 100
    wide = space_channel_name("\U00020000" * 80)  # outside the BMP: two UTF-16 units each
    assert len(wide.encode("utf-16-le")) <= 200 and wide
    assert space_channel_name("x" * 100_000) == "x" * 100


# ----- grant and revoke -------------------------------------------------------------------------


async def test_grant_lets_one_member_in_by_a_member_overwrite_not_a_role(world: World) -> None:
    fake, client, transport = world
    space = await transport.create_space(SCOPE, "SGM Med Students", "")
    guild = client.get_guild(GUILD_ID)
    assert guild is not None and guild.get_member(ALICE) is None  # not in the cache
    roles_before = fake.role_ids()

    await transport.grant_space(SCOPE, space, str(ALICE))

    assert fake.overwrites(int(space))[ALICE] == {
        "id": str(ALICE),
        "type": 1,
        "allow": str(SPACE_MEMBER_ALLOW.value),
        "deny": "0",
    }
    perms = fake.channel_permissions(ALICE, int(space))
    assert perms & VIEW and perms & SEND and perms & READ_HISTORY
    assert not fake.can_view(BOB, int(space))
    assert fake.member_roles(ALICE) == [] and fake.member_roles(BOB) == []
    assert fake.role_ids() == roles_before and role_calls(fake) == []
    [put] = fake.calls_to("PUT", rf"^/channels/{space}/permissions/{ALICE}$")
    assert put.status == 204 and put.json["type"] == 1

    cached = text_channel(client, space)
    assert cached is not None
    await eventually(lambda: cached.overwrites_for(discord.Object(ALICE)).view_channel is True)


async def test_granting_twice_changes_nothing(world: World) -> None:
    fake, _, transport = world
    space = await transport.create_space(SCOPE, "Peer group", "")
    await transport.grant_space(SCOPE, space, str(ALICE))
    once = fake.overwrites(int(space))

    await transport.grant_space(SCOPE, space, str(ALICE))

    assert fake.overwrites(int(space)) == once and len(once) == 3
    puts = fake.calls_to("PUT", rf"^/channels/{space}/permissions/{ALICE}$")
    assert [c.status for c in puts] == [204, 204]
    assert fake.can_view(ALICE, int(space))


async def test_revoke_takes_access_away_at_once(world: World) -> None:
    fake, client, transport = world
    space = await transport.create_space(SCOPE, "Peer group", "")
    await transport.grant_space(SCOPE, space, str(ALICE))
    await transport.grant_space(SCOPE, space, str(BOB))

    await transport.revoke_space(SCOPE, space, str(ALICE))

    assert ALICE not in fake.overwrites(int(space))
    assert not fake.can_view(ALICE, int(space))
    assert fake.can_view(BOB, int(space))  # the others keep theirs
    assert fake.can_view(fake.bot_user_id, int(space))
    cached = text_channel(client, space)
    assert cached is not None
    await eventually(lambda: ALICE not in {target.id for target in cached.overwrites})

    # Letting her back in later works the same way.
    await transport.grant_space(SCOPE, space, str(ALICE))
    assert fake.can_view(ALICE, int(space))
    assert role_calls(fake) == []


async def test_revoking_someone_who_is_not_in_is_fine(world: World) -> None:
    fake, _, transport = world
    space = await transport.create_space(SCOPE, "Peer group", "")
    await transport.grant_space(SCOPE, space, str(ALICE))
    await transport.revoke_space(SCOPE, space, str(ALICE))

    await transport.revoke_space(SCOPE, space, str(ALICE))  # already out
    await transport.revoke_space(SCOPE, space, str(BOB))  # never in
    await transport.revoke_space(SCOPE, space, str(STRANGER))  # not even in the server

    deletes = fake.calls_to("DELETE", rf"^/channels/{space}/permissions/")
    assert [(c.status, (c.response or {}).get("code")) for c in deletes] == [
        (204, None),
        (404, 10009),  # Unknown Overwrite, which the transport takes as done
        (404, 10009),
        (404, 10009),
    ]
    assert set(fake.overwrites(int(space))) == {GUILD_ID, fake.bot_user_id}


async def test_a_member_who_left_the_server_is_still_revoked(world: World) -> None:
    fake, _, transport = world
    space = await transport.create_space(SCOPE, "Peer group", "")
    await transport.grant_space(SCOPE, space, str(ALICE))
    fake.remove_member(ALICE)  # her overwrite stays: she would see it again on rejoining

    await transport.revoke_space(SCOPE, space, str(ALICE))

    assert ALICE not in fake.overwrites(int(space))


async def test_the_bot_posts_in_the_space(world: World) -> None:
    fake, _, transport = world
    space = await transport.create_space(SCOPE, "Peer group", "")
    await transport.grant_space(SCOPE, space, str(ALICE))

    ref = await transport.post(SCOPE, space, Reply.public("Welcome to the group."))

    channel_id, _, message_id = ref.partition("/")
    assert channel_id == space
    [message] = fake.messages(int(space))
    assert message["id"] == message_id and message["content"] == "Welcome to the group."
    assert int(message["author"]["id"]) == fake.bot_user_id


async def test_a_channel_holds_a_limited_number_of_overwrites(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Discord allows 1000 overwrites per channel, @everyone and the bot included, so a
    # group has at most 998 members on Discord. The fake's limit is lowered to 5 here so
    # the test need not let 998 people in.
    assert fakes.discord.MAX_CHANNEL_OVERWRITES == 1000
    monkeypatch.setattr(fakes.discord, "MAX_CHANNEL_OVERWRITES", 5)
    fake, _, transport = world
    space = await transport.create_space(SCOPE, "Big group", "")
    members = [ALICE, BOB, 200000000000000001, 200000000000000002]
    for user_id in members[2:]:
        fake.add_member(user_id, f"member{user_id}")
    for user_id in members[:3]:
        await transport.grant_space(SCOPE, space, str(user_id))
    assert len(fake.overwrites(int(space))) == 5

    with pytest.raises(DeliveryFailed) as refused:
        await transport.grant_space(SCOPE, space, str(members[3]))
    assert refused.value.code == "http 400 (30060)"
    await transport.grant_space(SCOPE, space, str(ALICE))  # putting one again is fine
    await transport.revoke_space(SCOPE, space, str(BOB))
    await transport.grant_space(SCOPE, space, str(members[3]))  # room again
    assert fake.can_view(members[3], int(space)) and not fake.can_view(BOB, int(space))


async def test_without_its_own_overwrite_the_bot_would_be_locked_out(world: World) -> None:
    # Why create_space gives the bot a member overwrite: a channel that only hides itself
    # from @everyone hides itself from a bot that is not an administrator too.
    fake, client, transport = world
    data = await client.http.create_channel(
        GUILD_ID,
        0,
        name="hidden",
        permission_overwrites=[{"id": str(GUILD_ID), "type": 0, "allow": "0", "deny": str(VIEW)}],
    )
    hidden = str(data["id"])
    assert not fake.can_view(fake.bot_user_id, int(hidden))
    with pytest.raises(DeliveryFailed) as refused:
        await transport.post(SCOPE, hidden, Reply.public("hello"))
    assert refused.value.code == "http 403 (50001)"  # Missing Access
    with pytest.raises(DeliveryFailed) as refused:
        await transport.grant_space(SCOPE, hidden, str(ALICE))
    assert refused.value.code == "http 403 (50001)"


async def test_nothing_about_the_group_is_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    _, _, transport = world
    caplog.set_level(logging.DEBUG, logger="bot")
    space = await transport.create_space(SCOPE, "SGM Med Students", "Private topic")
    await transport.grant_space(SCOPE, space, str(ALICE))
    await transport.revoke_space(SCOPE, space, str(ALICE))
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    for secret in ("SGM", "sgm", "Private topic", str(ALICE), space):
        assert secret not in ours


# ----- refusals ---------------------------------------------------------------------------------


async def test_unknown_channel_member_and_bad_ids_are_refused(world: World) -> None:
    fake, _, transport = world
    space = await transport.create_space(SCOPE, "Peer group", "")
    bot_id = str(fake.bot_user_id)
    cases: list[tuple[Callable[[], Awaitable[object]], str]] = [
        (lambda: transport.grant_space(SCOPE, MISSING_CHANNEL, str(ALICE)), "http 404 (10003)"),
        (lambda: transport.revoke_space(SCOPE, MISSING_CHANNEL, str(ALICE)), "http 404 (10003)"),
        (lambda: transport.grant_space(SCOPE, space, str(STRANGER)), "http 404 (10007)"),
        (lambda: transport.grant_space(SCOPE, "general", str(ALICE)), "bad channel id"),
        (lambda: transport.revoke_space(SCOPE, space, "<@1>"), "bad member id"),
        (lambda: transport.create_space(Scope("discord", "T0"), "x", ""), "bad server id"),
        (lambda: transport.revoke_space(SCOPE, space, bot_id), "the bot keeps its own access"),
    ]
    before = len(fake.calls)
    for attempt, code in cases:
        with pytest.raises(DeliveryFailed) as refused:
            await attempt()
        assert refused.value.code == code
    assert len(fake.calls) == before + 3  # the bad ids never reached Discord
    assert fake.can_view(fake.bot_user_id, int(space))


async def test_without_manage_channels_no_channel_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    lacking = BOT_NEEDS.value & ~discord.Permissions(manage_channels=True).value
    async with connected(monkeypatch, bot_permissions=lacking) as (fake, _, transport):
        with pytest.raises(DeliveryFailed) as refused:
            await transport.create_space(SCOPE, "Peer group", "")
        assert refused.value.code == "http 403 (50013)"
        assert fake.channel_ids() == [GENERAL_CHANNEL_ID]


async def test_without_manage_roles_nobody_can_be_let_in(monkeypatch: pytest.MonkeyPatch) -> None:
    lacking = BOT_NEEDS.value & ~MANAGE_ROLES
    async with connected(monkeypatch, bot_permissions=lacking) as (fake, _, transport):
        fake.add_member(ALICE, "alice")
        space = await transport.create_space(SCOPE, "Peer group", "")  # Manage Channels is enough
        with pytest.raises(DeliveryFailed) as refused:
            await transport.grant_space(SCOPE, space, str(ALICE))
        assert refused.value.code == "http 403 (50013)"
        with pytest.raises(DeliveryFailed) as refused:
            await transport.revoke_space(SCOPE, space, str(ALICE))
        assert refused.value.code == "http 403 (50013)"
        assert not fake.can_view(ALICE, int(space))


async def test_manage_roles_taken_away_later_refuses_grants_and_revokes(world: World) -> None:
    fake, _, transport = world
    space = await transport.create_space(SCOPE, "Peer group", "")
    await transport.grant_space(SCOPE, space, str(ALICE))
    fake.set_role_permissions(fake.bot_role_id, BOT_NEEDS.value & ~MANAGE_ROLES)

    with pytest.raises(DeliveryFailed) as refused:
        await transport.grant_space(SCOPE, space, str(BOB))
    assert refused.value.code == "http 403 (50013)"
    with pytest.raises(DeliveryFailed) as refused:
        await transport.revoke_space(SCOPE, space, str(ALICE))
    assert refused.value.code == "http 403 (50013)"
    # Nothing changed: a failed revoke must be retried by the caller.
    assert fake.can_view(ALICE, int(space)) and not fake.can_view(BOB, int(space))


async def test_every_bit_the_bot_puts_in_an_overwrite_it_must_have(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server whose @everyone may not attach files, with a bot invited without Attach
    # Files: Discord refuses the channel, since the bot allows itself that bit in it.
    without_files = BOT_NEEDS.value & ~discord.Permissions(attach_files=True).value
    async with connected(monkeypatch, bot_permissions=without_files) as (fake, _, transport):
        fake.set_role_permissions(
            GUILD_ID, DEFAULT_EVERYONE_PERMISSIONS & ~discord.Permissions(attach_files=True).value
        )
        with pytest.raises(DeliveryFailed) as refused:
            await transport.create_space(SCOPE, "Peer group", "")
        assert refused.value.code == "http 403 (50013)"
        fake.set_role_permissions(fake.bot_role_id, BOT_NEEDS.value)
        assert await transport.create_space(SCOPE, "Peer group", "")


async def test_an_administrator_bot_works_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    async with connected(monkeypatch, bot_permissions=ADMINISTRATOR) as (fake, _, transport):
        fake.add_member(ALICE, "alice")
        space = await transport.create_space(SCOPE, "Peer group", "")
        await transport.grant_space(SCOPE, space, str(ALICE))
        await transport.revoke_space(SCOPE, space, str(ALICE))
        assert not fake.can_view(ALICE, int(space))
        assert role_calls(fake) == []
