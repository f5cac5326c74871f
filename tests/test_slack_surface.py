"""End to end: the real Bolt app in the bot process, against a fake Slack.

The bot runs as users run it (`python -m bot run`), in Socket Mode or in HTTP mode, with
its Web API pointed at the fake on 127.0.0.1. Every assertion is on what the fake received.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.surface import _key
from bot.slack.transport import SlackTransport
from storage.models import Scope
from tests.fakes.slack import Call, FakeSlack
from tests.slack_bot import ALICE, BOB, MODERATOR, SlackBot, serve_fake
from tests.test_slack_http import SECRET, generate

DEADLINE = 3.0


fake = pytest.fixture(serve_fake)


@pytest.fixture
async def bot(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackBot]:
    process = SlackBot(fake, tmp_path)
    await process.start()
    try:
        yield process
    finally:
        assert await process.stop() == 0
        check_log(process, fake)


def check_log(process: SlackBot, fake: FakeSlack) -> None:
    log = process.log()
    for secret in (fake.bot_token, fake.app_token, fake.signing_secret):
        assert secret not in log
    assert "Traceback" not in log, log


def text_of(payload: Any) -> str:
    """What a member reads in a message: its text and every text in its blocks."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(payload)
    return "\n".join(found)


def buttons(payload: Any) -> list[dict[str, Any]]:
    return [
        element
        for block in payload.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


async def reply_to(fake: FakeSlack, since: int) -> Call:
    return await fake.wait_for_response(since=since)


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_slash_command_with_options_is_acked_then_answered(
    fake: FakeSlack, tmp_path: Path, mode: str
) -> None:
    process = SlackBot(fake, tmp_path, http=mode == "http")
    await process.start()
    try:
        since = len(fake.responses)
        sent = await fake.slash(
            ALICE, "/probe", f"all title:hello count:3 pick:green who:<@{BOB}> flag:yes"
        )
        ack = await sent.acked()
        assert ack.at - sent.sent_at < DEADLINE
        answer = await reply_to(fake, since)
        shown = text_of(answer.args)
        assert "('count', 3)" in shown and "('pick', 'green')" in shown
        assert f"MemberRef(user_id='{BOB}'" in shown and "('flag', True)" in shown
        assert answer.args.get("response_type") == "ephemeral"
    finally:
        assert await process.stop() == 0
    check_log(process, fake)


async def test_bad_input_and_help(fake: FakeSlack, bot: SlackBot) -> None:
    since = len(fake.responses)
    await fake.slash(ALICE, "/probe", "all title:ok count:99")
    assert "`count` must be at most 10 (got 99)" in text_of((await reply_to(fake, since)).args)
    since = len(fake.responses)
    await fake.slash(ALICE, "/probe", "help")
    assert "/probe all title:<text>" in text_of((await reply_to(fake, since)).args)


async def test_a_command_opens_a_modal_with_inline_errors_then_runs(
    fake: FakeSlack, bot: SlackBot
) -> None:
    since = len(fake.calls)
    await fake.slash(ALICE, "/probe", "note subject:Rounds")
    opened = await fake.wait_for_call("views.open", since=since)
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "pf:probe.note"
    subject = next(b for b in view["blocks"] if b["block_id"] == "subject")
    assert subject["element"]["initial_value"] == "Rounds"
    mood = next(b for b in view["blocks"] if b["block_id"] == "mood")
    assert mood["element"]["type"] == "static_select"

    [shown] = fake.open_views(ALICE)
    refused = await fake.submit_view(ALICE, shown, {"subject": "x" * 3, "text": "   "})
    ack = (await refused.acked()).payload
    assert ack["response_action"] == "errors"
    assert ack["errors"] == {"text": "This is required."}

    since = len(fake.responses)
    done = await fake.submit_view(ALICE, shown, {"subject": "Rounds", "text": "bring snacks"})
    assert not (await done.acked()).payload  # an empty ack closes the modal
    answer = await reply_to(fake, since)
    assert "note Rounds: bring snacks" in text_of(answer.args)
    assert answer.args["response_type"] == "in_channel"
    assert [b["value"] for b in buttons(answer.args)] == ["probe.like:42", "probe.purge:42"]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url


async def test_buttons_work_before_and_after_a_restart_and_are_reauthorised(
    fake: FakeSlack, tmp_path: Path, database_url: str | None
) -> None:
    process = SlackBot(fake, tmp_path, database_url=database_url)
    await process.start()
    try:
        since = len(fake.responses)
        await fake.slash(ALICE, "/probe", 'note subject:Rounds text:"bring snacks"')
        message = (await reply_to(fake, since)).args
        since = len(fake.responses)
        await fake.press(BOB, message, buttons(message)[0]["action_id"])
        assert f"{BOB} liked 42" in text_of((await reply_to(fake, since)).args)

        assert await process.stop() == 0
        await process.start()  # a new process: nothing in memory survives

        since = len(fake.responses)
        await fake.press(ALICE, message, buttons(message)[0]["action_id"])
        assert f"{ALICE} liked 42" in text_of((await reply_to(fake, since)).args)
        since = len(fake.responses)
        await fake.press(BOB, message, buttons(message)[1]["action_id"])
        assert "Only moderators can use this button" in text_of((await reply_to(fake, since)).args)
        since = len(fake.responses)
        await fake.press(MODERATOR, message, buttons(message)[1]["action_id"])
        assert "purged 42" in text_of((await reply_to(fake, since)).args)
    finally:
        assert await process.stop() == 0
    check_log(process, fake)


async def test_moderator_commands_are_refused_to_members(fake: FakeSlack, bot: SlackBot) -> None:
    since = len(fake.responses)
    await fake.slash(ALICE, "/setup", "show")
    assert "Only moderators can use `/setup show`" in text_of((await reply_to(fake, since)).args)
    since = len(fake.responses)
    await fake.slash(MODERATOR, "/setup", "show")
    assert "Only moderators" not in text_of((await reply_to(fake, since)).args)


async def test_a_dm_and_a_group_dm(fake: FakeSlack, bot: SlackBot, tmp_path: Path) -> None:
    since = len(fake.responses)
    await fake.slash(MODERATOR, "/probe", f"dm who:<@{ALICE}>")
    assert "dm sent" in text_of((await reply_to(fake, since)).args)
    dm = fake.dm_channel_of(ALICE)
    assert dm is not None and "hello from probe" in text_of(fake.messages(dm))

    since = len(fake.responses)
    await fake.slash(ALICE, "/probe", f"pair who:<@{BOB}>")
    assert "pair sent" in text_of((await reply_to(fake, since)).args)
    group = fake.dm_channel_of(ALICE, BOB)
    assert group is not None and group != dm
    assert "meet each other" in text_of(fake.messages(group))


async def test_a_retried_delivery_changes_nothing(
    fake: FakeSlack, bot: SlackBot, tmp_path: Path
) -> None:
    joined = await fake.team_join("UNEW00001", "newcomer")
    await joined.acked()
    await fake.wait_for_call("chat.postMessage")
    retry = await fake.event(joined.event_payload, retry_of=joined)
    await retry.acked()
    since = len(fake.responses)
    sent = await fake.slash(ALICE, "/probe", "all title:once")
    await reply_to(fake, since)
    again = await fake.slash(ALICE, "/probe", "all title:once", retry_of=sent)
    await again.acked()
    await asyncio.sleep(1.0)  # give a wrongly repeated effect time to show
    assert await bot.stop() == 0
    welcomes = [c for c in fake.calls_to("chat.postMessage") if "welcome" in text_of(c.args)]
    assert len(welcomes) == 1
    audits = (
        sqlite3.connect(tmp_path / "preceptor.sqlite3")
        .execute("SELECT count(*) FROM audit_log WHERE action = 'probe.all'")
        .fetchone()
    )
    assert audits == (1,)
    assert len(fake.responses) == since + 1


async def test_rate_limits_and_server_errors_are_retried(fake: FakeSlack, bot: SlackBot) -> None:
    fake.fail_once("chat.postMessage", status=429, retry_after=1)
    fake.fail_once("conversations.open", status=502)  # the stock handler retries only 500, 503
    since = len(fake.responses)
    await fake.slash(MODERATOR, "/probe", f"dm who:<@{ALICE}>")
    assert "dm sent" in text_of((await reply_to(fake, since)).args)
    opens = fake.calls_to("conversations.open")
    assert [c.status for c in opens[-2:]] == [502, 200]
    posts = fake.calls_to("chat.postMessage")
    assert [c.status for c in posts[-2:]] == [429, 200]
    assert posts[-1].at - posts[-2].at >= 1.0


async def test_app_home_is_published_when_opened(fake: FakeSlack, bot: SlackBot) -> None:
    await fake.app_home_opened(ALICE)
    published = await fake.wait_for_call("views.publish")
    view = published.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    shown = text_of(view)
    assert "What you can do here" in shown and f"probe home for {ALICE}" in shown
    assert "/setup" not in shown  # a member is not offered moderator commands


async def test_a_thousand_bad_requests_to_http_mode_get_4xx_and_leave_no_trace(
    fake: FakeSlack, tmp_path: Path
) -> None:
    process = SlackBot(fake, tmp_path, http=True)
    process.env["LOG_LEVEL"] = "DEBUG"
    process.env["SLACK_SIGNING_SECRET"] = SECRET  # what the generator signs with
    await process.start()
    url = f"http://127.0.0.1:{process.port}/slack/events"
    rng = random.Random(4)
    try:
        async with aiohttp.ClientSession() as session:
            for n in range(1000):
                attempt = generate(rng, n)
                async with session.post(url, data=attempt.body, headers=attempt.headers) as answer:
                    assert 400 <= answer.status < 500, (attempt.kind, answer.status)
        assert "welcome" not in text_of([c.args for c in fake.calls])  # nothing got through
    finally:
        assert await process.stop() == 0
    log = process.log()
    assert "CANARY" not in log and " ERROR " not in log
    check_log(process, fake)


async def test_a_refused_dm_falls_back_to_an_ephemeral_in_the_announcements_channel(
    fake: FakeSlack, bot: SlackBot, tmp_path: Path
) -> None:
    fake.add_user("UCLOSED01", "closed", blocks_dms=True)
    # An ephemeral reaches only members of the channel, as in a real workspace.
    fake.add_channel("CEVERYONE", "everyone", members=[MODERATOR, ALICE, BOB, "UCLOSED01"])
    since = len(fake.responses)
    await fake.slash(MODERATOR, "/setup", "channels announcements:<#CEVERYONE>")
    assert "Channels updated" in text_of((await reply_to(fake, since)).args)
    since = len(fake.responses)
    await fake.slash(MODERATOR, "/probe", "dm who:<@UCLOSED01>")
    assert "dm fallback" in text_of((await reply_to(fake, since)).args)
    [shown] = [e for e in fake.ephemerals("UCLOSED01") if e["source"] == "chat.postEphemeral"]
    assert shown["channel"] == "CEVERYONE" and "hello from probe" in text_of(shown)
    assert await bot.stop() == 0
    [row] = (
        sqlite3.connect(tmp_path / "preceptor.sqlite3")
        .execute("SELECT status, detail FROM outbox WHERE recipient = 'UCLOSED01'")
        .fetchall()
    )
    assert row[0] == "fallback" and "user_disabled" in row[1]


async def test_posts_to_one_channel_are_paced(fake: FakeSlack, bot: SlackBot) -> None:
    since = len(fake.responses)
    await fake.slash(ALICE, "/probe", "broadcast count:3")
    assert "sent 3" in text_of((await reply_to(fake, since)).args)
    posts = [c for c in fake.calls_to("chat.postMessage") if "bulk" in text_of(c.args)]
    assert len(posts) == 3
    assert posts[-1].at - posts[0].at >= 1.9  # about one a second, Slack's limit


async def test_admin_rights_come_from_users_info_are_cached_and_fail_closed(
    fake: FakeSlack,
) -> None:
    client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)
    transport = SlackTransport(client)
    scope = Scope("slack", fake.team_id)
    assert await transport.is_admin(scope, MODERATOR) is True
    assert await transport.is_admin(scope, MODERATOR) is True
    assert len(fake.calls_to("users.info")) == 1  # trusted for five minutes
    assert await transport.is_admin(scope, ALICE) is False
    assert await transport.is_admin(scope, "UNOBODY01") is False  # user_not_found: no rights
    fresh = SlackTransport(client)  # nothing cached
    fake.fail_once("users.info", status=500)  # no retry handler here: the error surfaces
    assert await fresh.is_admin(scope, MODERATOR) is False  # an admin, but unconfirmed
    assert await fresh.is_admin(scope, MODERATOR) is True  # the failure was not cached


