"""Sessions in Discord's event list: DiscordTransport's PlatformEvents port, driven through
the real discord.py client (REST and gateway) against the local Discord fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
import yarl

from bot.discord.transport import DiscordTransport
from bot.transport import DeliveryFailed, PlatformEvent, PlatformEvents
from storage.models import Scope
from tests.fakes.discord import CREATE_EVENTS, GENERAL_CHANNEL_ID, MANAGE_EVENTS, FakeDiscord

TOKEN = "fake-bot-token.events"
GUILD_ID = 800000000000000001
SCOPE = Scope("discord", str(GUILD_ID))
SEND_MESSAGES = 1 << 11


def session(
    *, title: str = "AMA with Dr Lee", hours: float = 24, length: float = 1, **more: Any
) -> PlatformEvent:
    # The fake checks "start in the future" against real time, so times are relative to now.
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
    fields: dict[str, Any] = {
        "title": title,
        "description": "Ask anything about careers in research.",
        "starts_at": start,
        "ends_at": start + timedelta(hours=length),
        "location": "#ama-sessions",
    }
    fields.update(more)
    return PlatformEvent(**fields)


@asynccontextmanager
async def connected(
    monkeypatch: pytest.MonkeyPatch, **fake_options: Any
) -> AsyncIterator[tuple[FakeDiscord, discord.Client, DiscordTransport]]:
    fake = FakeDiscord(guild_id=GUILD_ID, **fake_options)
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )
    # Default intents include GUILD_SCHEDULED_EVENTS, so the client digests the fake's
    # GUILD_SCHEDULED_EVENT_* dispatches too.
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.1)
    runner: asyncio.Task[None] | None = None
    try:
        await client.login(TOKEN)
        runner = asyncio.create_task(client.connect())
        await asyncio.wait_for(client.wait_until_ready(), 10)
        yield fake, client, DiscordTransport(client, dm_rate=50)
    finally:
        await client.close()
        if runner is not None:
            await asyncio.wait_for(runner, 10)
        await fake.stop()
    assert fake.unknown == [] and fake.errors == []


@pytest.fixture
async def world(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[FakeDiscord, discord.Client, DiscordTransport]]:
    async with connected(monkeypatch) as running:
        yield running


async def eventually(check: Callable[[], bool], timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


async def test_create_puts_an_external_guild_only_event_in_the_list(
    world: tuple[FakeDiscord, discord.Client, DiscordTransport],
) -> None:
    fake, client, transport = world
    assert isinstance(transport, PlatformEvents)
    event = session(title="A" * 150, description="d" * 1500)

    event_id = await transport.create_event(SCOPE, event)

    [stored] = fake.scheduled_events(GUILD_ID)
    assert stored["id"] == event_id
    assert stored["guild_id"] == str(GUILD_ID)
    assert stored["entity_type"] == 3 and stored["channel_id"] is None
    assert stored["entity_metadata"] == {"location": "#ama-sessions"}
    assert stored["privacy_level"] == 2 and stored["status"] == 1
    assert stored["scheduled_start_time"] == iso(event.starts_at)
    assert stored["scheduled_end_time"] == iso(event.ends_at)
    assert stored["name"] == "A" * 99 + "…" and len(stored["name"]) == 100
    assert len(stored["description"]) == 1000 and stored["description"].endswith("…")
    assert stored["creator_id"] == str(fake.bot_user_id)
    [call] = fake.calls_to("POST", rf"^/guilds/{GUILD_ID}/scheduled-events$")
    assert call.status == 200 and call.json["entity_type"] == 3

    # The client took the GUILD_SCHEDULED_EVENT_CREATE dispatch, and reads the list back.
    guild = client.get_guild(GUILD_ID)
    assert guild is not None
    await eventually(lambda: guild.get_scheduled_event(int(event_id)) is not None)
    cached = guild.get_scheduled_event(int(event_id))
    assert cached is not None and cached.location == "#ama-sessions"
    assert cached.entity_type is discord.EntityType.external
    fetched = await guild.fetch_scheduled_events()
    assert [e.id for e in fetched] == [int(event_id)]
    assert fetched[0].start_time == event.starts_at and fetched[0].end_time == event.ends_at


async def test_update_changes_title_times_and_place(
    world: tuple[FakeDiscord, discord.Client, DiscordTransport],
) -> None:
    fake, client, transport = world
    event_id = await transport.create_event(SCOPE, session())
    moved = session(title="AMA (moved)", hours=48, length=2, location="#stage")

    await transport.update_event(SCOPE, event_id, moved)

    stored = fake.scheduled_event(int(event_id))
    assert stored is not None
    assert stored["name"] == "AMA (moved)"
    assert stored["scheduled_start_time"] == iso(moved.starts_at)
    assert stored["scheduled_end_time"] == iso(moved.ends_at)
    assert stored["entity_metadata"] == {"location": "#stage"}
    assert stored["status"] == 1 and stored["entity_type"] == 3
    guild = client.get_guild(GUILD_ID)
    assert guild is not None

    def updated() -> bool:
        cached = guild.get_scheduled_event(int(event_id))
        return cached is not None and cached.name == "AMA (moved)"

    await eventually(updated)


async def test_active_then_completed(
    world: tuple[FakeDiscord, discord.Client, DiscordTransport],
) -> None:
    fake, client, transport = world
    event_id = await transport.create_event(SCOPE, session())

    await transport.set_event_status(SCOPE, event_id, "active")
    assert (fake.scheduled_event(int(event_id)) or {})["status"] == 2
    await transport.set_event_status(SCOPE, event_id, "completed")
    assert (fake.scheduled_event(int(event_id)) or {})["status"] == 3

    patches = fake.calls_to("PATCH", rf"/scheduled-events/{event_id}$")
    assert [(c.json, c.status) for c in patches] == [({"status": 2}, 200), ({"status": 3}, 200)]
    guild = client.get_guild(GUILD_ID)
    assert guild is not None

    def completed() -> bool:
        cached = guild.get_scheduled_event(int(event_id))
        return cached is not None and cached.status is discord.EventStatus.completed

    await eventually(completed)


async def test_cancelled_from_scheduled(
    world: tuple[FakeDiscord, discord.Client, DiscordTransport],
) -> None:
    fake, _, transport = world
    event_id = await transport.create_event(SCOPE, session())

    await transport.set_event_status(SCOPE, event_id, "cancelled")

    assert (fake.scheduled_event(int(event_id)) or {})["status"] == 4


async def test_transitions_discord_forbids_are_refused(
    world: tuple[FakeDiscord, discord.Client, DiscordTransport],
) -> None:
    fake, _, transport = world
    first = await transport.create_event(SCOPE, session())
    with pytest.raises(DeliveryFailed) as refused:
        await transport.set_event_status(SCOPE, first, "completed")  # never started
    assert refused.value.code == "http 400 (50035)"

    await transport.set_event_status(SCOPE, first, "active")
    with pytest.raises(DeliveryFailed) as refused:
        await transport.set_event_status(SCOPE, first, "cancelled")  # already running
    assert refused.value.code == "http 400 (50035)"
    assert (fake.scheduled_event(int(first)) or {})["status"] == 2

    second = await transport.create_event(SCOPE, session())
    await transport.set_event_status(SCOPE, second, "cancelled")
    with pytest.raises(DeliveryFailed) as refused:
        await transport.set_event_status(SCOPE, second, "active")  # finished for good
    assert refused.value.code == "http 400 (180000)"
    with pytest.raises(DeliveryFailed):
        await transport.update_event(SCOPE, second, session(title="again"))
    assert (fake.scheduled_event(int(second)) or {})["status"] == 4


async def test_an_unknown_event_is_refused(
    world: tuple[FakeDiscord, discord.Client, DiscordTransport],
) -> None:
    _, _, transport = world
    with pytest.raises(DeliveryFailed) as refused:
        await transport.set_event_status(SCOPE, "123456789012345678", "active")
    assert refused.value.code == "http 404 (10070)"
    with pytest.raises(DeliveryFailed) as refused:
        await transport.update_event(SCOPE, "123456789012345678", session())
    assert refused.value.code == "http 404 (10070)"
    with pytest.raises(DeliveryFailed):
        await transport.update_event(SCOPE, "not-an-id", session())


async def test_times_discord_refuses(
    world: tuple[FakeDiscord, discord.Client, DiscordTransport],
) -> None:
    fake, _, transport = world
    with pytest.raises(DeliveryFailed) as refused:
        await transport.create_event(SCOPE, session(hours=-1))  # start in the past
    assert refused.value.code == "http 400 (50035)"
    with pytest.raises(DeliveryFailed) as refused:
        await transport.create_event(SCOPE, session(length=-1))  # ends before it starts
    assert refused.value.code == "http 400 (50035)"
    with pytest.raises(DeliveryFailed) as refused:
        await transport.create_event(SCOPE, session(location=""))  # external needs a place
    assert refused.value.code == "http 400 (50035)"
    assert fake.scheduled_events() == []

    # A start a moment ago (a test clock just behind real time) is still accepted.
    event_id = await transport.create_event(SCOPE, session(hours=-30 / 3600))
    assert fake.scheduled_event(int(event_id)) is not None


async def test_without_manage_events_the_platform_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with connected(monkeypatch, bot_permissions=SEND_MESSAGES) as (fake, _, transport):
        with pytest.raises(DeliveryFailed) as refused:
            await transport.create_event(SCOPE, session())
        assert refused.value.code == "http 403 (50013)"
        assert fake.scheduled_events() == []


async def test_create_events_alone_manages_the_bots_own_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with connected(monkeypatch, bot_permissions=CREATE_EVENTS) as (fake, _, transport):
        event_id = await transport.create_event(SCOPE, session())
        await transport.set_event_status(SCOPE, event_id, "active")
        assert (fake.scheduled_event(int(event_id)) or {})["status"] == 2
    assert MANAGE_EVENTS & CREATE_EVENTS == 0


async def test_the_fake_serves_the_event_routes_to_discord_py(
    world: tuple[FakeDiscord, discord.Client, DiscordTransport],
) -> None:
    fake, client, transport = world
    event_id = int(await transport.create_event(SCOPE, session()))
    guild = client.get_guild(GUILD_ID)
    assert guild is not None

    one = await guild.fetch_scheduled_event(event_id, with_counts=True)
    assert one.user_count == 0 and one.creator is not None
    assert one.creator.id == fake.bot_user_id
    with pytest.raises(discord.NotFound):
        await guild.fetch_scheduled_event(123456789012345678)

    await one.delete()
    assert fake.scheduled_events() == []
    await eventually(lambda: guild.get_scheduled_event(event_id) is None)
    [call] = fake.calls_to("DELETE", rf"/scheduled-events/{event_id}$")
    assert call.status == 204


async def test_a_channel_mention_in_the_location_is_shown_by_name(
    world: tuple[FakeDiscord, discord.Client, DiscordTransport],
) -> None:
    fake, _, transport = world
    event_id = await transport.create_event(
        SCOPE, session(location=f"In <#{GENERAL_CHANNEL_ID}> on this server")
    )
    stored = fake.scheduled_event(int(event_id)) or {}
    assert stored["entity_metadata"] == {"location": "In #general on this server"}
