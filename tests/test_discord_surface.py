"""End to end: the real discord.py client in the bot process, against a fake Discord.

The bot runs as users run it (`python -m bot run`), with its REST and gateway pointed at
the fake on 127.0.0.1. Every assertion is on what the fake received.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.discord_bot import (
    ALICE,
    ANNOUNCEMENTS,
    BOB,
    INTRODUCTIONS,
    MODERATOR,
    TOKEN,
    BotProcess,
    populate,
    serve_fake,
)
from tests.fakes.discord import Call, FakeDiscord, InteractionHandle

EPHEMERAL = 64
DEFERRED = 5
MODAL = 9
DEADLINE = 3.0  # seconds Discord allows for the first answer


fake = pytest.fixture(serve_fake)


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(fake, tmp_path)
    await process.start()
    try:
        yield process
    finally:
        code = await process.stop()
        log = process.log()
        assert code == 0, log
        assert TOKEN not in log
        # Errors discord.py caught itself mean a path the surface did not handle.
        assert "Ignoring exception" not in log and "never retrieved" not in log, log


def body(call: Call) -> dict[str, Any]:
    """A message body, whether sent as JSON or as multipart with payload_json."""
    assert isinstance(call.json, dict), call
    return call.json


def shown(call: Call) -> str:
    """Everything a member would read in a message: content and embed text."""
    data = body(call)
    data = data.get("data", data)  # an interaction callback wraps the message
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def custom_ids(call: Call) -> list[str]:
    data = body(call)
    data = data.get("data", data)
    return [
        button["custom_id"]
        for row in data.get("components") or []
        for button in row.get("components", [])
        if "custom_id" in button
    ]


async def answer(handle: InteractionHandle) -> Call:
    """The message that finally answers a deferred interaction."""
    first = await handle.first_response()
    assert first.json["type"] == DEFERRED, first.json
    [_, final] = await handle.wait_responses(2)
    return final


async def test_start_syncs_one_command_group_per_loaded_feature(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    synced = {command["name"]: command for command in fake.commands(fake.guild_id)}
    assert {"help", "setup", "probe"} <= set(synced)
    assert "greeter" not in synced  # a feature without commands adds nothing
    probe = {sub["name"]: sub for sub in synced["probe"]["options"]}
    assert {"all", "note", "dm", "slow", "boom"} <= set(probe)
    options = {o["name"]: o for o in probe["all"]["options"]}
    assert options["count"]["type"] == 4 and options["count"]["max_value"] == 10
    assert options["who"]["type"] == 6 and options["where"]["type"] == 7
    assert [c["value"] for c in options["pick"]["choices"]] == ["red", "green"]
    assert options["title"]["required"] is True
    # A command with a form takes every option as optional: bare, it opens the dialog.
    assert not any(o["required"] for o in probe["note"]["options"])
    # Moderator-only groups carry the permission hint; the others do not.
    assert int(synced["setup"]["default_member_permissions"]) == 1 << 5
    assert synced["probe"]["default_member_permissions"] is None
    assert synced["help"]["type"] == 1 and synced["setup"]["contexts"] == [0]  # guild only
    assert fake.calls_to("GET", r"^/users/@me$") and fake.identifies == 1


async def test_without_guild_ids_commands_sync_globally(fake: FakeDiscord, tmp_path: Path) -> None:
    process = BotProcess(fake, tmp_path)
    process.env["DISCORD_GUILD_IDS"] = ""
    await process.start()
    try:
        assert {"help", "setup", "probe"} <= {c["name"] for c in fake.commands(None)}
        assert fake.commands(fake.guild_id) == []
        handle = await fake.slash(ALICE, "help")
        assert "/probe" in shown(await answer(handle))
    finally:
        assert await process.stop() == 0


async def test_a_slash_command_with_options_is_deferred_then_answered_privately(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    handle = await fake.slash(
        ALICE,
        "probe",
        "all",
        {
            "title": "hello",
            "count": 3,
            "pick": "green",
            "who": BOB,
            "where": ANNOUNCEMENTS,
            "flag": True,
            "when": "2026-12-01 19:00",
        },
    )
    first = await handle.first_response()
    assert first.at - handle.sent_at < DEADLINE
    assert first.json == {"type": DEFERRED, "data": {"flags": EPHEMERAL}}
    final = await answer(handle)
    assert final.method == "PATCH" and final.path.endswith("/messages/@original")
    text = shown(final)
    assert "('count', 3)" in text and "('pick', 'green')" in text and "('flag', True)" in text
    assert f"MemberRef(user_id='{BOB}'" in text
    assert f"ChannelRef(channel_id='{ANNOUNCEMENTS}', name='announcements')" in text
    assert "('when', '2026-12-01T19:00:00+00:00')" in text


async def test_bad_input_is_answered_with_a_clear_private_message(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    handle = await fake.slash(ALICE, "probe", "all", {"title": "ok", "when": "someday"})
    final = await answer(handle)
    assert "`when` is not a date and time I can read" in shown(final)
    failing = await fake.slash(ALICE, "probe", "boom")
    text = shown(await answer(failing))
    assert "something went wrong on our side (ref " in text
    assert "secret member text" not in text


async def test_a_command_opens_a_dialog_and_its_submit_runs_the_command(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    handle = await fake.slash(ALICE, "probe", "note", {"subject": "Rounds"})
    modal = await handle.first_response()
    assert modal.json["type"] == MODAL
    dialog = modal.json["data"]
    assert dialog["custom_id"] == "pf:probe.note:0"
    assert "Rounds" in json.dumps(dialog)  # what was typed inline is already filled in
    fields = {label["component"]["custom_id"]: label["component"] for label in dialog["components"]}
    assert fields["subject"]["type"] == 4 and fields["subject"]["max_length"] == 40
    assert fields["text"]["style"] == 2  # a paragraph for long text
    # A choice is a select in the dialog, not free text.
    assert fields["mood"]["type"] == 3
    assert [o["value"] for o in fields["mood"]["options"]] == ["calm", "busy"]
    submitted = await fake.submit_modal(
        ALICE, dialog["custom_id"], {"subject": "Rounds", "text": "what to expect", "mood": "calm"}
    )
    assert (await submitted.first_response()).json["type"] == DEFERRED
    public = await submitted.wait_responses(3)
    # The answer is public: the ephemeral "thinking" is removed and a message posted.
    assert [c.method for c in public[1:]] == ["DELETE", "POST"]
    assert "note Rounds: what to expect (calm)" in shown(public[2])
    assert custom_ids(public[2]) == ["pc:probe.like:42", "pc:probe.purge:42"]


async def test_a_refused_dialog_keeps_what_was_typed(fake: FakeDiscord, bot: BotProcess) -> None:
    await (await fake.slash(ALICE, "probe", "note")).first_response()
    submitted = await fake.submit_modal(
        ALICE, "pf:probe.note:0", {"subject": "Rounds", "text": "my careful text, MRN 12345"}
    )
    final = await answer(submitted)
    assert "patient information" in shown(final)
    [fix] = [c for c in submitted.responses() if "pc:form.open:probe.note" in custom_ids(c)]
    reopened = await fake.press(ALICE, _message(fix), "pc:form.open:probe.note")
    dialog = (await reopened.first_response()).json
    assert dialog["type"] == MODAL and "my careful text, MRN 12345" in json.dumps(dialog["data"])


def _message(call: Call) -> dict[str, Any]:
    """The message a response created, as the fake stored it (for pressing its buttons)."""
    message = call.response
    if isinstance(message, dict) and "resource" in message:  # an interaction callback
        message = message["resource"].get("message")
    assert isinstance(message, dict) and "id" in message, call
    return message


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None: the default SQLite file in DATA_DIR; else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url


async def test_buttons_work_before_and_after_a_restart_and_are_reauthorised(
    fake: FakeDiscord, tmp_path: Path, database_url: str | None
) -> None:
    process = BotProcess(fake, tmp_path, database_url=database_url)
    await process.start()
    try:
        await (await fake.slash(ALICE, "probe", "note")).first_response()
        posted = await fake.submit_modal(
            ALICE, "pf:probe.note:0", {"subject": "Rounds", "text": "bring snacks"}
        )
        message = _message((await posted.wait_responses(3))[2])
        liked = await fake.press(BOB, message, "pc:probe.like:42")
        assert f"{BOB} liked 42" in shown(await answer(liked))

        assert await process.stop() == 0
        await process.start()  # a new process: nothing in memory survives

        again = await fake.press(ALICE, message, "pc:probe.like:42")
        assert f"{ALICE} liked 42" in shown(await answer(again))
        refused = await fake.press(BOB, message, "pc:probe.purge:42")
        assert "Only moderators can use this button" in shown(await answer(refused))
        purged = await fake.press(MODERATOR, message, "pc:probe.purge:42")
        assert "purged 42" in shown(await answer(purged))
    finally:
        assert await process.stop() == 0


async def test_moderator_commands_are_checked_at_run_time(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    # The fake, like a server admin's override, lets a plain member invoke /setup.
    refused = await fake.slash(ALICE, "setup", "show")
    assert "Only moderators can use `/setup show`" in shown(await answer(refused))
    allowed = await fake.slash(MODERATOR, "setup", "show")
    assert "Only moderators" not in shown(await answer(allowed))


async def test_a_dm_and_a_refused_dm_that_falls_back_to_a_private_thread(
    fake: FakeDiscord, bot: BotProcess, tmp_path: Path
) -> None:
    configured = await fake.slash(MODERATOR, "setup", "channels", {"announcements": ANNOUNCEMENTS})
    assert "Channels updated" in shown(await answer(configured))

    sent = await fake.slash(MODERATOR, "probe", "dm", {"who": ALICE})
    assert "dm sent" in shown(await answer(sent))
    dm_channel = fake.dm_channel_of(ALICE)
    assert dm_channel is not None
    assert [m["content"] for m in fake.messages(dm_channel)] == ["hello from probe"]

    fake.refuse_dms(BOB)
    fell_back = await fake.slash(MODERATOR, "probe", "dm", {"who": BOB})
    assert "dm fallback" in shown(await answer(fell_back))
    refused = fake.calls_to("POST", r"^/channels/\d+/messages$")
    assert any(c.status == 403 for c in refused)
    thread = await fake.wait_for_call("POST", rf"^/channels/{ANNOUNCEMENTS}/threads$")
    assert thread.json["type"] == 12 and thread.json.get("invitable") is False
    await fake.wait_for_call("PUT", rf"^/channels/\d+/thread-members/{BOB}$")
    posted = await fake.wait_for_call("POST", r"^/channels/\d+/messages$", since=thread.index)
    assert f"<@{BOB}>" in shown(posted) and "hello from probe" in shown(posted)
    assert [int(u) for u in posted.json["allowed_mentions"]["users"]] == [BOB]
    # A second message while DMs stay closed goes to the same thread, not a new one.
    again = await fake.slash(MODERATOR, "probe", "dm", {"who": BOB})
    assert "dm fallback" in shown(await answer(again))
    assert len(fake.calls_to("POST", r"^/channels/\d+/threads$")) == 1
    assert posted.path == fake.calls_to("POST", r"^/channels/\d+/messages$")[-1].path

    assert await bot.stop() == 0
    rows = (
        sqlite3.connect(tmp_path / "preceptor.sqlite3")
        .execute("SELECT recipient, status, detail FROM outbox WHERE purpose = 'probe' ORDER BY id")
        .fetchall()
    )
    assert rows[0][:2] == (str(ALICE), "sent")
    assert rows[1][:2] == (str(BOB), "fallback") and "50007" in rows[1][2]
    assert rows[2][:2] == (str(BOB), "fallback")


async def test_a_member_join_is_welcomed_and_the_dm_button_opens_a_dialog(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    newcomer = 500000000000000099
    await fake.member_join(newcomer, "newcomer")
    sent = await fake.wait_for_call("POST", r"^/channels/\d+/messages$")
    assert "welcome newcomer" in shown(sent)
    guild_button = f"pc@{fake.guild_id}:form.open:probe.note"
    assert custom_ids(sent) == [guild_button]  # a DM says which community it is from
    pressed = await fake.press(newcomer, _message(sent), guild_button)
    dialog = (await pressed.first_response()).json
    assert dialog["type"] == MODAL and dialog["data"]["custom_id"] == (
        f"pf@{fake.guild_id}:probe.note:0"
    )
    submitted = await fake.submit_modal(
        newcomer, dialog["data"]["custom_id"], {"subject": "Hi", "text": "new here"}, in_dm=True
    )
    assert "note Hi: new here" in shown((await submitted.wait_responses(3))[2])


async def test_a_rate_limit_is_waited_out(fake: FakeDiscord, bot: BotProcess) -> None:
    fake.rate_limit_once("POST", r"^/channels/\d+/messages$", retry_after=0.6)
    sent = await fake.slash(MODERATOR, "probe", "dm", {"who": ALICE})
    assert "dm sent" in shown(await answer(sent))
    limited, retried = fake.calls_to("POST", r"^/channels/\d+/messages$")[:2]
    assert limited.status == 429 and retried.status == 200
    assert retried.at - limited.at >= 0.6


async def test_the_gateway_resumes_after_a_disconnect(fake: FakeDiscord, bot: BotProcess) -> None:
    await fake.drop_gateway()
    for _ in range(200):
        if fake.resumes:
            break
        await asyncio.sleep(0.05)
    assert fake.resumes == 1 and fake.identifies == 1
    after = await fake.slash(ALICE, "help")
    assert "/probe" in shown(await answer(after))


async def test_a_slow_handler_is_still_deferred_within_the_deadline(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    handle = await fake.slash(ALICE, "probe", "slow", {"seconds": 4})
    first = await handle.first_response()
    assert first.at - handle.sent_at < DEADLINE
    final = await answer(handle)
    assert final.at - handle.sent_at >= 4 and "slow done" in shown(final)


async def test_a_reply_after_the_token_expired_goes_by_dm(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    # Created 14m45s ago: still deferrable, but too old for a follow-up to be safe.
    handle = await fake.slash(ALICE, "probe", "refuse", age=14 * 60 + 45)
    assert (await handle.first_response()).json["type"] == DEFERRED
    dm = await fake.wait_for_call("POST", r"^/channels/\d+/messages$")
    assert "Not today." in shown(dm)
    assert len(handle.responses()) == 1  # no follow-up on the stale token


async def test_a_form_longer_than_a_dialog_comes_in_pages(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    opened = await fake.slash(ALICE, "probe", "profile")
    first = (await opened.first_response()).json
    assert first["type"] == MODAL and first["data"]["custom_id"] == "pf:probe.profile:0"
    assert len(first["data"]["components"]) == 5  # Discord's limit per dialog
    part = await fake.submit_modal(
        ALICE, "pf:probe.profile:0", {f"field{n}": f"v{n}" for n in range(1, 6)}
    )
    saved = await part.first_response()
    assert "Part 1 of 2 is saved" in shown(saved)
    assert custom_ids(saved) == ["pn:probe.profile:1"]
    second = await fake.press(ALICE, _message(saved), "pn:probe.profile:1")
    page = (await second.first_response()).json
    assert page["type"] == MODAL and len(page["data"]["components"]) == 2
    done = await fake.submit_modal(ALICE, "pf:probe.profile:1", {"field6": "v6", "field7": "v7"})
    text = shown(await answer(done))
    assert text == " ".join(f"field{n}=v{n}" for n in range(1, 8))


async def test_autocomplete_suggests_from_data_and_nothing_to_members_for_mod_commands(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    asked = await fake.autocomplete(MODERATOR, "setup", "timezone", {"zone": "chica"}, "zone")
    suggestions = (await asked.first_response()).json
    assert suggestions["type"] == 8
    assert {"name": "America/Chicago", "value": "America/Chicago"} in suggestions["data"]["choices"]
    hidden = await fake.autocomplete(ALICE, "setup", "timezone", {"zone": "chica"}, "zone")
    assert (await hidden.first_response()).json["data"]["choices"] == []


async def test_bulk_dms_are_paced(fake: FakeDiscord, tmp_path: Path) -> None:
    process = BotProcess(fake, tmp_path)
    process.env["DISCORD_DM_RATE"] = "5"
    await process.start()
    try:
        sent = await fake.slash(ALICE, "probe", "broadcast", {"count": 15})
        assert "sent 15" in shown(await answer(sent))
        sends = [c for c in fake.calls_to("POST", r"^/channels/\d+/messages$") if c.status == 200]
        assert len(sends) == 15
        # Five at once, then five a second: fifteen take at least two seconds.
        assert sends[-1].at - sends[0].at >= 1.9
    finally:
        assert await process.stop() == 0


@pytest.mark.parametrize("shards", ["auto", "2"])
async def test_a_sharded_bot_identifies_each_shard(tmp_path: Path, shards: str) -> None:
    server = FakeDiscord(shards=2)
    populate(server)
    await server.start()
    process = BotProcess(server, tmp_path)
    process.env["DISCORD_SHARDS"] = shards
    try:
        await process.start()
        # "auto" asks Discord how many shards to run; a fixed count does not.
        assert bool(server.calls_to("GET", r"^/gateway/bot$")) == (shards == "auto")
        assert server.identifies == 2
        handle = await server.slash(ALICE, "help")
        assert "/probe" in shown(await answer(handle))
    finally:
        assert await process.stop() == 0
        await server.stop()
    assert server.unknown == []


async def test_debug_logging_keeps_tokens_and_message_text_out(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    process = BotProcess(fake, tmp_path)
    process.env["LOG_LEVEL"] = "DEBUG"
    await process.start()
    try:
        handle = await fake.slash(ALICE, "probe", "all", {"title": "canary-title-8841"})
        await answer(handle)
        sent = await fake.slash(MODERATOR, "probe", "dm", {"who": ALICE})
        await answer(sent)
    finally:
        assert await process.stop() == 0
    log = process.log()
    assert "DEBUG" in log  # the level took effect for our own loggers
    for secret in (TOKEN, handle.token, sent.token, "canary-title-8841", "hello from probe"):
        assert secret not in log


async def test_a_stop_lets_interactions_under_way_answer(fake: FakeDiscord, tmp_path: Path) -> None:
    process = BotProcess(fake, tmp_path)
    await process.start()
    handle = await fake.slash(ALICE, "probe", "slow", {"seconds": 2})
    await handle.first_response()
    assert await process.stop() == 0  # SIGTERM while the handler still sleeps
    [_, final] = handle.responses()
    assert "slow done" in shown(final)


async def test_an_intro_is_posted_in_the_introductions_channel(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    configured = await fake.slash(MODERATOR, "setup", "channels", {"introductions": INTRODUCTIONS})
    assert "Channels updated" in shown(await answer(configured))
    intro = {
        "name": "Alice Ng",
        "pronouns": "she/her",
        "stage": "medical student",
        "interests": "pediatric anesthesiology",
        "identities": "SGM",
    }
    for about, refused in (
        ("MS2. Hi <@&123456789012345678>!", "`about` can't mention roles"),
        ("MS2. Hello @everyone", "`about` can't mention @everyone"),
    ):
        posted = await fake.slash(ALICE, "intro", "post", {**intro, "about": about})
        assert refused in shown(await answer(posted))
    assert fake.messages(INTRODUCTIONS) == []  # nothing half-written
    posted = await fake.slash(ALICE, "intro", "post", {**intro, "about": "MS2 who loves the OR."})
    assert "Your intro is posted in" in shown(await answer(posted))
    [message] = fake.messages(INTRODUCTIONS)
    [embed] = message["embeds"]
    assert (
        embed["title"] == "Alice Ng (she/her)" and "MS2 who loves the OR." in embed["description"]
    )
    assert "SGM" not in json.dumps(message)  # identities are private unless shown
    request = fake.message_request(int(message["id"]))
    assert request["allowed_mentions"]["parse"] == []  # nothing in an intro pings anyone
