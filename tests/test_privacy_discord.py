"""End to end: /privacy through the real discord.py client, against a fake Discord.

A member with a long, unusual id posts an intro and asks for a mentor, with canary words
in both. `/privacy show` tells her privately what is stored and what it is used for;
`/privacy export` sends her a JSON file by DM, and nothing public; `/privacy delete`
asks for a confirmation button, and pressing "Erase my data" takes her intro post down on
Discord, tells the moderator log that an erasure happened (without saying who), and
leaves neither her id nor her words in the bot's SQLite file. The bot runs in its own
process (`python -m bot run`); every assertion is on what the fake received, that is,
on what members would see, and on the database file the process left behind.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.discord_bot import INTRODUCTIONS, MODERATOR, MODLOG, SEND_MESSAGES, TOKEN, BotProcess
from tests.discord_bot import serve_fake as _serve_fake
from tests.fakes.discord import Call, FakeDiscord, InteractionHandle
from tests.test_discord_surface import EPHEMERAL, answer, shown
from tests.test_mentorship_discord import buttons_of, message_text, titled

# A member of her own, with an id nothing else in the run could share by accident.
MEMBER = 987654321098765432
MEMBER_NAME = "quillonvex"
INTRO_NAME = "Quillon Vexmarrow"
ABOUT = "MS2 who grows xanthoria lichens and hums periwinkle fugues."
INTERESTS = "bryophyte anesthesiology"
GOALS = "Understand why zymurgical residents nap in the anteroom."
CANARIES = ("Vexmarrow", "xanthoria", "periwinkle", "bryophyte", "zymurgical", MEMBER_NAME)


async def _fake() -> AsyncIterator[FakeDiscord]:
    async for server in _serve_fake():
        server.add_member(MEMBER, MEMBER_NAME, permissions=SEND_MESSAGES)
        yield server


fake = pytest.fixture(_fake)


async def answered(handle: InteractionHandle) -> Call:
    """The final answer to a command or button: deferred privately, then edited in."""
    final = await answer(handle)
    [deferral] = [c for c in handle.responses() if c.path.endswith("/callback")]
    assert deferral.json["data"]["flags"] & EPHEMERAL, deferral.json  # only she sees it
    assert final.method == "PATCH" and final.path.endswith("/messages/@original"), final
    return final


def stored(call: Call) -> dict[str, Any]:
    """The message an answer made, as the fake stored it (to press its buttons)."""
    assert isinstance(call.response, dict) and "id" in call.response, call
    return call.response


def guild_messages_with_files(fake: FakeDiscord) -> list[Call]:
    """Every call that put a file anywhere but a DM."""
    dm = f"/channels/{fake.dm_channel_of(MEMBER)}/messages"
    return [
        call
        for call in fake.calls
        if call.files
        and (call.path != dm or "guild_id" in (call.response or {}))  # a webhook, a channel
    ]


def public_counts(fake: FakeDiscord) -> dict[int, int]:
    """How many messages everyone in each server channel can read."""
    return {
        channel_id: sum(1 for m in fake.messages(channel_id) if not m["flags"] & EPHEMERAL)
        for channel_id in fake.channel_ids()
    }


def database_bytes(data_dir: Path) -> bytes:
    """The SQLite file the bot process left (with any -wal/-shm beside it)."""
    files = sorted(data_dir.glob("preceptor.sqlite3*"))
    assert data_dir / "preceptor.sqlite3" in files, files
    return b"".join(path.read_bytes() for path in files)


async def test_a_member_sees_exports_and_erases_her_data(fake: FakeDiscord, tmp_path: Path) -> None:
    process = BotProcess(fake, tmp_path)
    await process.start()
    try:
        configured = await fake.slash(
            MODERATOR, "setup", "channels", {"introductions": INTRODUCTIONS, "modlog": MODLOG}
        )
        assert "Channels updated" in shown(await answer(configured))

        # ----- her intro, public in #introductions, and a mentor request --------------------
        posted = await fake.slash(
            MEMBER,
            "intro",
            "post",
            {
                "name": INTRO_NAME,
                "pronouns": "she/her",
                "stage": "medical student",
                "interests": INTERESTS,
                "about": ABOUT,
                "identities": "SGM",
            },
        )
        assert "Your intro is posted in" in shown(await answer(posted))
        [intro_post] = fake.messages(INTRODUCTIONS)
        assert ABOUT in message_text(intro_post)
        requested = await fake.slash(
            MEMBER,
            "mentor",
            "request",
            {
                "interests": INTERESTS,
                "stage": "medical student",
                "goals": GOALS,
                "timezone": "America/Chicago",
            },
        )
        assert "mentor" in shown(await answer(requested)).lower()
        # The database does hold her now (so the check after erasing can fail).
        before = database_bytes(tmp_path)
        for held in (str(MEMBER), *CANARIES):
            assert held.encode() in before, held

        # ----- /privacy show: privately, what is stored and what it is used for -----------
        overview = shown(await answered(await fake.slash(MEMBER, "privacy", "show")))
        assert "Your data" in overview, overview
        assert "Stored about you here:" in overview
        assert "Intro identities" in overview and "Mentor and mentee identities" in overview
        assert "`/privacy export`" in overview and "`/privacy delete`" in overview

        # ----- /privacy export: a JSON file in her DMs, nothing public --------------------
        public_before = public_counts(fake)
        exported = shown(await answered(await fake.slash(MEMBER, "privacy", "export")))
        assert "Your data export is in your DMs." in exported, exported
        dm = fake.dm_channel_of(MEMBER)
        assert dm is not None
        [export_dm] = titled(fake.dm_messages(MEMBER), "Your data export")
        [attachment] = export_dm["attachments"]
        assert attachment["filename"].startswith("preceptor-data-")
        assert attachment["filename"].endswith(".json")
        [sent] = [c for c in fake.calls_to("POST", rf"^/channels/{dm}/messages$") if c.files]
        [(filename, content)] = sent.files
        assert filename == attachment["filename"]
        document = json.loads(content.decode("utf-8"))
        assert document["you"] == str(MEMBER)
        assert document["community"] == {"platform": "discord", "id": str(fake.guild_id)}
        as_text = json.dumps(document, ensure_ascii=False)
        assert ABOUT in as_text and GOALS in as_text and INTRO_NAME in as_text
        # Nowhere else: no file outside her DM, no new message in any server channel.
        assert guild_messages_with_files(fake) == []
        after = public_counts(fake)
        assert after == public_before, (public_before, after)
        for channel_id in fake.channel_ids():
            for message in fake.messages(channel_id):
                if not message["flags"] & EPHEMERAL:
                    assert GOALS not in json.dumps(message), message
                    assert message["attachments"] == [], message

        # ----- /privacy delete: a confirmation, then the erasure --------------------------
        asked = await answered(await fake.slash(MEMBER, "privacy", "delete"))
        assert "Erase your data?" in shown(asked)
        confirm = stored(asked)
        assert confirm["flags"] & EPHEMERAL
        labels = [label for label, _ in buttons_of(confirm)]
        assert labels == ["Erase my data", "Cancel"], labels
        erase_id, cancel_id = (custom_id for _, custom_id in buttons_of(confirm))
        assert ":privacy.erase:" in erase_id and ":privacy.cancel:" in cancel_id

        # Cancel erases nothing and leaves the intro where it was.
        cancelled = shown(await answered(await fake.press(MEMBER, confirm, cancel_id)))
        assert "Nothing was erased." in cancelled
        assert fake.message(int(intro_post["id"])) is not None

        mark = len(fake.calls)
        erased = shown(await answered(await fake.press(MEMBER, confirm, erase_id)))
        assert "Your data is erased" in erased, erased

        # The intro post is taken down on Discord.
        [deleted] = [
            c
            for c in fake.calls_to(
                "DELETE", rf"^/channels/{INTRODUCTIONS}/messages/{intro_post['id']}$"
            )
            if c.index >= mark
        ]
        assert deleted.status == 204, deleted.response
        assert fake.message(int(intro_post["id"])) is None
        assert fake.messages(INTRODUCTIONS) == []

        # Moderators learn that an erasure happened, not whose.
        told = await fake.wait_for_call("POST", rf"^/channels/{MODLOG}/messages$", since=mark)
        assert "A member erased their data with /privacy delete." in shown(told)
        assert str(MEMBER) not in json.dumps(told.json)
        [logged] = [
            m
            for m in fake.messages(MODLOG)
            if "A member erased their data with /privacy delete." in message_text(m)
        ]
        assert str(MEMBER) not in json.dumps(logged) and MEMBER_NAME not in json.dumps(logged)

        # Already while the bot runs, the erasure left nothing behind in the file or in its
        # write-ahead log (which it truncated), not only once the process checkpoints it.
        live = database_bytes(tmp_path)
        assert str(MEMBER).encode() not in live
        for word in CANARIES:
            assert word.lower().encode() not in live.lower(), word
    finally:
        code = await process.stop()  # SIGTERM: SQLite checkpoints its WAL on the way out
    log = process.log()
    assert code == 0, log
    assert TOKEN not in log
    assert "Ignoring exception" not in log and "Traceback" not in log, log
    for secret in (str(MEMBER), *CANARIES):  # the log says that it happened, never whose
        assert secret.lower() not in log.lower(), secret

    # ----- the database file: neither her id nor her words ---------------------------------
    raw = database_bytes(tmp_path)
    assert str(MEMBER).encode() not in raw
    for word in CANARIES:
        assert word.encode() not in raw, word
        assert word.lower().encode() not in raw.lower(), word
