"""End to end: a private peer group on Slack, through the real Bolt app, against the fake.

A moderator creates a private group with a steward: the bot makes a private channel and
invites the steward. A member asks to join; the steward gets a DM with Approve and Deny and
approves it after the bot restarted: the member is invited into the channel and told
privately, and the request DM loses its buttons. The member posts anonymously and leaves:
she is kicked from the channel at once. All along, someone outside the group gets the same
answer as for a group that does not exist, and the member's id shows only where it may: in
the private channel, and in DMs to her and to the steward. Every assertion is on what the
fake received, that is, on what the members would see.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.slack import GENERAL_CHANNEL_ID, FakeSlack
from tests.slack_bot import ALICE, ANNOUNCEMENTS, BOB, MODERATOR, SlackBot, serve_fake
from tests.test_ama_slack import button, run, titled
from tests.test_slack_surface import buttons, check_log, text_of

STEWARD = BOB
MEMBER = ALICE  # her id must show only in the space and in DMs to her and the steward
OUTSIDER = "UCAROL001"
GROUP = "SGM Alliance"
NOTE = "MS2, out to few"
POST = "Is anyone else out to their program director?"

fake = pytest.fixture(serve_fake)


async def group(fake: FakeSlack, user: str, text: str) -> str:
    """`/group text` as `user`: what they read. Every answer about a group is theirs alone."""
    answer = await run(fake, user, "/group", text)
    assert answer["response_type"] == "ephemeral", answer
    return text_of(answer)


async def nowhere(fake: FakeSlack, user: str, command: str) -> tuple[str, str]:
    """(the answer for our group, the answer for a name nobody uses, with ours put in)."""
    ours = await group(fake, user, f'{command} name:"{GROUP}"')
    made_up = await group(fake, user, f'{command} name:"Nowhere Club"')
    return ours, made_up.replace("Nowhere Club", GROUP)


def is_private(value: Any) -> bool:
    return value in (True, "1", "true", "True")


async def test_a_private_group_invites_on_approval_and_kicks_on_leave_after_a_restart(
    fake: FakeSlack, tmp_path: Path
) -> None:
    fake.add_user(OUTSIDER, "carol")
    process = SlackBot(fake, tmp_path)
    await process.start()
    try:
        # ----- only a moderator creates groups ----------------------------------------------
        refused = await group(fake, MEMBER, f'create name:"{GROUP}" description:"Peers"')
        assert "Only moderators can use `/group create`" in refused
        assert fake.calls_to("conversations.create") == []

        # ----- a moderator creates it: a private channel, with the steward invited --------
        created = await group(
            fake,
            MODERATOR,
            f'create name:"{GROUP}" description:"Sexual and gender minority students" '
            f"stewards:<@{STEWARD}>",
        )
        assert "Group created" in created and f"*{GROUP}* is created: private" in created
        assert f"Stewards: <@{STEWARD}>" in created
        [create] = fake.calls_to("conversations.create")
        assert create.status == 200 and create.response["ok"] is True
        assert is_private(create.args.get("is_private")) and create.args["name"] == "sgm-alliance"
        space = str(create.response["channel"]["id"])
        assert f"Its private space: <#{space}>." in created
        channel = fake.channel(space)
        assert channel is not None and channel["is_private"] is True
        assert channel["topic"]["value"] == f"{GROUP}: Sexual and gender minority students"
        [invite] = fake.calls_to("conversations.invite")
        assert invite.response["ok"] is True
        assert (invite.args["channel"], invite.args["users"]) == (space, STEWARD)
        assert fake.channel_members(space) == {fake.bot_user_id, STEWARD}

        steward_dm = fake.dm_channel_of(STEWARD)
        assert steward_dm is not None
        [welcome] = titled(fake.messages(steward_dm), "You are a group steward")
        assert f"<#{space}>" in text_of(welcome)

        # ----- someone outside: the same answer as for a group that is not there ----------
        ours, made_up = await nowhere(fake, OUTSIDER, "members")
        assert ours == made_up and ours.startswith(f"I can't find a group called `{GROUP}`")

        # ----- a member asks to join: the steward gets Approve and Deny by DM --------------
        asked = await group(fake, MEMBER, f'join name:"{GROUP}" note:"{NOTE}"')
        assert "Request sent" in asked and "nobody else is told" in asked
        [request] = titled(fake.messages(steward_dm), f"A request to join {GROUP}")
        shown = text_of(request)
        assert f"<@{MEMBER}> asks to join *{GROUP}* (private)" in shown and NOTE in shown
        assert [b["text"]["text"] for b in buttons(request)] == ["Approve", "Deny"]
        approve = button(request, "Approve")
        assert approve["value"].startswith("groups.approve:")
        assert button(request, "Deny")["value"] == approve["value"].replace("approve", "deny")
        assert MEMBER not in fake.channel_members(space)
        # Waiting is not belonging: she sees no more than an outsider does.
        ours, made_up = await nowhere(fake, MEMBER, "members")
        assert ours == made_up

        # ----- a restart: the request lives only in the database ---------------------------
        assert await process.stop() == 0
        await process.start()

        since_calls = len(fake.calls)
        since = len(fake.responses)
        await fake.press(STEWARD, request, approve["action_id"])
        approved = (await fake.wait_for_response(since=since)).args
        assert approved["response_type"] == "ephemeral"
        assert f"<@{MEMBER}> is now a member of *{GROUP}*" in text_of(approved)
        invited = [c for c in fake.calls_to("conversations.invite") if c.index >= since_calls]
        assert [(c.args["channel"], c.args["users"], c.response["ok"]) for c in invited] == [
            (space, MEMBER, True)
        ]
        assert fake.channel_members(space) == {fake.bot_user_id, STEWARD, MEMBER}

        # She is told privately, with the way in.
        member_dm = fake.dm_channel_of(MEMBER)
        assert member_dm is not None
        [told] = titled(fake.messages(member_dm), "You're in")
        assert f"Your request to join *{GROUP}* was approved" in text_of(told)
        assert f"<#{space}>" in text_of(told)

        # The request DM now says how it ended, without buttons to press again.
        [update] = [c for c in fake.calls_to("chat.update") if c.args.get("ts") == request["ts"]]
        assert update.status == 200 and update.args["channel"] == steward_dm
        [decided] = [m for m in fake.messages(steward_dm) if m["ts"] == request["ts"]]
        assert f"approved by <@{STEWARD}>" in text_of(decided)
        assert buttons(decided) == []

        # ----- as a member she sees who is in it; an outsider still sees nothing ----------
        listed = await group(fake, MEMBER, f'members name:"{GROUP}"')
        assert f"<@{STEWARD}> (steward)" in listed and f"<@{MEMBER}>" in listed
        ours, made_up = await nowhere(fake, OUTSIDER, "members")
        assert ours == made_up and MEMBER not in ours

        # ----- a request denied: no invitation, and only the asker is told ---------------
        since_calls = len(fake.calls)
        assert "Request sent" in await group(fake, OUTSIDER, f'join name:"{GROUP}"')
        [second] = [
            m
            for m in titled(fake.messages(steward_dm), f"A request to join {GROUP}")
            if f"<@{OUTSIDER}>" in text_of(m)
        ]
        since = len(fake.responses)
        await fake.press(STEWARD, second, button(second, "Deny")["action_id"])
        denied = text_of((await fake.wait_for_response(since=since)).args)
        assert f"The request from <@{OUTSIDER}> is declined" in denied
        outsider_dm = fake.dm_channel_of(OUTSIDER)
        assert outsider_dm is not None
        [no] = titled(fake.messages(outsider_dm), "Your request to join a group")
        assert "was not approved this time" in text_of(no)
        [closed] = [m for m in fake.messages(steward_dm) if m["ts"] == second["ts"]]
        assert f"declined by <@{STEWARD}>" in text_of(closed) and buttons(closed) == []
        invites = [c for c in fake.calls_to("conversations.invite") if c.index >= since_calls]
        assert invites == [] and OUTSIDER not in fake.channel_members(space)

        # ----- an anonymous post lands in the private channel, without her -----------------
        posted = await group(fake, MEMBER, f'post name:"{GROUP}" message:"{POST}" anonymous:yes')
        found = re.search(rf"Posted in <#{space}> as post #(\d+)", posted)
        assert found is not None, posted
        [anonymous] = [m for m in fake.messages(space) if POST in text_of(m)]
        shown = text_of(anonymous)
        assert "an anonymous member" in shown and f"#{found.group(1)}" in shown
        assert MEMBER not in shown and "alice" not in shown.lower()
        [sent] = [c for c in fake.calls_to("chat.postMessage") if POST in text_of(c.args)]
        assert sent.args["channel"] == space and MEMBER not in str(sent.args)

        # ----- she leaves: kicked from the channel at once ---------------------------------
        since_calls = len(fake.calls)
        left = await group(fake, MEMBER, f'leave name:"{GROUP}"')
        assert f"You left *{GROUP}*; its space is closed to you now." in left
        kicked = [c for c in fake.calls_to("conversations.kick") if c.index >= since_calls]
        assert [(c.args["channel"], c.args["user"], c.response["ok"]) for c in kicked] == [
            (space, MEMBER, True)
        ]
        assert fake.channel_members(space) == {fake.bot_user_id, STEWARD}
        ours, made_up = await nowhere(fake, MEMBER, "leave")
        assert ours == made_up  # leaving twice reads like a group that is not there
    finally:
        assert await process.stop() == 0
    check_log(process, fake)

    # ----- privacy on the wire ------------------------------------------------------------
    assert fake.rejected == [], fake.rejected
    assert fake.errors == [], fake.errors
    may_name_her = {space, member_dm, steward_dm}
    # No group reply was ever public.
    assert [r.args.get("response_type") for r in fake.responses] == ["ephemeral"] * len(
        fake.responses
    )
    # Every message the bot posted or edited that names her went where it may, and no
    # other conversation holds her id.
    sending = ("chat.postMessage", "chat.update", "chat.postEphemeral")
    for call in fake.calls:
        if call.method in sending and MEMBER in str(call.args):
            assert call.args["channel"] in may_name_her, call
    conversations = {GENERAL_CHANNEL_ID, ANNOUNCEMENTS} | {
        str(c.response["channel"]) for c in fake.calls_to("chat.postMessage")
    }
    assert {space, member_dm, steward_dm, outsider_dm} <= conversations
    for channel_id in conversations - may_name_her:
        for message in fake.messages(channel_id):
            assert MEMBER not in str(message), message
    # Nor does any ephemeral answer shown to anyone but her and the steward.
    for shown_to in fake.ephemerals():
        if shown_to["user"] not in (MEMBER, STEWARD):
            assert MEMBER not in str(shown_to), shown_to
    # She was never put in a conversation with anyone but the bot.
    for opened in fake.calls_to("conversations.open"):
        users = set(str(opened.args.get("users", "")).split(","))
        assert MEMBER not in users or users == {MEMBER}, opened
    # The logs name neither her nor the group.
    log = process.log()
    assert MEMBER not in log and GROUP not in log and "sgm-alliance" not in log


async def test_a_deactivated_member_leaves_every_group_and_its_channel(
    fake: FakeSlack, tmp_path: Path
) -> None:
    process = SlackBot(fake, tmp_path)
    await process.start()
    try:
        created = await group(
            fake,
            MODERATOR,
            f'create name:"{GROUP}" description:"Peers" join:open stewards:<@{STEWARD}>',
        )
        assert "Group created" in created
        space = str(fake.calls_to("conversations.create")[0].response["channel"]["id"])
        assert "welcome" in (await group(fake, MEMBER, f'join name:"{GROUP}"')).lower()
        assert MEMBER in fake.channel_members(space)

        since_calls = len(fake.calls)
        left = await fake.deactivate(MEMBER)
        await left.acked()
        kick = await fake.wait_for_call("conversations.kick", since=since_calls)
        assert (kick.args["channel"], kick.args["user"]) == (space, MEMBER)
        assert MEMBER not in fake.channel_members(space)
        listed = await group(fake, STEWARD, f'members name:"{GROUP}"')
        assert f"<@{MEMBER}>" not in listed and f"<@{STEWARD}>" in listed
        # A retried delivery of the same event changes nothing more.
        retry = await fake.event(left.event_payload, retry_of=left)
        await retry.acked()
        assert len(fake.calls_to("conversations.kick")) == 1
    finally:
        assert await process.stop() == 0
