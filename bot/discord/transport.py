"""The delivery ports on Discord: DMs, channel posts, edits and private threads, the guild's
event list (scheduled events), plus the resolver that turns typed names into members and
channels.

Message references are `channel_id/message_id`, so an edit works after a restart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

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
