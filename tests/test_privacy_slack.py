"""End to end: /privacy through the real Bolt app, against a fake Slack.

A member with an unusual id posts an intro and asks for a mentor, with canary words in
both. `/privacy` tells her privately what is stored and what it is used for; `/privacy
export` uploads a JSON file into her DM with the app (files.getUploadURLExternal, the
bytes, files.completeUploadExternal), and nothing public; `/privacy delete` asks for a
confirmation button, and pressing "Erase my data" deletes her intro post (chat.delete),
tells the moderator log that an erasure happened (without saying who), and leaves
neither her id nor her words in the bot's SQLite file. The bot runs in its own process
(`python -m bot run`, Socket Mode); every assertion is on what the fake received, that
is, on what members would see, and on the database file the process left behind.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.slack import GENERAL_CHANNEL_ID, FakeSlack
from tests.slack_bot import ANNOUNCEMENTS, MODERATOR, SlackBot
from tests.slack_bot import serve_fake as _serve_fake
from tests.test_ama_slack import button, titled
from tests.test_slack_surface import buttons, check_log, text_of

# A member of her own, with an id nothing else in the run could share by accident.
MEMBER = "U0CANARY7Q3ZX9K"
MEMBER_NAME = "quillonvex"
INTRODUCTIONS = "CINTROS01"
MODLOG = "CMODLOG01"
INTRO_NAME = "Quillon Vexmarrow"
ABOUT = "MS2 who grows xanthoria lichens and hums periwinkle fugues."
INTERESTS = "bryophyte anesthesiology"
GOALS = "Understand why zymurgical residents nap in the anteroom."
CANARIES = ("Vexmarrow", "xanthoria", "periwinkle", "bryophyte", "zymurgical", MEMBER_NAME)
ERASED_LINE = "A member erased their data with /privacy delete."


async def _fake() -> AsyncIterator[FakeSlack]:
    async for server in _serve_fake():
        server.add_user(MEMBER, MEMBER_NAME)
        server.add_channel(INTRODUCTIONS, "introductions", members=[MODERATOR, MEMBER])
        server.add_channel(MODLOG, "modlog", private=True, members=[MODERATOR])
        yield server


fake = pytest.fixture(_fake)


async def run(fake: FakeSlack, user: str, command: str, text: str = "") -> dict[str, Any]:
    """`command text` as `user` in #general: the answer's body, which only they see."""
    since = len(fake.responses)
    await fake.slash(user, command, text, channel_id=GENERAL_CHANNEL_ID)
    answer = (await fake.wait_for_response(since=since)).args
    assert answer.get("response_type", "ephemeral") == "ephemeral", answer
    return answer


def database_bytes(data_dir: Path) -> bytes:
    """The SQLite file the bot process left (with any -wal/-shm beside it)."""
    files = sorted(data_dir.glob("preceptor.sqlite3*"))
    assert data_dir / "preceptor.sqlite3" in files, files
    return b"".join(path.read_bytes() for path in files)


