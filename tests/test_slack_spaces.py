"""Private group spaces on Slack: SlackTransport's PrivateSpaces through the real slack_sdk
AsyncWebClient, against the fake.

A space is a private channel the app creates (and is alone in), that members enter by
invitation and leave by being kicked. Membership must never leak, so the tests assert who
is in each channel after every step, and that the logs name neither members nor groups.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.model import Reply
from bot.slack import transport as slack_transport
from bot.slack.surface import retry_handlers
from bot.slack.transport import SPACE_NAME_MAX, SPACE_NAME_TRIES, SlackTransport, space_name
from bot.transport import DeliveryFailed, PrivateSpaces
from storage.models import Scope
from tests.fakes.slack import FakeSlack
from tests.slack_bot import ALICE, BOB, serve_fake

SCOPE = Scope("slack", "T0PRECEPT")
GROUP = "SGM Medical Students"
TOPIC = "A peer group for sexual and gender minority medical students"
VALID_NAME = re.compile(r"[a-z0-9_-]{1,80}")

fake = pytest.fixture(serve_fake)


@pytest.fixture
def transport(fake: FakeSlack) -> SlackTransport:
    """The transport as the surface builds it: the same client, with its retry handlers."""
    client = AsyncWebClient(
        token=fake.bot_token, base_url=fake.api_url, retry_handlers=retry_handlers()
    )
    return SlackTransport(client)


def created_names(fake: FakeSlack) -> list[str]:
    return [str(call.args["name"]) for call in fake.calls_to("conversations.create")]


def errors_of(fake: FakeSlack, method: str) -> list[str | None]:
    return [call.response.get("error") for call in fake.calls_to(method)]


async def test_the_slack_transport_offers_private_spaces(transport: SlackTransport) -> None:
    assert isinstance(transport, PrivateSpaces)


async def test_a_space_is_a_private_channel_with_only_the_bot_in_it(
    fake: FakeSlack, transport: SlackTransport
) -> None:
    space = await transport.create_space(SCOPE, GROUP, TOPIC)

    channel = fake.channel(space)
    assert channel is not None
    assert channel["is_private"] is True and channel["is_member"] is True
    assert channel["name"] == "sgm-medical-students"
    assert channel["creator"] == fake.bot_user_id
    assert channel["topic"]["value"] == TOPIC
    assert fake.channel_members(space) == {fake.bot_user_id}
    (create,) = fake.calls_to("conversations.create")
    assert create.args["is_private"] in ("1", "true", True)
    assert create.token == "bot"


async def test_a_long_topic_is_cut_to_slacks_limit_and_a_refused_one_is_not_fatal(
    fake: FakeSlack, transport: SlackTransport, caplog: pytest.LogCaptureFixture
) -> None:
    space = await transport.create_space(SCOPE, "Residents", "word " * 100)
    channel = fake.channel(space)
    assert channel is not None
    topic = channel["topic"]["value"]
    assert len(topic) == 250 and topic.endswith("…") and "  " not in topic

    # Without retries (the surface's client would retry a 500), the topic fails for good.
    plain = SlackTransport(AsyncWebClient(token=fake.bot_token, base_url=fake.api_url))
    fake.fail_once("conversations.setTopic", status=500)
    with caplog.at_level(logging.DEBUG, logger="bot"):
        other = await plain.create_space(SCOPE, "Fellows", "Secret topic text")
    assert fake.channel_members(other) == {fake.bot_user_id}
    assert "could not set the topic" in caplog.text
    assert "Secret topic text" not in caplog.text and "fellows" not in caplog.text.lower()

    bare = await transport.create_space(SCOPE, "Attendings", "   ")
    assert len(fake.calls_to("conversations.setTopic")) == 2  # none for a blank topic
    channel = fake.channel(bare)
    assert channel is not None and channel["topic"]["value"] == ""


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("SGM Medical Students", "sgm-medical-students"),
        ("Étudiants en médecine", "etudiants-en-medecine"),
        ("Straße & Æsir", "strasse-and-aesir"),
        ("Women's Circle", "womens-circle"),
        ("LGBTQ+ meds 🏳️‍🌈", "lgbtq-meds"),
        ("first_gen  --  peers", "first_gen-peers"),
        ("\uff35\uff32\uff49\uff2d", "urim"),  # fullwidth URiM
        ("Группа поддержки", "peer-group"),
        ("医学生", "peer-group"),
        ("", "peer-group"),
        ("---", "peer-group"),
        ("a" * 79 + " b", "a" * 79),
    ],
)
def test_group_names_become_channel_names(group: str, expected: str) -> None:
    assert space_name(group) == expected


@given(st.text(max_size=200))
def test_every_name_is_one_slack_takes(group: str) -> None:
    name = space_name(group)
    assert VALID_NAME.fullmatch(name) and name.strip("-_")
    assert len(name) <= SPACE_NAME_MAX
    suffixed = space_name(group, room=5)
    assert len(suffixed) <= SPACE_NAME_MAX - 5 and VALID_NAME.fullmatch(suffixed)


async def test_a_taken_name_gets_a_suffix_and_is_never_reused(
    fake: FakeSlack, transport: SlackTransport
) -> None:
    # Someone else's private channel (the bot is not in it) and an archived one hold names.
    fake.add_channel(
        "CPRIVATE01", "sgm-medical-students", private=True, members=[BOB], bot_member=False
    )
    fake.add_channel("CARCHIVE01", "residents", bot_member=True)
    await transport.client.conversations_archive(channel="CARCHIVE01")

    space = await transport.create_space(SCOPE, GROUP, TOPIC)
    again = await transport.create_space(SCOPE, "Residents", "")

    first, second = created_names(fake)[0:2]
    assert first == "sgm-medical-students"
    assert re.fullmatch(r"sgm-medical-students-[a-z0-9]{4}", second)
    assert errors_of(fake, "conversations.create")[:2] == ["name_taken", None]
    assert space not in ("CPRIVATE01", "CARCHIVE01") and again != "CARCHIVE01"
    assert fake.channel_members(space) == {fake.bot_user_id}
    assert fake.channel_members(again) == {fake.bot_user_id}
    assert fake.channel_members("CPRIVATE01") == {BOB}  # untouched

    long_name = "x" * 80
    fake.add_channel("CLONG00001", long_name)
    longer = await transport.create_space(SCOPE, long_name, "")
    channel = fake.channel(longer)
    assert channel is not None and len(channel["name"]) == 80
    assert channel["name"].startswith("x" * 75 + "-")


async def test_a_name_taken_every_time_is_refused(
    fake: FakeSlack, transport: SlackTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_transport, "_suffix", lambda: "abcd")
    fake.add_channel("CTAKEN0001", "residents")
    fake.add_channel("CTAKEN0002", "residents-abcd", private=True, bot_member=False)

    with pytest.raises(DeliveryFailed) as refused:
        await transport.create_space(SCOPE, "Residents", TOPIC)

    assert refused.value.code == "name_taken"
    assert created_names(fake) == ["residents"] + ["residents-abcd"] * (SPACE_NAME_TRIES - 1)
    assert fake.calls_to("conversations.setTopic") == []


async def test_granting_puts_the_member_in_and_twice_is_fine(
    fake: FakeSlack, transport: SlackTransport
) -> None:
    space = await transport.create_space(SCOPE, GROUP, TOPIC)

    await transport.grant_space(SCOPE, space, ALICE)
    assert fake.channel_members(space) == {fake.bot_user_id, ALICE}
    await transport.grant_space(SCOPE, space, ALICE)
    assert fake.channel_members(space) == {fake.bot_user_id, ALICE}
    await transport.grant_space(SCOPE, space, BOB)

    assert fake.channel_members(space) == {fake.bot_user_id, ALICE, BOB}
    assert errors_of(fake, "conversations.invite") == [None, "already_in_channel", None]
    assert [c.args["users"] for c in fake.calls_to("conversations.invite")] == [ALICE, ALICE, BOB]


async def test_revoking_kicks_the_member_at_once_and_twice_is_fine(
    fake: FakeSlack, transport: SlackTransport
) -> None:
    space = await transport.create_space(SCOPE, GROUP, TOPIC)
    await transport.grant_space(SCOPE, space, ALICE)
    await transport.grant_space(SCOPE, space, BOB)

    await transport.revoke_space(SCOPE, space, ALICE)
    assert fake.channel_members(space) == {fake.bot_user_id, BOB}
    await transport.revoke_space(SCOPE, space, ALICE)

    assert fake.channel_members(space) == {fake.bot_user_id, BOB}
    assert errors_of(fake, "conversations.kick") == [None, "not_in_channel"]
    # Back in after leaving, then out again.
    await transport.grant_space(SCOPE, space, ALICE)
    await transport.revoke_space(SCOPE, space, ALICE)
    assert fake.channel_members(space) == {fake.bot_user_id, BOB}


async def test_the_bot_posts_in_the_space_and_only_members_get_ephemerals(
    fake: FakeSlack, transport: SlackTransport
) -> None:
    space = await transport.create_space(SCOPE, GROUP, TOPIC)
    await transport.grant_space(SCOPE, space, ALICE)

    ref = await transport.post(SCOPE, space, Reply.public("Welcome to the group."))

    assert ref.startswith(f"{space}/")
    (message,) = fake.messages(space)
    assert message["ts"] == ref.partition("/")[2] and "Welcome to the group." in str(message)
    await transport.post_private(SCOPE, space, ALICE, Reply("Only you"))
    with pytest.raises(DeliveryFailed) as refused:
        await transport.post_private(SCOPE, space, BOB, Reply("Not a member"))
    assert refused.value.code == "user_not_in_channel"


async def test_refusals_become_delivery_failed(fake: FakeSlack, transport: SlackTransport) -> None:
    space = await transport.create_space(SCOPE, GROUP, TOPIC)
    fake.add_channel("CNOTOURS01", "not-ours", private=True, members=[ALICE], bot_member=False)

    async def refused(call: Any) -> str:
        with pytest.raises(DeliveryFailed) as info:
            await call
        return info.value.code

    assert await refused(transport.grant_space(SCOPE, space, "UNOBODY01")) == "user_not_found"
    assert await refused(transport.grant_space(SCOPE, "CMISSING01", ALICE)) == "channel_not_found"
    # A private channel the bot is not in does not exist for it.
    assert await refused(transport.grant_space(SCOPE, "CNOTOURS01", BOB)) == "channel_not_found"
    assert await refused(transport.revoke_space(SCOPE, "CNOTOURS01", ALICE)) == "channel_not_found"
    assert await refused(transport.revoke_space(SCOPE, space, fake.bot_user_id)) == (
        "cant_kick_self"
    )
    assert await refused(transport.revoke_space(SCOPE, space, "UNOBODY01")) == "user_not_found"
    assert fake.channel_members("CNOTOURS01") == {ALICE}

    await transport.grant_space(SCOPE, space, ALICE)
    fake.restrict("conversations.kick")
    assert await refused(transport.revoke_space(SCOPE, space, ALICE)) == "restricted_action"
    assert fake.channel_members(space) == {fake.bot_user_id, ALICE}  # the caller must know
    fake.restrict("conversations.create")
    assert await refused(transport.create_space(SCOPE, "Another", "")) == "restricted_action"

    await transport.client.conversations_archive(channel=space)
    assert await refused(transport.grant_space(SCOPE, space, BOB)) == "is_archived"
    assert await refused(transport.revoke_space(SCOPE, space, ALICE)) == "is_archived"


async def test_rate_limits_and_server_errors_are_retried(
    fake: FakeSlack, transport: SlackTransport
) -> None:
    fake.fail_once("conversations.create", status=503)
    fake.fail_once("conversations.invite", status=429, retry_after=1)
    fake.fail_once("conversations.kick", status=502)

    space = await transport.create_space(SCOPE, GROUP, TOPIC)
    await transport.grant_space(SCOPE, space, ALICE)
    assert fake.channel_members(space) == {fake.bot_user_id, ALICE}
    await transport.revoke_space(SCOPE, space, ALICE)

    assert fake.channel_members(space) == {fake.bot_user_id}
    statuses = [
        c.status
        for c in fake.calls
        if c.method in ("conversations.create", "conversations.invite", "conversations.kick")
    ]
    assert statuses == [503, 200, 429, 200, 502, 200]


class PublicAnyway(AsyncWebClient):
    """A client whose private flag gets lost on the way (a bad proxy, a library bug)."""

    async def conversations_create(
        self, *, name: str, is_private: bool | None = None, **kwargs: Any
    ) -> AsyncSlackResponse:
        return await super().conversations_create(name=name, **kwargs)


async def test_a_channel_slack_made_public_is_never_used(fake: FakeSlack) -> None:
    transport = SlackTransport(PublicAnyway(token=fake.bot_token, base_url=fake.api_url))

    with pytest.raises(DeliveryFailed) as refused:
        await transport.create_space(SCOPE, GROUP, TOPIC)

    assert refused.value.code == "not_private"
    (create,) = fake.calls_to("conversations.create")
    channel = fake.channel(create.response["channel"]["id"])
    assert channel is not None and channel["is_archived"] is True
    assert fake.calls_to("conversations.setTopic") == []


async def test_logs_name_no_member_group_or_topic(
    fake: FakeSlack, transport: SlackTransport, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="bot"):
        space = await transport.create_space(SCOPE, GROUP, TOPIC)
        await transport.grant_space(SCOPE, space, ALICE)
        await transport.grant_space(SCOPE, space, ALICE)
        await transport.revoke_space(SCOPE, space, ALICE)
        await transport.revoke_space(SCOPE, space, ALICE)
        with pytest.raises(DeliveryFailed):
            await transport.grant_space(SCOPE, space, "UNOBODY01")
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    for secret in (ALICE, "UNOBODY01", "sgm", "SGM", TOPIC, fake.bot_token):
        assert secret not in ours