async def test_an_intro_is_posted_in_the_introductions_channel(
    fake: FakeSlack, bot: SlackBot
) -> None:
    fake.add_channel("CINTROS01", "introductions", members=[MODERATOR, ALICE, BOB])
    since = len(fake.responses)
    await fake.slash(MODERATOR, "/setup", "channels introductions:<#CINTROS01>")
    assert "Channels updated" in text_of((await reply_to(fake, since)).args)
    since = len(fake.responses)
    await fake.slash(
        ALICE,
        "/intro",
        'post name:"Alice Ng" pronouns:she/her stage:"medical student" '
        'interests:"pediatric anesthesiology" about:"MS2. Hi <!channel>" identities:SGM',
    )
    assert "`about` can't mention @everyone or @here" in text_of((await reply_to(fake, since)).args)
    assert fake.messages("CINTROS01") == []
    since = len(fake.responses)
    await fake.slash(
        ALICE,
        "/intro",
        'post name:"Alice Ng" pronouns:she/her stage:"medical student" '
        'interests:"pediatric anesthesiology" about:"MS2 who loves the OR, thanks <@UBOB00001>" '
        "identities:SGM",
    )
    assert "Your intro is posted in <#CINTROS01>" in text_of((await reply_to(fake, since)).args)
    [intro] = fake.messages("CINTROS01")
    shown = text_of(intro)
    assert "Alice Ng (she/her)" in shown and "MS2 who loves the OR" in shown
    assert "SGM" not in shown
    assert "<@UBOB00001>" not in shown  # a mention typed in an intro never pings


def test_deliveries_without_ids_never_share_a_dedupe_key() -> None:
    assert _key("trigger", None) is None and _key("event", "") is None
    assert _key("trigger", "13.4", None) == "trigger:13.4"
    assert _key("view", "V1", "h1") != _key("view", "V1", "h2")
