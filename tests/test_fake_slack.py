"""The real slack-bolt AsyncApp (1.30) and slack-sdk (3.47) run unmodified against the fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import GENERAL_CHANNEL_ID, FakeSlack

ALICE = "U0ALICE001"
BOB = "U0BOB00001"
CAROL = "U0CAROL001"
MOD = "U0MOD00001"
GONE = "U0GONE0001"

FORM = {
    "type": "modal",
    "callback_id": "intro-form",
    "private_metadata": "cohort-7",
    "title": {"type": "plain_text", "text": "Introduce yourself"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "name_input", "max_length": 40},
        },
        {
            "type": "input",
            "block_id": "track",
            "label": {"type": "plain_text", "text": "Track"},
            "element": {
                "type": "static_select",
                "action_id": "track_select",
                "options": [
                    {"text": {"type": "plain_text", "text": "Surgery"}, "value": "surgery"},
                    {"text": {"type": "plain_text", "text": "Pediatrics"}, "value": "peds"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "mentor",
            "optional": True,
            "label": {"type": "plain_text", "text": "Mentor"},
            "element": {"type": "users_select", "action_id": "mentor_user"},
        },
        {
            "type": "input",
            "block_id": "topics",
            "optional": True,
            "label": {"type": "plain_text", "text": "Topics"},
            "element": {
                "type": "checkboxes",
                "action_id": "topic_boxes",
                "options": [
                    {"text": {"type": "mrkdwn", "text": "*Research*"}, "value": "research"},
                    {"text": {"type": "plain_text", "text": "Match"}, "value": "match"},
                ],
            },
        },
    ],
}


def like_blocks(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "block_id": "body", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": "buttons",
            "elements": [
                {
                    "type": "button",
                    "action_id": "like",
                    "text": {"type": "plain_text", "text": "Like"},
                    "value": "42",
                    "style": "primary",
                }
            ],
        },
    ]


def build_app(fake: FakeSlack, seen: dict[str, Any]) -> AsyncApp:
    client = AsyncWebClient(
        token=fake.bot_token,
        base_url=fake.api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(
                max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.05)
            ),
        ],
    )
    app = AsyncApp(client=client, signing_secret=fake.signing_secret)

    @app.command("/ping")
    async def ping(ack: Any, respond: Any) -> None:
        await ack()
        await respond("pong")

    @app.command("/say")
    async def say_command(ack: Any, say: Any, command: dict[str, Any]) -> None:
        await ack("on it")
        await say(text=f"said: {command['text']}", blocks=like_blocks(command["text"]))

    @app.action("like")
    async def like(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()
        seen["press"] = body
        await respond(
            replace_original=True, text=f"liked {action['value']} by {body['user']['id']}"
        )

    @app.command("/form")
    async def form(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=FORM)

    @app.view("intro-form")
    async def intro_submitted(ack: Any, view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        if values["name"]["name_input"]["value"] == "bad":
            await ack(response_action="errors", errors={"name": "Pick another name"})
            return
        await ack()
        seen["submitted"] = view

    @app.command("/dm")
    async def dm(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        try:
            opened = await client.conversations_open(users=",".join(command["text"].split()))
            await client.chat_postMessage(channel=opened["channel"]["id"], text="hello there")
        except SlackApiError as exc:
            seen.setdefault("dm_errors", []).append(exc.response["error"])

    @app.command("/late")
    async def late(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await asyncio.sleep(float(body["text"]))
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=FORM)
        except SlackApiError as exc:
            seen["late_error"] = exc.response["error"]

    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Welcome*"}}],
            },
        )

    @app.event("team_join")
    async def joined(event: dict[str, Any], request: AsyncBoltRequest) -> None:
        seen.setdefault("joins", []).append(
            (event["user"]["id"], request.headers.get("x-slack-retry-num", [None])[0])
        )

    return app


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    fake.add_user(ALICE, "alice")
    fake.add_user(BOB, "bob")
    fake.add_user(CAROL, "carol")
    fake.add_user(MOD, "mod", is_admin=True)
    fake.add_user(GONE, "gone", blocks_dms=True)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    assert fake.errors == []


@asynccontextmanager
async def socket_app(fake: FakeSlack, seen: dict[str, Any]) -> AsyncIterator[AsyncApp]:
    fake.use_socket_mode()
    app = build_app(fake, seen)
    handler = AsyncSocketModeHandler(app, fake.app_token)
    await handler.connect_async()
    try:
        await fake.wait_connected()
        yield app
    finally:
        await handler.close_async()


@asynccontextmanager
async def http_app(fake: FakeSlack, seen: dict[str, Any]) -> AsyncIterator[list[dict[str, str]]]:
    """The app behind a plain aiohttp endpoint that verifies Slack's signature first."""
    app = build_app(fake, seen)
    verifier = SignatureVerifier(fake.signing_secret)
    headers_seen: list[dict[str, str]] = []

    async def endpoint(request: web.Request) -> web.Response:
        raw = await request.text()
        headers = dict(request.headers)
        headers_seen.append(headers)
        if not verifier.is_valid_request(raw, headers):
            return web.Response(status=401)
        resp = await app.async_dispatch(AsyncBoltRequest(body=raw, headers=headers))
        return web.Response(
            status=resp.status, text=resp.body, headers=resp.first_headers_without_set_cookie()
        )

    server = web.Application()
    server.router.add_post("/slack/events", endpoint)
    runner = web.AppRunner(server, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.use_http(f"http://127.0.0.1:{port}/slack/events")
    try:
        yield headers_seen
    finally:
        await runner.cleanup()


async def eventually(check: Any, timeout: float = 5) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.01)