async def test_a_member_sees_exports_and_erases_her_data(fake: FakeSlack, tmp_path: Path) -> None:
    process = SlackBot(fake, tmp_path)
    await process.start()
    try:
        configured = await run(
            fake,
            MODERATOR,
            "/setup",
            f"channels introductions:<#{INTRODUCTIONS}> modlog:<#{MODLOG}>",
        )
        assert "Channels updated" in text_of(configured)

        # ----- her intro, public in #introductions, and a mentor request --------------------
        posted = await run(
            fake,
            MEMBER,
            "/intro",
            f'post name:"{INTRO_NAME}" pronouns:she/her stage:"medical student" '
            f'interests:"{INTERESTS}" about:"{ABOUT}" identities:SGM',
        )
        assert f"Your intro is posted in <#{INTRODUCTIONS}>" in text_of(posted), posted
        [intro_post] = fake.messages(INTRODUCTIONS)
        assert ABOUT in text_of(intro_post)
        requested = await run(
            fake,
            MEMBER,
            "/mentor",
            f'request interests:"{INTERESTS}" stage:"medical student" goals:"{GOALS}" '
            "timezone:America/Chicago",
        )
        assert "mentor" in text_of(requested).lower(), requested
        # The database does hold her now (so the check after erasing can fail).
        before = database_bytes(tmp_path)
        for held in (MEMBER, *CANARIES):
            assert held.encode() in before, held

        # ----- /privacy: privately, what is stored and what it is used for ----------------
        overview = text_of(await run(fake, MEMBER, "/privacy"))
        assert "Your data" in overview, overview
        assert "Stored about you here:" in overview
        assert "Intro identities" in overview and "Mentor and mentee identities" in overview
        assert "`/privacy export`" in overview and "`/privacy delete`" in overview

        # ----- /privacy export: a JSON file in her DM with the app, nothing public --------
        posts_before = len(fake.calls_to("chat.postMessage"))
        exported = text_of(await run(fake, MEMBER, "/privacy", "export"))
        assert "Your data export is in your DMs." in exported, exported
        dm = fake.dm_channel_of(MEMBER)
        assert dm is not None
        [shared] = await fake.wait_for_file(dm)
        assert shared["channels"] == [dm]
        assert shared["name"].startswith("preceptor-data-") and shared["name"].endswith(".json")
        document = json.loads(shared["content"].decode("utf-8"))
        assert document["you"] == MEMBER
        assert document["community"] == {"platform": "slack", "id": fake.team_id}
        as_text = json.dumps(document, ensure_ascii=False)
        assert ABOUT in as_text and GOALS in as_text and INTRO_NAME in as_text
        [completed] = fake.calls_to("files.completeUploadExternal")
        assert completed.args.get("channel_id") == dm or completed.args.get("channels") == dm
        assert titled(fake.messages(dm), "Your data export"), fake.messages(dm)
        # Nowhere else: the only file is that one, and no new post outside her DM.
        assert fake.files() == [shared]
        for call in fake.calls_to("chat.postMessage")[posts_before:]:
            assert call.response["channel"] == dm, call
        for channel_id in (GENERAL_CHANNEL_ID, ANNOUNCEMENTS, INTRODUCTIONS, MODLOG):
            for message in fake.messages(channel_id):
                assert not message.get("files"), message
                assert GOALS not in json.dumps(message), message

        # ----- /privacy delete: a confirmation, then the erasure --------------------------
        asked = await run(fake, MEMBER, "/privacy", "delete")
        assert "Erase your data?" in text_of(asked)
        assert [b["text"]["text"] for b in buttons(asked)] == ["Erase my data", "Cancel"]
        erase = button(asked, "Erase my data")
        cancel = button(asked, "Cancel")
        assert erase["value"].startswith("privacy.erase:")
        assert cancel["value"].startswith("privacy.cancel")

        # Cancel erases nothing and leaves the intro where it was.
        since = len(fake.responses)
        await fake.press(MEMBER, asked, cancel["action_id"])
        cancelled = (await fake.wait_for_response(since=since)).args
        assert "Nothing was erased." in text_of(cancelled)
        assert fake.messages(INTRODUCTIONS) == [intro_post]

        mark = len(fake.calls)
        since = len(fake.responses)
        await fake.press(MEMBER, asked, erase["action_id"])
        erased = (await fake.wait_for_response(since=since)).args
        assert erased.get("response_type", "ephemeral") == "ephemeral", erased
        assert "Your data is erased" in text_of(erased), erased

        # The intro post is taken down on Slack.
        [deleted] = [c for c in fake.calls_to("chat.delete") if c.index >= mark]
        assert (deleted.args["channel"], deleted.args["ts"]) == (INTRODUCTIONS, intro_post["ts"])
        assert deleted.response["ok"] is True, deleted.response
        assert fake.messages(INTRODUCTIONS) == []

        # Moderators learn that an erasure happened, not whose.
        told = await fake.wait_for_call("chat.postMessage", since=mark)
        while told.args.get("channel") != MODLOG:
            told = await fake.wait_for_call("chat.postMessage", since=told.index + 1)
        assert ERASED_LINE in text_of(told.args), told.args
        [logged] = [m for m in fake.messages(MODLOG) if ERASED_LINE in text_of(m)]
        assert MEMBER not in json.dumps(logged) and MEMBER_NAME not in json.dumps(logged)
        assert MEMBER not in json.dumps(told.args)

        # Already while the bot runs, the erasure left nothing behind in the file or in its
        # write-ahead log (which it truncated), not only once the process checkpoints it.
        live = database_bytes(tmp_path)
        assert MEMBER.encode() not in live
        for word in CANARIES:
            assert word.lower().encode() not in live.lower(), word
    finally:
        assert await process.stop() == 0  # SIGTERM: SQLite checkpoints its WAL on the way out
    check_log(process, fake)
    log = process.log()
    for secret in (MEMBER, *CANARIES):  # the log says that it happened, never whose
        assert secret.lower() not in log.lower(), secret
    assert fake.rejected == [], fake.rejected
    assert fake.errors == [], fake.errors

    # ----- the database file: neither her id nor her words ---------------------------------
    raw = database_bytes(tmp_path)
    assert MEMBER.encode() not in raw
    for word in CANARIES:
        assert word.lower().encode() not in raw.lower(), word
