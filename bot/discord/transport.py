"""The delivery ports on Discord: DMs, channel posts, edits and private threads, the guild's
event list (scheduled events), private group channels, plus the resolver that turns typed
names into members and channels.

Message references are `channel_id/message_id`, so an edit works after a restart.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

import discord
from aiolimiter import AsyncLimiter

from bot.discord.render import clip, message_kwargs
from bot.model import ChannelRef, MemberRef, Reply
from bot.transport import DeliveryFailed, DmRefused, EventStatus, PlatformEvent
from storage.models import Scope

log = logging.getLogger(__name__)

CANNOT_DM = 50007  # "Cannot send messages to this user": DMs closed for this server
_MENTION = re.compile(r"<@!?([0-9]{15,21})>")
_CHANNEL = re.compile(r"<#([0-9]{15,21})>")
_SNOWFLAKE = re.compile(r"[0-9]{15,21}")

# Scheduled events (the guild's event list). Sessions happen in a text channel, which
# Discord cannot host, so they are EXTERNAL events whose location names the channel.
EVENT_NAME_MAX = 100
EVENT_DESCRIPTION_MAX = 1000
EVENT_LOCATION_MAX = 100
_EVENT_STATUS = {
    "active": discord.EventStatus.active.value,  # 2
    "completed": discord.EventStatus.completed.value,  # 3
    "cancelled": discord.EventStatus.cancelled.value,  # 4
}

# Private group channels. Access is one member-type permission overwrite per member, never
# a role: roles show on every member's profile, which would out the group's members.
SPACE_NAME_MAX = 100
SPACE_TOPIC_MAX = 1024
SPACE_NAME_FALLBACK = "group"  # a name with nothing Discord keeps
UNKNOWN_OVERWRITE = 10009  # deleting an overwrite that is not there
_ROLE_OVERWRITE: Final = 0
_MEMBER_OVERWRITE: Final = 1
_HIDDEN = discord.Permissions(view_channel=True)  # denied to @everyone
# What the bot allows itself. Every bit must be one it has in the server (Discord refuses
# the channel otherwise, 50013), and Manage Permissions (MANAGE_ROLES) can only be put in
# an overwrite by an administrator: the bot manages the members' overwrites through its
# server-wide Manage Roles instead.
SPACE_BOT_ALLOW = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
)
# What a member of the group may do in its channel.
SPACE_MEMBER_ALLOW = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    send_messages_in_threads=True,
)
# Dropped from a channel name rather than turned into a hyphen: "women's" -> "womens".
_APOSTROPHES = frozenset("'\"`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033")
# Variation selectors and the combining grapheme joiner are marks that only style the
# character before them (an emoji, which is dropped).
_STYLE_MARKS = re.compile("[\u034f\ufe00-\ufe0f\U000e0100-\U000e01ef]")


class DiscordTransport:
    platform = "discord"

    def __init__(self, client: discord.Client, *, dm_rate: float) -> None:
        self.client = client
        # Bulk sends (reminders to everyone who RSVP'd) are paced instead of bursting into
        # Discord's limits; discord.py still honours any 429 it gets.
        self._dm_pace = AsyncLimiter(max(1.0, dm_rate), 1.0)
        self._private_threads: dict[tuple[str, str], int] = {}  # (channel, member) -> thread

    # ----- Transport ----------------------------------------------------------------------

    async def send_dm(self, scope: Scope, user_ids: Sequence[str], reply: Reply) -> str:
        if len(user_ids) != 1:
            # Bots cannot open group DMs on Discord; delivery then DMs each member.
            raise DeliveryFailed("group_dm_unsupported")
        async with self._dm_pace:
            try:
                channel = await self.client.create_dm(discord.Object(int(user_ids[0])))
                message = await channel.send(**message_kwargs(reply, guild_id=scope.workspace_id))
            except discord.Forbidden as exc:
                if exc.code == CANNOT_DM:
                    raise DmRefused(str(CANNOT_DM)) from None
                raise DeliveryFailed(f"forbidden ({exc.code})") from None
            except discord.HTTPException as exc:
                raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None
        return f"{channel.id}/{message.id}"

    async def post(self, scope: Scope, channel_id: str, reply: Reply) -> str:
        channel = self.client.get_partial_messageable(
            int(channel_id), guild_id=int(scope.workspace_id)
        )
        try:
            message = await channel.send(**message_kwargs(reply))
        except discord.HTTPException as exc:
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None
        return f"{channel_id}/{message.id}"

    async def edit(self, scope: Scope, message_ref: str, reply: Reply) -> None:
        channel_id, _, message_id = message_ref.partition("/")
        if not (channel_id.isdigit() and message_id.isdigit()):
            raise DeliveryFailed("bad message reference")
        channel = self.client.get_partial_messageable(int(channel_id))
        kwargs = message_kwargs(reply, guild_id=scope.workspace_id)
        if "file" in kwargs:
            kwargs["attachments"] = [kwargs.pop("file")]
        kwargs.setdefault("content", None)
        kwargs.setdefault("embed", None)
        kwargs.setdefault("view", None)
        try:
            await channel.get_partial_message(int(message_id)).edit(**kwargs)
        except discord.HTTPException as exc:
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None

    async def delete(self, scope: Scope, message_ref: str) -> None:
        channel_id, _, message_id = message_ref.partition("/")
        if not (channel_id.isdigit() and message_id.isdigit()):
            raise DeliveryFailed("bad message reference")
        channel = self.client.get_partial_messageable(int(channel_id))
        try:
            await channel.get_partial_message(int(message_id)).delete()
        except discord.NotFound:
            return  # already gone
        except discord.HTTPException as exc:
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None

    async def post_private(self, scope: Scope, channel_id: str, user_id: str, reply: Reply) -> str:
        """A private thread only this member (and moderators) can see, for when their DMs
        are closed. The member is mentioned so Discord notifies them."""
        member = discord.Object(int(user_id))
        kwargs = message_kwargs(reply, guild_id=None)
        mention = f"<@{user_id}>"
        if "content" in kwargs:
            kwargs["content"] = clip(f"{mention} {kwargs['content']}", 2000)
        else:
            kwargs["content"] = mention
        pings = discord.AllowedMentions(users=[member])
        key = (channel_id, user_id)
        known = self._private_threads.get(key)
        if known is not None:
            # One thread per member and channel, not one per message.
            try:
                message = await self.client.get_partial_messageable(known).send(
                    **kwargs, allowed_mentions=pings
                )
                return f"{known}/{message.id}"
            except discord.HTTPException:
                del self._private_threads[key]  # deleted or locked: open a new one
        try:
            parent = self.client.get_channel(int(channel_id)) or await self.client.fetch_channel(
                int(channel_id)
            )
            if not isinstance(parent, discord.TextChannel):
                raise DeliveryFailed("fallback channel is not a text channel")
            thread = await parent.create_thread(
                # Generic: the name shows in the thread list, the content does not.
                name="Preceptor: messages for you",
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=10080,
            )
            await thread.add_user(member)
            message = await thread.send(**kwargs, allowed_mentions=pings)
        except discord.HTTPException as exc:
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None
        self._private_threads[key] = thread.id
        return f"{thread.id}/{message.id}"

    def mention(self, user_id: str) -> str:
        return f"<@{user_id}>"  # shown as a name; pings are off unless asked for

    def channel_label(self, channel_id: str) -> str:
        return f"<#{channel_id}>"

    def format_time(self, when: datetime, timezone: str) -> str:
        """Each reader sees their own local time, and how far away it is."""
        stamp = int(when.timestamp())
        return f"<t:{stamp}:F> (<t:{stamp}:R>)"

    # ----- PlatformEvents (scheduled events; the bot needs Manage Events) ----------------

    async def create_event(self, scope: Scope, event: PlatformEvent) -> str:
        payload = _event_fields(event, self._plain_channels(event.location))
        payload["entity_type"] = discord.EntityType.external.value  # 3
        payload["privacy_level"] = discord.PrivacyLevel.guild_only.value  # 2
        payload["channel_id"] = None
        try:
            data = await self.client.http.create_guild_scheduled_event(
                int(scope.workspace_id), **payload
            )
        except discord.HTTPException as exc:
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None
        return str(data["id"])

    async def update_event(self, scope: Scope, event_id: str, event: PlatformEvent) -> None:
        await self._edit_event(
            scope, event_id, _event_fields(event, self._plain_channels(event.location))
        )

    async def set_event_status(self, scope: Scope, event_id: str, status: EventStatus) -> None:
        """Discord only allows scheduled -> active or cancelled, and active -> completed;
        anything else is refused (DeliveryFailed)."""
        await self._edit_event(scope, event_id, {"status": _EVENT_STATUS[status]})

    def _plain_channels(self, text: str) -> str:
        """An event's location is plain text, where a <#id> mention shows raw: name it."""

        def name(found: re.Match[str]) -> str:
            channel = self.client.get_channel(int(found.group(1)))
            return f"#{channel.name}" if isinstance(channel, discord.TextChannel) else "#channel"

        return _CHANNEL.sub(name, text)

    async def _edit_event(self, scope: Scope, event_id: str, payload: dict[str, Any]) -> None:
        if not event_id.isdigit():
            raise DeliveryFailed("bad event id")
        try:
            await self.client.http.edit_scheduled_event(
                int(scope.workspace_id), int(event_id), **payload
            )
        except discord.HTTPException as exc:
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None

    # ----- PrivateSpaces (private group channels; Manage Channels and Manage Roles) -------
    # Nothing here logs names, topics or who is let in: together they would say who
    # belongs to which group.

    async def create_space(self, scope: Scope, name: str, topic: str) -> str:
        """A text channel hidden from @everyone, which only the bot can see until members
        are let in one by one."""
        guild_id = _snowflake(scope.workspace_id, "bad server id")
        me = self.client.user
        if me is None:
            raise DeliveryFailed("not connected")
        overwrites = [
            _overwrite(scope.workspace_id, _ROLE_OVERWRITE, deny=_HIDDEN),  # @everyone
            _overwrite(str(me.id), _MEMBER_OVERWRITE, allow=SPACE_BOT_ALLOW),
        ]
        try:
            data = await self.client.http.create_channel(
                guild_id,
                0,  # GUILD_TEXT
                name=space_channel_name(name),
                topic=clip(topic.strip(), SPACE_TOPIC_MAX) or None,
                permission_overwrites=overwrites,
            )
        except discord.HTTPException as exc:
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None
        return str(data["id"])

    async def grant_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        """One member-type overwrite for this member; putting it again changes nothing. It
        needs no member cache: the overwrite names the member by id."""
        channel_id = _snowflake(space_id, "bad channel id")
        member_id = _snowflake(user_id, "bad member id")
        try:
            await self.client.http.edit_channel_permissions(
                channel_id,
                member_id,
                str(SPACE_MEMBER_ALLOW.value),
                "0",
                _MEMBER_OVERWRITE,
            )
        except discord.HTTPException as exc:
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None

    async def revoke_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        """Remove the member's overwrite, which takes the channel away at once. No overwrite
        (never let in, or already out) is not an error."""
        channel_id = _snowflake(space_id, "bad channel id")
        member_id = _snowflake(user_id, "bad member id")
        if self.client.user is not None and member_id == self.client.user.id:
            # Without its own overwrite the bot could neither post nor let anyone in.
            raise DeliveryFailed("the bot keeps its own access")
        try:
            await self.client.http.delete_channel_permissions(channel_id, member_id)
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_OVERWRITE:
                return
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None
        except discord.HTTPException as exc:
            raise DeliveryFailed(f"http {exc.status} ({exc.code})") from None

    # ----- Resolver (for values typed into dialogs) ---------------------------------------

    async def resolve_member(self, scope: Scope, text: str) -> MemberRef | None:
        typed = text.strip()
        guild = self.client.get_guild(int(scope.workspace_id))
        found = _MENTION.fullmatch(typed) or _SNOWFLAKE.fullmatch(typed)
        if found:
            user_id = int(found.group(1) if found.re is _MENTION else found.group(0))
            member = guild.get_member(user_id) if guild else None
            if member is None and guild is not None:
                try:
                    member = await guild.fetch_member(user_id)
                except discord.HTTPException:
                    return None
            return MemberRef(str(user_id), member.display_name) if member else None
        if guild is None:
            return None
        member = guild.get_member_named(typed.lstrip("@"))
        return MemberRef(str(member.id), member.display_name) if member else None

    async def resolve_channel(self, scope: Scope, text: str) -> ChannelRef | None:
        typed = text.strip()
        guild = self.client.get_guild(int(scope.workspace_id))
        if guild is None:
            return None
        found = _CHANNEL.fullmatch(typed) or _SNOWFLAKE.fullmatch(typed)
        if found:
            channel = guild.get_channel(
                int(found.group(1) if found.re is _CHANNEL else found.group(0))
            )
        else:
            channel = discord.utils.get(guild.text_channels, name=typed.lstrip("#").lower())
        if not isinstance(channel, discord.TextChannel):
            return None
        return ChannelRef(str(channel.id), channel.name)


