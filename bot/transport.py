"""What a surface must offer the core to deliver messages (the delivery ladder's ports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from bot.model import Reply
from storage.models import Scope


class DmRefused(Exception):
    """The platform refused a DM (Discord 50007, a Slack user who blocked the app)."""

    def __init__(self, code: str = "dm_refused") -> None:
        super().__init__(code)
        self.code = code


class DeliveryFailed(Exception):
    """The platform could not take the message (after its own retries)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Transport(Protocol):
    platform: str

    async def send_dm(self, scope: Scope, user_ids: Sequence[str], reply: Reply) -> str:
        """DM one member, or open one conversation with several (a group DM). Returns a
        message reference; raises DmRefused or DeliveryFailed."""
        ...

    async def post(self, scope: Scope, channel_id: str, reply: Reply) -> str:
        """Post in a channel; returns a message reference that `edit` understands."""
        ...

    async def edit(self, scope: Scope, message_ref: str, reply: Reply) -> None: ...

    async def delete(self, scope: Scope, message_ref: str) -> None:
        """Remove a message the bot posted (a member withdrawing their intro)."""
        ...

    async def post_private(self, scope: Scope, channel_id: str, user_id: str, reply: Reply) -> str:
        """Reach one member privately inside a channel: a private thread on Discord, an
        ephemeral message on Slack. Used when their DMs are closed."""
        ...

    def mention(self, user_id: str) -> str:
        """How a member is named in text (a non-pinging mention where the platform has one)."""
        ...

    def channel_label(self, channel_id: str) -> str: ...

    def format_time(self, when: datetime, timezone: str) -> str:
        """A moment shown natively: each reader's local time where the platform can."""
        ...


@dataclass(frozen=True, slots=True)
class PlatformEvent:
    """A session as the platform's own event list shows it (Discord's guild events)."""

    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str  # where it happens, in words: "#ama-sessions"


EventStatus = Literal["active", "completed", "cancelled"]


@runtime_checkable
class PlatformEvents(Protocol):
    """Offered by surfaces whose platform has an event list; the others leave it out.
    Each method raises DeliveryFailed when the platform refuses."""

    async def create_event(self, scope: Scope, event: PlatformEvent) -> str:
        """Create the event; returns its id on the platform."""
        ...

    async def update_event(self, scope: Scope, event_id: str, event: PlatformEvent) -> None: ...

    async def set_event_status(self, scope: Scope, event_id: str, status: EventStatus) -> None:
        """Move it on: started (active), over (completed) or called off (cancelled)."""
        ...


@runtime_checkable
class PrivateSpaces(Protocol):
    """A group's own private room, offered by surfaces whose platform has one.

    Access is granted member by member, never through a role (Discord shows every member's
    roles on their profile, which would out them): on Discord a private channel with one
    permission overwrite per member, on Slack a private channel the member is invited to.
    Each method raises DeliveryFailed when the platform refuses.
    """

    async def create_space(self, scope: Scope, name: str, topic: str) -> str:
        """A new private channel that only the bot can see; returns its channel id. `name`
        is the group's name as people wrote it: the surface makes it a valid channel name
        (and unique, where the platform needs that)."""
        ...

    async def grant_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        """Let one member in. Granting someone who is already in is not an error."""
        ...

    async def revoke_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        """Take one member's access away at once. Revoking someone who is not in is not
        an error."""
        ...