def assert_clean(fake: FakeSlack) -> None:
    assert fake.unknown == []
    assert fake.rejected == []
    assert fake.bot_token not in repr(fake.calls) and fake.app_token not in repr(fake.calls)


async def test_socket_mode_command_answered_with_respond_and_say(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with socket_app(fake, seen):
        assert fake.calls_to("apps.connections.open")[0].token == "app"
        assert fake.socket_connections == 1

        ping = await fake.slash(ALICE, "/ping")
        ack = await ping.acked()
        assert ack.payload is None and ack.envelope_id == ping.envelope_id
        assert ack.elapsed < 3
        answer = await fake.wait_for_response()
        assert answer.url == ping.response_url and answer.args["text"] == "pong"
        assert [e["text"] for e in fake.ephemerals(ALICE)] == ["pong"]

        said = await fake.slash(BOB, "/say", "hi all")
        assert (await said.acked()).payload == {"text": "on it"}
        post = await fake.wait_for_call("chat.postMessage")
        assert post.token == "bot" and post.response["ok"] is True
        assert post.args["channel"] == GENERAL_CHANNEL_ID
        [message] = fake.messages(GENERAL_CHANNEL_ID)
        assert message["text"] == "said: hi all" and message["bot_id"] == fake.bot_id
        assert message["blocks"][1]["elements"][0]["value"] == "42"
        assert fake.ephemerals(BOB)[0]["text"] == "on it"
        assert len(fake.calls_to("auth.test")) == 1
    assert_clean(fake)


async def test_http_mode_command_and_event_retry(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with http_app(fake, seen) as headers_seen:
        ping = await fake.slash(ALICE, "/ping", "now")
        ack = await ping.acked()
        assert ack.status == 200 and ack.payload is None and ack.elapsed < 3
        assert (await fake.wait_for_response()).args["text"] == "pong"
        assert headers_seen[0]["Content-Type"] == "application/x-www-form-urlencoded"
        assert headers_seen[0]["X-Slack-Signature"].startswith("v0=")

        said = await fake.slash(ALICE, "/say", "over http")
        assert (await said.acked()).payload == {"text": "on it"}
        await fake.wait_for_call("chat.postMessage")

        joined = await fake.team_join("U0NEW00001", "newbie")
        assert (await joined.acked()).status == 200
        again = await fake.event({}, retry_of=joined)
        assert again.event_id == joined.event_id
        assert (await again.acked()).status == 200
        assert headers_seen[-1]["X-Slack-Retry-Num"] == "1"
        assert headers_seen[-1]["X-Slack-Retry-Reason"] == "http_timeout"
        assert "X-Slack-Retry-Num" not in headers_seen[-2]
        assert seen["joins"] == [("U0NEW00001", None), ("U0NEW00001", "1")]

        fake.signing_secret = "not-the-apps-secret"
        forged = await fake.slash(ALICE, "/ping")
        assert (await forged.acked()).status == 401
        assert fake.responses[-1].url != forged.response_url
    assert_clean(fake)


async def test_socket_event_envelopes_carry_retry_attempt(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with socket_app(fake, seen):
        joined = await fake.team_join("U0NEW00002", "another")
        await joined.acked()
        again = await fake.retry(joined)
        assert again.envelope_id == joined.envelope_id
        await again.acked()
        # Socket Mode sends retry_attempt 0 on first delivery: Bolt turns it into a header.
        assert seen["joins"] == [("U0NEW00002", "0"), ("U0NEW00002", "1")]
    assert_clean(fake)


async def test_button_press_answered_through_response_url(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with socket_app(fake, seen):
        said = await fake.slash(ALICE, "/say", "press me")
        await fake.wait_for_call("chat.postMessage")
        [message] = fake.messages(GENERAL_CHANNEL_ID)

        press = await fake.press(CAROL, message, "like")
        ack = await press.acked()
        assert ack.payload is None and ack.elapsed < 3
        answer = await fake.wait_for_response()
        assert answer.args == {"text": f"liked 42 by {CAROL}", "replace_original": True}
        [replaced] = fake.messages(GENERAL_CHANNEL_ID)
        assert replaced["ts"] == message["ts"] and replaced["text"] == f"liked 42 by {CAROL}"
        assert "blocks" not in replaced

        body = seen["press"]
        assert body["type"] == "block_actions" and body["user"]["id"] == CAROL
        assert body["container"] == {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": GENERAL_CHANNEL_ID,
            "is_ephemeral": False,
        }
        assert body["message"]["blocks"] == message["blocks"]
        assert body["actions"][0]["block_id"] == "buttons"
        assert body["trigger_id"] != said.trigger_id
    assert_clean(fake)


async def test_modal_opened_then_submitted_with_errors_then_ok(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with socket_app(fake, seen):
        opened = await fake.slash(ALICE, "/form")
        call = await fake.wait_for_call("views.open")
        assert call.response["ok"] is True and call.args["trigger_id"] == opened.trigger_id
        [view] = fake.open_views(ALICE)
        assert view["callback_id"] == "intro-form" and view["private_metadata"] == "cohort-7"

        bad = await fake.submit_view(ALICE, view, {"name": "bad", "track": "surgery"})
        ack = await bad.acked()
        assert ack.payload == {"response_action": "errors", "errors": {"name": "Pick another name"}}
        assert [v["id"] for v in fake.open_views(ALICE)] == [view["id"]]

        good = await fake.submit_view(
            ALICE, view, {"name": "Ada", "track": "peds", "mentor": MOD, "topics": ["match"]}
        )
        assert (await good.acked()).payload is None
        assert fake.open_views(ALICE) == []
        values = seen["submitted"]["state"]["values"]
        assert values["name"]["name_input"] == {"type": "plain_text_input", "value": "Ada"}
        assert values["track"]["track_select"]["selected_option"]["value"] == "peds"
        assert values["mentor"]["mentor_user"]["selected_user"] == MOD
        assert [o["value"] for o in values["topics"]["topic_boxes"]["selected_options"]] == [
            "match"
        ]
        assert good.payload["response_urls"] == []
    assert_clean(fake)


async def test_dm_and_group_dm(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with socket_app(fake, seen):
        await (await fake.slash(MOD, "/dm", BOB)).acked()
        await fake.wait_for_call("chat.postMessage")
        dm = fake.dm_channel_of(BOB)
        assert dm is not None and dm.startswith("D")
        assert [m["text"] for m in fake.messages(dm)] == ["hello there"]

        since = len(fake.calls)
        await (await fake.slash(MOD, "/dm", f"{BOB} {CAROL}")).acked()
        await fake.wait_for_call("chat.postMessage", since=since)
        group = fake.dm_channel_of(BOB, CAROL)
        assert group is not None and group.startswith("G")
        assert fake.channel_members(group) == {BOB, CAROL, fake.bot_user_id}
        assert [m["text"] for m in fake.messages(group)] == ["hello there"]

        await (await fake.slash(MOD, "/dm", GONE)).acked()
        await eventually(lambda: "dm_errors" in seen)
        assert seen["dm_errors"] == ["user_disabled"]
        assert fake.dm_channel_of(GONE) is None
    assert_clean(fake)


async def test_rate_limit_then_server_error_are_retried(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with socket_app(fake, seen):
        fake.fail_once("chat.postMessage", status=429, retry_after=1)
        await fake.slash(ALICE, "/say", "one")
        first = await fake.wait_for_call("chat.postMessage")
        second = await fake.wait_for_call("chat.postMessage", since=first.index + 1)
        assert first.status == 429 and first.response == {"ok": False, "error": "ratelimited"}
        assert second.status == 200 and second.at - first.at >= 1.0

        fake.fail_once("chat.postMessage", status=500)
        await fake.slash(ALICE, "/say", "two")
        third = await fake.wait_for_call("chat.postMessage", since=second.index + 1)
        fourth = await fake.wait_for_call("chat.postMessage", since=third.index + 1)
        assert third.status == 500 and fourth.status == 200
        assert [m["text"] for m in fake.messages(GENERAL_CHANNEL_ID)] == ["said: one", "said: two"]
    assert_clean(fake)


async def test_disconnect_makes_the_client_reconnect(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with socket_app(fake, seen):
        await fake.disconnect()
        await fake.wait_connected(count=2)
        assert fake.reconnections == 1
        assert len(fake.calls_to("apps.connections.open")) == 2

        ping = await fake.slash(BOB, "/ping")
        assert (await ping.acked()).payload is None
        assert ping.envelope_id in {
            f.data.get("envelope_id") for f in fake.socket_frames if f.connection == 2
        }
        await fake.wait_for_response()
    assert_clean(fake)


async def test_app_home_opened_publishes_a_home_view(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with socket_app(fake, seen):
        opened = await fake.app_home_opened(ALICE)
        assert opened.payload["event"]["tab"] == "home"
        assert opened.payload["event"]["channel"] == fake.dm_channel_of(ALICE)
        call = await fake.wait_for_call("views.publish")
        assert call.args["user_id"] == ALICE and call.response["ok"] is True
        home = fake.home_view(ALICE)
        assert home is not None and home["type"] == "home"
        assert home["blocks"][0]["text"]["text"] == "*Welcome*"
    assert_clean(fake)


async def test_expired_trigger_id(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    async with socket_app(fake, seen):
        late = await fake.slash(ALICE, "/late", "3.2")
        assert (await late.acked()).elapsed < 3
        call = await fake.wait_for_call("views.open", timeout=10)
        assert call.response == {"ok": False, "error": "expired_trigger_id"}
        assert call.at - late.sent_at > 3
        await eventually(lambda: "late_error" in seen)
        assert seen["late_error"] == "expired_trigger_id"
        assert fake.open_views(ALICE) == []
    assert_clean(fake)


async def test_web_api_strictness(fake: FakeSlack) -> None:
    """Direct slack_sdk calls: Block Kit limits, bad tokens, unknown methods."""
    client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as info:
        await client.chat_postMessage(channel=GENERAL_CHANNEL_ID, text="t", blocks=too_long)
    assert info.value.response["error"] == "invalid_blocks"
    assert "/blocks/0/text/text" in info.value.response["errors"][0]

    bad_title = {**FORM, "title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError) as info:
        await client.views_open(trigger_id="nope", view=bad_title)
    assert info.value.response["error"] == "invalid_arguments"

    with pytest.raises(SlackApiError) as info:
        await client.views_open(trigger_id="nope", view=FORM)
    assert info.value.response["error"] == "invalid_trigger_id"

    with pytest.raises(SlackApiError) as info:
        await AsyncWebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
    assert info.value.response["error"] == "invalid_auth"
    assert fake.calls[-1].token == "bot"

    user = await client.users_info(user=MOD)
    assert user["user"]["is_admin"] is True and user["user"]["profile"]["display_name"] == "mod"
    created = await client.conversations_create(name="peer-group-1", is_private=True)
    group = created["channel"]["id"]
    await client.conversations_invite(channel=group, users=f"{ALICE},{BOB}")
    await client.conversations_kick(channel=group, user=BOB)
    assert fake.channel_members(group) == {fake.bot_user_id, ALICE}
    info_ = await client.conversations_info(channel=group)
    assert info_["channel"]["is_private"] is True
    eph = await client.chat_postEphemeral(channel=group, user=ALICE, text="psst")
    assert fake.ephemerals(ALICE)[0]["ts"] == eph["message_ts"]

    with pytest.raises(SlackApiError) as info:
        await client.api_call("made.up")
    assert info.value.response["error"] == "unknown_method"
    assert [c.method for c in fake.unknown] == ["made.up"]
    fake.unknown.clear()
    assert fake.rejected == []


async def test_private_channels_answer_like_slack(fake: FakeSlack) -> None:
    """conversations.create / invite / kick / setTopic: names, membership and refusals."""
    client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)

    async def error(method: str, **args: Any) -> str:
        with pytest.raises(SlackApiError) as info:
            await client.api_call(method, params=args)
        return str(info.value.response["error"])

    for name, code in [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Peer-Group", "invalid_name_specials"),
        ("peer group", "invalid_name_specials"),
        ("peer\n", "invalid_name_specials"),
        ("étudiants", "invalid_name_specials"),
        ("-_-", "invalid_name_punctuation"),
    ]:
        assert await error("conversations.create", name=name, is_private="1") == code, name

    created = await client.conversations_create(name="x" * 80, is_private=True)
    space = created["channel"]
    assert space["is_private"] is True and space["is_channel"] is True
    assert space["is_group"] is False and space["is_member"] is True
    assert space["creator"] == fake.bot_user_id
    assert fake.channel_members(space["id"]) == {fake.bot_user_id}
    assert await error("conversations.create", name="x" * 80) == "name_taken"

    # A private channel the bot is not in is invisible to it, and its name is still taken.
    fake.add_channel("CHIDDEN001", "hidden", private=True, members=[ALICE], bot_member=False)
    assert await error("conversations.create", name="hidden", is_private="1") == "name_taken"
    for method in ("conversations.info", "conversations.members", "conversations.history"):
        assert await error(method, channel="CHIDDEN001") == "channel_not_found"
    listed = await client.conversations_list(types="public_channel,private_channel")
    assert "CHIDDEN001" not in {c["id"] for c in listed["channels"]}
    assert space["id"] in {c["id"] for c in listed["channels"]}
    assert await error("conversations.invite", channel="CHIDDEN001", users=BOB) == (
        "channel_not_found"
    )
    assert await error("conversations.kick", channel="CHIDDEN001", user=ALICE) == (
        "channel_not_found"
    )
    assert fake.channel_members("CHIDDEN001") == {ALICE}

    group = space["id"]
    await client.conversations_invite(channel=group, users=ALICE)
    assert await error("conversations.invite", channel=group, users=ALICE) == "already_in_channel"
    assert await error("conversations.invite", channel=group, users="U0NOBODY01") == (
        "user_not_found"
    )
    assert await error("conversations.invite", channel=group, users=fake.bot_user_id) == (
        "cant_invite_self"
    )
    # One bad user and nobody is invited.
    assert await error("conversations.invite", channel=group, users=f"{BOB},U0NOBODY01") == (
        "user_not_found"
    )
    members = await client.conversations_members(channel=group)
    assert set(members["members"]) == {fake.bot_user_id, ALICE}

    assert await error("conversations.kick", channel=group) == "no_user"
    assert await error("conversations.kick", channel=group, user=BOB) == "not_in_channel"
    assert await error("conversations.kick", channel=group, user=fake.bot_user_id) == (
        "cant_kick_self"
    )
    assert await error("conversations.kick", channel=GENERAL_CHANNEL_ID, user=BOB) == (
        "cant_kick_from_general"
    )
    fake.restrict("conversations.kick")
    assert await error("conversations.kick", channel=group, user=ALICE) == "restricted_action"
    fake.restricted.clear()
    await client.conversations_kick(channel=group, user=ALICE)
    assert fake.channel_members(group) == {fake.bot_user_id}
    with pytest.raises(ValueError, match="restricted_action"):
        fake.restrict("conversations.invite")

    assert await error("conversations.setTopic", channel=group, topic="t" * 251) == "too_long"
    topic = await client.conversations_setTopic(channel=group, topic="t" * 250)
    assert topic["channel"]["topic"]["value"] == "t" * 250
    assert topic["channel"]["topic"]["creator"] == fake.bot_user_id
    assert (fake.channel(group) or {})["topic"]["value"] == "t" * 250
    assert await error("conversations.setTopic", channel="CHIDDEN001", topic="x") == (
        "channel_not_found"
    )

    fake.restrict("conversations.create")
    assert await error("conversations.create", name="fresh", is_private="1") == (
        "restricted_action"
    )

    await client.conversations_archive(channel=group)
    assert await error("conversations.invite", channel=group, users=BOB) == "is_archived"
    assert await error("conversations.kick", channel=group, user=BOB) == "is_archived"
    assert await error("conversations.setTopic", channel=group, topic="x") == "is_archived"
    assert_clean(fake)