def space_channel_name(name: str) -> str:
    """A group's name as a Discord text channel name: lower case, words joined by hyphens,
    letters and digits of any script kept (accents too), emoji, symbols, quotes and
    invisible characters dropped, at most 100 characters, never empty.

    "Pride in Medicine 🏳️‍🌈" -> "pride-in-medicine"; "Women's Med/Peds" -> "womens-med-peds".
    """
    out: list[str] = []
    pending_hyphen = False
    after_letter = False  # a combining mark may follow only a kept letter or digit
    for char in _STYLE_MARKS.sub("", unicodedata.normalize("NFKC", name).lower()):
        kind = unicodedata.category(char)
        if char in _APOSTROPHES:
            continue
        if kind[0] in "LN" or char == "_" or (kind in ("Mn", "Mc") and after_letter):
            if pending_hyphen and out:
                out.append("-")
            pending_hyphen = False
            out.append(char)
            after_letter = char != "_"
        elif kind[0] in "ZP" or char.isspace():
            pending_hyphen = True  # spaces, dashes, slashes, dots: one hyphen between words
            after_letter = False
        else:
            after_letter = False  # emoji and other symbols, controls, invisible characters
    slug = "".join(out)[:SPACE_NAME_MAX]
    # Counted in UTF-16 units too, in case Discord does (never fewer than characters).
    while len(slug.encode("utf-16-le")) > 2 * SPACE_NAME_MAX:
        slug = slug[:-1]
    return slug.rstrip("-") or SPACE_NAME_FALLBACK


def _snowflake(text: str, problem: str) -> int:
    if not _SNOWFLAKE.fullmatch(text):
        raise DeliveryFailed(problem)
    return int(text)


def _overwrite(
    target_id: str,
    kind: int,
    *,
    allow: discord.Permissions | None = None,
    deny: discord.Permissions | None = None,
) -> dict[str, Any]:
    return {
        "id": target_id,
        "type": kind,
        "allow": str(allow.value if allow is not None else 0),
        "deny": str(deny.value if deny is not None else 0),
    }


def _event_fields(event: PlatformEvent, location: str) -> dict[str, Any]:
    """What a session shows in the event list, within Discord's limits."""
    return {
        "name": clip(event.title.strip(), EVENT_NAME_MAX),
        "description": clip(event.description, EVENT_DESCRIPTION_MAX) or None,
        "scheduled_start_time": _utc_iso(event.starts_at),
        "scheduled_end_time": _utc_iso(event.ends_at),
        "entity_metadata": {"location": clip(location, EVENT_LOCATION_MAX)},
    }


def _utc_iso(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the core keeps UTC
    return when.astimezone(UTC).isoformat()
