"""Files on Slack, end to end: a reply's file really arrives, through slack_sdk's
files_upload_v2 (files.getUploadURLExternal, the bytes, files.completeUploadExternal)
against the fake.

A Slack message cannot carry a file, and an ephemeral one cannot show one at all: a DM or
a post gets the file uploaded right after the message; a private reply sends the file to
the member's DM and says so. The bot runs as users run it, with a test-only `/files`
feature (this module is also that plugin: `FEATURES=...,tests.test_slack_files`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Context
from bot.core import Core
from bot.feature import Feature
from bot.model import Args, Attachment, Button, Option, OptionType, Reply
from bot.slack.transport import SlackTransport
from storage.models import Scope
from tests.fakes.slack import GENERAL_CHANNEL_ID, Call, FakeSlack
from tests.slack_bot import ALICE, ANNOUNCEMENTS, BOB, MODERATOR, SlackBot, serve_fake
from tests.test_mentorship_slack import OFFER
from tests.test_slack_surface import buttons, check_log, text_of

# Binary on purpose: NULs, bytes that are not UTF-8, every byte value.
CHART = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40 + b"\x00\xff\xfe"
CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Preceptor//test//EN\r\nEND:VCALENDAR\r\n"
CLOSED = "UCLOSED01"
NOBOT = "CNOBOT001"
SCOPE = Scope("slack", "T0PRECEPT")


def chart() -> Attachment:
    return Attachment("chart.png", CHART, "image/png")


def setup(core: Core) -> Feature:
    """`/files ...`: replies, DMs and posts that carry a file (loaded by the bot process)."""
    feature = Feature("files", group="files", description="Replies with files (tests)")

    @feature.command("private", "A private reply with a chart")
    async def private(ctx: Context, args: Args) -> Reply:
        return Reply(
            "Your chart is ready.",
            title="Chart",
            file=chart(),
            buttons=[Button("Again", "files.again", "1")],
        )

    @feature.command("public", "A public reply with a calendar")
    async def public(ctx: Context, args: Args) -> Reply:
        return Reply.public(
            "The calendar for everyone.", file=Attachment("events.ics", CALENDAR, "text/calendar")
        )

    @feature.command(
        "dm", "DM a member a chart", options=(Option("who", "Member", OptionType.MEMBER),)
    )
    async def dm(ctx: Context, args: Args) -> Reply:
        who = args.member("who")
        assert who is not None
        reply = Reply("A chart for you.", file=chart(), buttons=[Button("Again", "files.again")])
        outcome = await ctx.dm(who.user_id, reply, purpose="files.dm")
        return Reply(f"dm {outcome.status}")

    @feature.command(
        "post", "Post a chart", options=(Option("where", "Channel", OptionType.CHANNEL),)
    )
    async def post(ctx: Context, args: Args) -> Reply:
        where = args.channel("where")
        assert where is not None
        reply = Reply.public("This week's chart.", file=chart())
        outcome = await core.delivery.post(ctx.scope, where.channel_id, reply, purpose="files")
        return Reply(f"post {outcome.status}")

    @feature.action("again")
    async def again(ctx: Context, target: str) -> Reply:
        return Reply("Here it is again.", file=chart())

    return feature


fake = pytest.fixture(serve_fake)


@pytest.fixture
async def bot(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackBot]:
    fake.add_user(CLOSED, "carol", blocks_dms=True)
    fake.add_channel(NOBOT, "no-bot-here", members=[ALICE], bot_member=False)
    process = SlackBot(fake, tmp_path)
    process.env["FEATURES"] += ",tests.test_slack_files"
    await process.start()
    try:
        yield process
    finally:
        assert await process.stop() == 0
        check_bot(process, fake)


def check_bot(process: SlackBot, fake: FakeSlack) -> None:
    check_log(process, fake)
    log = process.log()
    for secret_text in ("Your chart is ready", "A chart for you", "BEGIN:VCALENDAR", "IHDR"):
        assert secret_text not in log  # no message text, no file contents
    assert fake.rejected == [], fake.rejected
    assert fake.errors == [], fake.errors


async def run(fake: FakeSlack, user: str, text: str, channel: str = GENERAL_CHANNEL_ID) -> Call:
    since = len(fake.responses)
    await fake.slash(user, "/files", text, channel_id=channel)
    return await fake.wait_for_response(since=since)


def uploads_only(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("upload")]


# ---------------------------------------------------------------------- private replies


async def test_a_private_reply_with_a_file_sends_it_by_dm_and_says_so(
    fake: FakeSlack, bot: SlackBot
) -> None:
    answer = await run(fake, ALICE, "private")
    assert answer.args["response_type"] == "ephemeral"
    shown = text_of(answer.args)
    assert "Your chart is ready." in shown
    assert "I sent chart.png to you in a DM." in shown
    assert "Attached" not in shown
    assert [b["text"]["text"] for b in buttons(answer.args)] == ["Again"]

    dm = fake.dm_channel_of(ALICE)
    assert dm is not None
    [sent] = fake.files(dm)  # uploaded before the ephemeral said so
    assert sent["name"] == "chart.png" and sent["title"] == "chart.png"
    assert sent["content"] == CHART and sent["size"] == len(CHART)
    assert sent["mimetype"] == "image/png" and sent["channel"] == dm
    [shared] = uploads_only(fake.messages(dm))
    assert [f["id"] for f in shared["files"]] == [sent["id"]]
    # the three steps of files_upload_v2; the bytes went without the token
    assert [c.method for c in fake.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    [upload] = fake.uploads
    assert upload.status == 200 and upload.token == "none"
    assert upload.args["size"] == len(CHART)

    # A button's private answer goes the same way.
    since = len(fake.responses)
    await fake.press(ALICE, fake.ephemerals(ALICE)[-1], "pc:0")
    pressed = await fake.wait_for_response(since=since)
    assert "I sent chart.png to you in a DM." in text_of(pressed.args)
    assert [f["content"] for f in fake.files(dm)] == [CHART, CHART]
    assert [f["channel"] for f in fake.files()] == [dm, dm]  # never in #general


@pytest.mark.parametrize("error", ["user_disabled", "messages_tab_disabled"])
async def test_a_refused_dm_is_said_in_the_private_reply(
    fake: FakeSlack, tmp_path: Path, error: str
) -> None:
    member = "UREFUSE01"
    fake.add_user(member, "dana", blocks_dms=True, dm_error=error)
    process = SlackBot(fake, tmp_path)
    process.env["FEATURES"] += ",tests.test_slack_files"
    await process.start()
    try:
        answer = await run(fake, member, "private")
        shown = text_of(answer.args)
        assert answer.args["response_type"] == "ephemeral"
        assert "Your chart is ready." in shown  # the reply itself still arrives
        assert "I couldn't send you chart.png" in shown and error in shown
        assert "I sent" not in shown
        assert fake.files() == []
    finally:
        assert await process.stop() == 0
    check_bot(process, fake)


# ---------------------------------------------------------------------- DMs and posts


async def test_a_dm_with_a_file_has_the_message_then_the_file(
    fake: FakeSlack, bot: SlackBot
) -> None:
    answer = await run(fake, ALICE, f"dm who:<@{BOB}>")
    assert "dm sent" in text_of(answer.args)
    dm = fake.dm_channel_of(BOB)
    assert dm is not None
    message, shared = fake.messages(dm)
    assert "A chart for you." in text_of(message) and "Attached" not in text_of(message)
    assert [b["text"]["text"] for b in buttons(message)] == ["Again"]
    [sent] = fake.files(dm)
    assert shared["upload"] and shared["files"][0]["id"] == sent["id"]
    assert float(shared["ts"]) > float(message["ts"]) and "thread_ts" not in shared
    assert (sent["name"], sent["content"]) == ("chart.png", CHART)
    assert fake.files(fake.dm_channel_of(ALICE) or "none") == []


async def test_a_dm_refused_with_a_file_is_still_reported(fake: FakeSlack, bot: SlackBot) -> None:
    answer = await run(fake, ALICE, f"dm who:<@{CLOSED}>")
    assert "dm sent" not in text_of(answer.args)
    assert fake.files() == []


async def test_a_channel_post_with_a_file(fake: FakeSlack, bot: SlackBot) -> None:
    answer = await run(fake, MODERATOR, f"post where:<#{ANNOUNCEMENTS}>")
    assert "post sent" in text_of(answer.args)
    message, shared = fake.messages(ANNOUNCEMENTS)
    assert "This week's chart." in text_of(message) and "Attached" not in text_of(message)
    [sent] = fake.files(ANNOUNCEMENTS)
    assert shared["files"][0]["id"] == sent["id"]
    assert (sent["name"], sent["content"], sent["channel"]) == ("chart.png", CHART, ANNOUNCEMENTS)


async def test_a_public_reply_shares_its_file_in_the_channel_or_by_dm(
    fake: FakeSlack, bot: SlackBot
) -> None:
    answer = await run(fake, ALICE, "public")
    assert answer.args["response_type"] == "in_channel"
    assert "Attached" not in text_of(answer.args)
    [sent] = await fake.wait_for_file(GENERAL_CHANNEL_ID)
    assert (sent["name"], sent["content"]) == ("events.ics", CALENDAR)
    assert sent["mimetype"] == "text/calendar"

    # A channel the app is not in: the reply goes out, the file goes to the member's DM.
    since = len(fake.responses)
    await fake.slash(ALICE, "/files", "public", channel_id=NOBOT)
    await fake.wait_for_response(since=since)
    note = await fake.wait_for_response(since=since + 1)
    assert note.args["response_type"] == "ephemeral"
    shown = text_of(note.args)
    assert "I couldn't share events.ics in this channel (not_in_channel)." in shown
    assert "I sent events.ics to you in a DM." in shown
    dm = fake.dm_channel_of(ALICE)
    assert dm is not None
    assert [f["content"] for f in fake.files(dm)] == [CALENDAR]
    assert fake.files(NOBOT) == []


# ---------------------------------------------------------------------- the real case


async def test_the_mentor_report_chart_reaches_the_moderator_by_dm(
    fake: FakeSlack, bot: SlackBot
) -> None:
    since = len(fake.responses)
    await fake.slash(BOB, "/mentor", OFFER)
    assert "Your mentor offer is saved" in text_of((await fake.wait_for_response(since=since)).args)

    since = len(fake.responses)
    await fake.slash(MODERATOR, "/mentor", "report")
    report = await fake.wait_for_response(since=since)
    shown = text_of(report.args)
    assert "Mentor matching report" in shown
    assert "I sent mentor-load.png to you in a DM." in shown
    dm = fake.dm_channel_of(MODERATOR)
    assert dm is not None
    [sent] = fake.files(dm)
    assert sent["name"] == "mentor-load.png" and sent["mimetype"] == "image/png"
    assert sent["content"].startswith(b"\x89PNG\r\n\x1a\n") and sent["size"] > 1000


# ---------------------------------------------------------------------- transport alone


@pytest.fixture
async def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)


async def test_a_file_that_cannot_follow_its_message_is_noted_on_it(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    transport = SlackTransport(client)
    fake.fail_once("files.completeUploadExternal", status=500)
    ref = await transport.post(SCOPE, ANNOUNCEMENTS, Reply.public("Chart below.", file=chart()))
    channel, _, ts = ref.partition("/")
    [message] = fake.messages(channel)
    assert message["ts"] == ts
    assert "The file chart.png could not be attached (internal_error)." in text_of(message)
    assert fake.files() == []


async def test_an_edit_with_a_file_puts_it_in_the_thread(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    transport = SlackTransport(client)
    ref = await transport.post(SCOPE, ANNOUNCEMENTS, Reply.public("No chart yet."))
    await transport.edit(SCOPE, ref, Reply.public("Chart in the thread.", file=chart()))
    [sent] = fake.files(ANNOUNCEMENTS)
    assert sent["thread_ts"] == ref.partition("/")[2] and sent["content"] == CHART
    assert "Chart in the thread." in text_of(fake.messages(ANNOUNCEMENTS)[0])


async def test_an_ephemeral_fallback_tries_the_file_by_dm(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.add_user(CLOSED, "carol", blocks_dms=True)
    transport = SlackTransport(client)
    await transport.post_private(SCOPE, GENERAL_CHANNEL_ID, CLOSED, Reply("Yours.", file=chart()))
    [shown] = fake.ephemerals(CLOSED)
    assert "I couldn't send you chart.png" in text_of(shown) and "user_disabled" in text_of(shown)
    await transport.post_private(SCOPE, GENERAL_CHANNEL_ID, ALICE, Reply("Yours.", file=chart()))
    assert "I sent chart.png to you in a DM." in text_of(fake.ephemerals(ALICE)[-1])
    assert [f["channel"] for f in fake.files()] == [fake.dm_channel_of(ALICE)]


# ---------------------------------------------------------------------- the fake's files API


async def test_the_fake_upload_flow_and_its_errors(fake: FakeSlack, client: AsyncWebClient) -> None:
    done = await client.files_upload_v2(
        channel=ANNOUNCEMENTS,
        content=CALENDAR,
        filename="events.ics",
        title="Events",
        initial_comment="The calendar",
    )
    assert done["file"]["title"] == "Events"
    [sent] = fake.files(ANNOUNCEMENTS)
    assert (sent["title"], sent["initial_comment"], sent["content"]) == (
        "Events",
        "The calendar",
        CALENDAR,
    )
    assert fake.messages(ANNOUNCEMENTS)[-1]["text"] == "The calendar"

    # No channel: a private file, shared nowhere.
    await client.files_upload_v2(content=b"x", filename="private.txt")
    assert fake.files()[-1]["channel"] is None

    # Completing twice, or an id never issued: file_not_found.
    with pytest.raises(SlackApiError) as twice:
        await client.files_completeUploadExternal(files=[{"id": sent["id"]}])
    assert twice.value.response["error"] == "file_not_found"
    with pytest.raises(SlackApiError) as unknown:
        await client.files_completeUploadExternal(files=[{"id": "F0NOPE"}])
    assert unknown.value.response["error"] == "file_not_found"

    # Not uploaded yet: not found either.
    issued = await client.files_getUploadURLExternal(filename="a.txt", length=3)
    with pytest.raises(SlackApiError) as early:
        await client.files_completeUploadExternal(files=[{"id": issued["file_id"]}])
    assert early.value.response["error"] == "file_not_found"

    # A channel the bot is not in, and one that does not exist.
    fake.add_channel(NOBOT, "no-bot-here", bot_member=False)
    for channel, error in ((NOBOT, "not_in_channel"), ("C0MISSING", "channel_not_found")):
        with pytest.raises(SlackApiError) as refused:
            await client.files_upload_v2(channel=channel, content=b"abc", filename="a.txt")
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as missing:
        await client.files_getUploadURLExternal(filename="a.txt", length=None)  # type: ignore[arg-type]
    assert missing.value.response["error"] == "invalid_arguments"
    assert fake.unknown == [] and fake.errors == [] and fake.rejected == []


async def test_the_fake_takes_multipart_uploads_once(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    issued = await client.files_getUploadURLExternal(filename="chart.png", length=len(CHART))
    async with aiohttp.ClientSession() as session:
        form = aiohttp.FormData()
        form.add_field("filename", "chart.png")
        form.add_field("file", CHART, filename="chart.png", content_type="image/png")
        async with session.post(issued["upload_url"], data=form) as response:
            assert response.status == 200
            assert await response.text() == f"OK - {len(CHART)}"
        async with session.post(issued["upload_url"], data=b"again") as response:
            assert response.status == 400
    await client.files_completeUploadExternal(
        files=[{"id": issued["file_id"], "title": "Chart"}], channel_id=GENERAL_CHANNEL_ID
    )
    sent = fake.file(str(issued["file_id"]))
    assert sent is not None and sent["content"] == CHART and sent["title"] == "Chart"
    assert [u.status for u in fake.uploads] == [200, 400]
