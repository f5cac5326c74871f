"""End to end: /group through the real discord.py client, against a fake Discord.

The whole app runs in this process (every feature, a SQLite file in tmp_path), with the
Discord surface's REST and gateway pointed at the fake on 127.0.0.1. The bot has exactly
the permissions private groups need (Manage Channels and Manage Roles, not Administrator).

A moderator creates a private group; its space is a channel hidden from @everyone, and the
steward is let in by a member overwrite. A member asks to join, the steward approves from
the DM, and the member is let in by an overwrite of their own, never a role (roles show on
every profile). She posts anonymously, then leaves, and the overwrite goes at once.
Throughout, nobody outside learns who is in the group: answers about groups are
ephemeral, an outsider is answered as for a group that does not exist, nothing public
names her, and a secret group is never suggested to an outsider. Every assertion is on
what the fake received.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import App
from bot.discord.transport import SPACE_BOT_ALLOW, SPACE_MEMBER_ALLOW
from bot.logs import QUIET_LIBRARIES
from storage.models import Scope
from tests import test_ama_discord as in_process
from tests.discord_bot import ALICE, ANNOUNCEMENTS, BOB, MODERATOR, MODLOG, serve_fake
from tests.fakes.discord import GENERAL_CHANNEL_ID, VIEW_CHANNEL, Call, FakeDiscord
from tests.test_discord_spaces import BOT_NEEDS
from tests.test_discord_surface import EPHEMERAL, shown
from tests.test_mentorship_discord import buttons_of, message_text, titled

CAROL = 500000000000000010  # in the server, in no group
MEMBER_OVERWRITE = 1
ROLE_OVERWRITE = 0
GROUP = "SGM Alliance"
SECRET_GROUP = "Quiet Circle"
NOTE = "MS2, out to few"
OUR_PACKAGES = ("bot", "cogs", "storage", "config")
POST = "Is anyone else finding the anatomy lab hard this week?"

# The bot in this process, as the AMA test runs it; its clock is the manual one there.
app = in_process.app
clock = in_process.clock


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """The fake server, with the bot holding exactly what private groups need."""
    async for server in serve_fake():
        server.set_role_permissions(server.bot_role_id, BOT_NEEDS.value)
        server.add_member(CAROL, "carol")
        yield server


async def run(fake: FakeDiscord, user: int, sub: str, options: dict[str, object]) -> Call:
    """/group <sub> as this member: deferred privately, then answered privately."""
    return await in_process.answered(await fake.slash(user, "group", sub, options))


def role_or_member_edits(fake: FakeDiscord) -> list[str]:
    """Every call that would touch roles or what a member holds in the server."""
    return [
        f"{c.method} {c.path}"
        for c in fake.calls
        if "/roles" in c.path or (c.method in ("PUT", "PATCH", "DELETE") and "/members/" in c.path)
    ]


def public_messages(fake: FakeDiscord, *, besides: set[int]) -> list[dict[str, Any]]:
    """Every message others in the server could read, as the fake answered each call that
    made or edited one (so a message deleted later still counts): in guild channels, not
    ephemeral, outside the channels in `besides`."""
    found = []
    for call in fake.calls:
        message = call.response
        if isinstance(message, dict) and "resource" in message:  # an interaction callback
            message = message["resource"].get("message")
        if not (isinstance(message, dict) and "channel_id" in message and "flags" in message):
            continue
        if "guild_id" not in message or message["flags"] & EPHEMERAL:
            continue  # a DM, or only for the member who ran the command
        if int(message["channel_id"]) not in besides:
            found.append(message)
    for channel_id in fake.channel_ids():  # and what the channels hold now
        if channel_id not in besides:
            found += [m for m in fake.messages(channel_id) if not m["flags"] & EPHEMERAL]
    return found


async def test_a_private_group_lets_a_member_in_by_her_own_overwrite_and_out_at_once(
    fake: FakeDiscord, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    # Our own code at DEBUG, the platform libraries quiet, as `python -m bot` sets them
    # (quieted first: each call also sets the level of caplog's own handler).
    for library in QUIET_LIBRARIES:
        caplog.set_level(logging.WARNING, logger=library)
    caplog.set_level(logging.DEBUG)
    gid = fake.guild_id
    roles_before = fake.role_ids()
    alice_roles = fake.member_roles(ALICE)

    # Moderators read the log; announcements are where public posts go. Neither may ever
    # name the member who joins.
    configured = await in_process.answered(
        await fake.slash(
            MODERATOR, "setup", "channels", {"announcements": ANNOUNCEMENTS, "modlog": MODLOG}
        )
    )
    assert "Channels updated" in shown(configured)

    # ----- a moderator creates the group, naming its steward by mention ------------------
    created = shown(
        await run(
            fake,
            MODERATOR,
            "create",
            {
                "name": GROUP,
                "description": "Sexual and gender minority medical students",
                "visibility": "private",
                "join": "approval",
                "stewards": f"<@{BOB}>",
            },
        )
    )
    assert "Group created" in created, created
    assert f"Stewards: <@{BOB}>" in created

    # The space: a text channel that @everyone may not see, made with the bot's own access.
    [made] = fake.calls_to("POST", rf"^/guilds/{gid}/channels$")
    assert made.status == 201, made.response
    assert made.json["type"] == 0 and made.json["name"] == "sgm-alliance"
    sent_overwrites = {int(o["id"]): o for o in made.json["permission_overwrites"]}
    assert sent_overwrites[gid]["type"] == ROLE_OVERWRITE  # @everyone: the guild's id
    assert int(sent_overwrites[gid]["deny"]) & VIEW_CHANNEL
    assert not int(sent_overwrites[gid]["allow"]) & VIEW_CHANNEL
    assert sent_overwrites[fake.bot_user_id]["type"] == MEMBER_OVERWRITE
    assert int(sent_overwrites[fake.bot_user_id]["allow"]) == SPACE_BOT_ALLOW.value
    assert set(sent_overwrites) == {gid, fake.bot_user_id}  # nobody else named at birth
    space = int(made.response["id"])
    assert f"Its private space: <#{space}>" in created
    assert space in fake.channel_ids()

    # The steward is let in by a member overwrite of their own, and told by DM.
    [bob_grant] = fake.calls_to("PUT", rf"^/channels/{space}/permissions/{BOB}$")
    assert bob_grant.status == 204, bob_grant.response
    assert bob_grant.json["type"] == MEMBER_OVERWRITE
    assert int(bob_grant.json["allow"]) == SPACE_MEMBER_ALLOW.value
    assert int(bob_grant.json["deny"]) == 0
    assert fake.overwrites(space)[BOB]["type"] == MEMBER_OVERWRITE
    assert fake.can_view(BOB, space)
    for outside in (ALICE, CAROL, MODERATOR):
        assert not fake.can_view(outside, space)
    [bob_told] = titled(fake.dm_messages(BOB), "You are a group steward")
    assert f"<#{space}>" in message_text(bob_told)

    # ----- a member asks to join; the steward decides from a DM --------------------------
    asked = shown(await run(fake, ALICE, "join", {"name": GROUP, "note": NOTE}))
    assert "Request sent" in asked and "nobody else is told" in asked, asked
    [request] = titled(fake.dm_messages(BOB), f"A request to join {GROUP}")
    request_text = message_text(request)
    assert f"<@{ALICE}> asks to join **{GROUP}**" in request_text and NOTE in request_text
    assert [label for label, _ in buttons_of(request)] == ["Approve", "Deny"]
    approve_id, deny_id = (custom_id for _, custom_id in buttons_of(request))
    # A press in a DM does not say which server it is from: the button does.
    assert approve_id.startswith(f"pc@{gid}:groups.approve:")
    assert deny_id.startswith(f"pc@{gid}:groups.deny:")
    assert not fake.can_view(ALICE, space)  # asking is not being in
    assert fake.calls_to("PUT", rf"^/channels/{space}/permissions/{ALICE}$") == []

    before_approval = len(fake.calls)
    approved = shown(await in_process.answered(await fake.press(BOB, request, approve_id)))
    assert f"<@{ALICE}> is now a member of **{GROUP}**" in approved, approved

    # Her access: one member-type overwrite naming her, allowing the channel.
    [grant] = fake.calls_to("PUT", rf"^/channels/{space}/permissions/{ALICE}$")
    assert grant.index > before_approval and grant.status == 204, grant.response
    assert grant.json["type"] == MEMBER_OVERWRITE
    assert int(grant.json["allow"]) & VIEW_CHANNEL
    assert int(grant.json["allow"]) == SPACE_MEMBER_ALLOW.value
    assert int(grant.json["deny"]) == 0
    assert fake.overwrites(space)[ALICE] == {
        "id": str(ALICE),
        "type": MEMBER_OVERWRITE,
        "allow": str(SPACE_MEMBER_ALLOW.value),
        "deny": "0",
    }
    assert set(fake.overwrites(space)) == {gid, fake.bot_user_id, BOB, ALICE}
    assert fake.can_view(ALICE, space)
    assert not fake.can_view(CAROL, space)
    # ...and never a role: none made, none given, no role endpoint called.
    assert role_or_member_edits(fake) == []
    assert fake.role_ids() == roles_before
    assert fake.member_roles(ALICE) == alice_roles

    # She hears privately that she is in, with the way to the space.
    [welcome] = titled(fake.dm_messages(ALICE), "You're in")
    assert GROUP in message_text(welcome) and f"<#{space}>" in message_text(welcome)
    # The steward's copy of the request now says how it ended, with nothing left to press.
    decided = fake.message(int(request["id"]))
    assert decided is not None and buttons_of(decided) == []
    assert "approved by" in message_text(decided)

    # ----- who is in it: members see the list, an outsider sees no group at all ----------
    listed = shown(await run(fake, ALICE, "members", {"name": GROUP}))
    assert f"<@{BOB}> (steward)" in listed and f"<@{ALICE}>" in listed
    assert "Only you see this list." in listed
    outsider = await run(fake, CAROL, "members", {"name": GROUP})
    nowhere = await run(fake, CAROL, "members", {"name": "Nonexistent Circle"})
    assert str(ALICE) not in shown(outsider) and str(BOB) not in shown(outsider)
    # The same answer, word for word and in the same shape, but for the name typed.
    assert json.dumps(outsider.json).replace(GROUP, "<name>") == json.dumps(nowhere.json).replace(
        "Nonexistent Circle", "<name>"
    )
    assert "can't find a group called" in shown(outsider)

    # ----- an anonymous post lands in the space without her name -------------------------
    posted = shown(
        await run(fake, ALICE, "post", {"name": GROUP, "message": POST, "anonymous": True})
    )
    assert f"Posted in <#{space}>" in posted and "anonymous member" in posted, posted
    [in_space] = [m for m in fake.messages(space) if POST in message_text(m)]
    assert "From: an anonymous member" in message_text(in_space)
    raw_post = json.dumps(in_space) + json.dumps(fake.message_request(int(in_space["id"])))
    assert str(ALICE) not in raw_post and "alice" not in raw_post.lower()
    assert in_space["author"]["id"] == str(fake.bot_user_id)  # the bot posts it for her

    # ----- she leaves: her overwrite is deleted at once -----------------------------------
    left = shown(await run(fake, ALICE, "leave", {"name": GROUP}))
    assert f"You left **{GROUP}**" in left, left
    [revoke] = fake.calls_to("DELETE", rf"^/channels/{space}/permissions/{ALICE}$")
    assert revoke.status == 204, revoke.response
    assert revoke.index > grant.index
    assert set(fake.overwrites(space)) == {gid, fake.bot_user_id, BOB}
    assert not fake.can_view(ALICE, space)
    assert fake.can_view(BOB, space)  # the steward keeps theirs
    assert role_or_member_edits(fake) == [] and fake.member_roles(ALICE) == alice_roles
    # Out of a private group, she is answered like anyone outside it.
    gone = shown(await run(fake, ALICE, "members", {"name": GROUP}))
    assert "can't find a group called" in gone and str(BOB) not in gone

    # ----- on the wire: nothing public ever said who is in the group --------------------
    await app.core.tasks.settle()  # the moderator-log lines go out in the background
    public = public_messages(fake, besides={space})
    modlog = [message_text(m) for m in public if int(m["channel_id"]) == MODLOG]
    assert modlog, "the audited steps reached the moderator log"
    for message in public:
        raw = json.dumps(message)
        assert str(ALICE) not in raw and "alice" not in raw.lower(), message
        assert NOTE not in raw and POST not in raw, message
        # Outside the moderator log, not even the steward is named.
        assert int(message["channel_id"]) == MODLOG or str(BOB) not in raw, message
    # The moderator log (for moderators, who may see who is in a group) names the steward
    # who decided, as every audited step names its actor; never the member.
    assert f"<@{BOB}>: approved a request to join the group {GROUP}" in modlog
    # Every answer to a /group command or button was for the member's eyes only.
    for call in fake.calls_to("POST", r"^/interactions/\d+/[^/]+/callback$"):
        assert call.json["data"]["flags"] & EPHEMERAL, call.json
    assert all(m["flags"] & EPHEMERAL for m in fake.messages(GENERAL_CHANNEL_ID))
    assert fake.calls_to("POST", r"^/webhooks/") == []  # no public follow-up either
    # Nothing failed on the way (a refused grant or revoke is a warning and a retry), and
    # our own log lines never say who joined, what she wrote or who she is.
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    ours = [r.getMessage() for r in caplog.records if r.name.split(".")[0] in OUR_PACKAGES]
    for secret in (str(ALICE), "alice", NOTE, POST):
        assert not [line for line in ours if secret in line], secret


async def test_a_secret_group_is_never_suggested_to_someone_outside_it(
    fake: FakeDiscord, app: App
) -> None:
    for name, visibility in ((GROUP, "private"), (SECRET_GROUP, "secret")):
        made = shown(
            await run(
                fake,
                MODERATOR,
                "create",
                {
                    "name": name,
                    "description": "Peers supporting peers",
                    "visibility": visibility,
                    "stewards": f"<@{BOB}>",
                },
            )
        )
        assert "Group created" in made, made

    async def suggested(user: int, typed: str) -> list[str]:
        asked = await fake.autocomplete(user, "group", "join", {"name": typed}, "name")
        answer = (await asked.first_response()).json
        assert answer["type"] == 8, answer
        return [choice["value"] for choice in answer["data"]["choices"]]

    # A private group is listed (its members are not); a secret one exists only for its own.
    assert await suggested(CAROL, "") == [GROUP]
    assert await suggested(CAROL, "quiet") == []
    assert sorted(await suggested(BOB, "")) == sorted([GROUP, SECRET_GROUP])
    assert await suggested(BOB, "qui") == [SECRET_GROUP]
    # The other way of finding out: the list, and a join by the exact name.
    listing = shown(await run(fake, CAROL, "list", {}))
    assert GROUP in listing and SECRET_GROUP not in listing
    joined = await run(fake, CAROL, "join", {"name": SECRET_GROUP})
    nowhere = await run(fake, CAROL, "join", {"name": "Nonexistent Circle"})
    assert json.dumps(joined.json).replace(SECRET_GROUP, "<name>") == json.dumps(
        nowhere.json
    ).replace("Nonexistent Circle", "<name>")
    assert titled(fake.dm_messages(BOB), f"A request to join {SECRET_GROUP}") == []


async def test_leaving_the_server_takes_away_every_group_space(fake: FakeDiscord, app: App) -> None:
    made = shown(
        await run(
            fake,
            MODERATOR,
            "create",
            {"name": GROUP, "description": "Peers", "join": "open", "stewards": f"<@{BOB}>"},
        )
    )
    assert "Group created" in made, made
    assert "You joined" in shown(await run(fake, ALICE, "join", {"name": GROUP}))
    [created] = fake.calls_to("POST", rf"^/guilds/{fake.guild_id}/channels$")
    space = int(created.response["id"])
    assert fake.can_view(ALICE, space)
    mark = len(fake.calls)
    fake.remove_member(ALICE)  # GUILD_MEMBER_REMOVE on the gateway
    revoke = await fake.wait_for_call(
        "DELETE", rf"^/channels/{space}/permissions/{ALICE}$", since=mark
    )
    assert revoke.status == 204, revoke.response
    await app.core.tasks.settle()
    assert ALICE not in fake.overwrites(space) and BOB in fake.overwrites(space)
    group = await app.core.repos.groups.by_name(Scope("discord", str(fake.guild_id)), GROUP)
    assert group is not None
    assert await app.core.repos.groups.membership(group.id, str(ALICE)) is None
