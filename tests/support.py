"""A test surface that records what the core delivers, for service-level tests.

It implements the same Transport and Resolver ports as the real surfaces, so the core's
dispatcher, delivery ladder and scheduler run unchanged against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.app import App
from bot.clock import Clock
from bot.context import Context, SilentResponder
from bot.core import Core
from bot.dispatch import Dispatcher, Response
from bot.feature import Feature
from bot.model import Actor, ChannelRef, MemberRef, Reply
from bot.surface import Surface
from bot.transport import DeliveryFailed, DmRefused, EventStatus, PlatformEvent
from config.settings import Settings
from storage.models import Scope

SCOPE = Scope("test", "w1")


@dataclass
class Sent:
    kind: str  # dm | post | private | edit
    to: tuple[str, ...]
    reply: Reply
    ref: str


@dataclass
class RecordingSurface:
    core: Core
    name: str = "recording"
    platform: str = "test"
    sent: list[Sent] = field(default_factory=list)
    refuse_dms: set[str] = field(default_factory=set)
    failing_channels: set[str] = field(default_factory=set)
    # The platform's event list (like Discord's scheduled events): id -> (event, status).
    events: dict[str, tuple[PlatformEvent, str]] = field(default_factory=dict)
    # Private group spaces: channel id -> who may see it; and the platform refusing them.
    spaces: dict[str, set[str]] = field(default_factory=dict)
    space_names: dict[str, str] = field(default_factory=dict)
    refuse_spaces: bool = False

    async def start(self) -> None:
        self.core.delivery.attach(self)

    async def wait(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def _record(self, kind: str, to: Sequence[str], reply: Reply) -> str:
        ref = f"r{len(self.sent) + 1}"
        self.sent.append(Sent(kind, tuple(to), reply, ref))
        return ref

    async def send_dm(self, scope: Scope, user_ids: Sequence[str], reply: Reply) -> str:
        if any(user in self.refuse_dms for user in user_ids):
            raise DmRefused("50007")
        return self._record("dm", user_ids, reply)

    async def post(self, scope: Scope, channel_id: str, reply: Reply) -> str:
        if channel_id in self.failing_channels:
            raise DeliveryFailed("missing_access")
        return self._record("post", [channel_id], reply)

    async def edit(self, scope: Scope, message_ref: str, reply: Reply) -> None:
        self._record("edit", [message_ref], reply)

    async def delete(self, scope: Scope, message_ref: str) -> None:
        self.sent.append(Sent("delete", (message_ref,), Reply(), message_ref))

    async def post_private(self, scope: Scope, channel_id: str, user_id: str, reply: Reply) -> str:
        if channel_id in self.failing_channels:
            raise DeliveryFailed("missing_access")
        return self._record("private", [channel_id, user_id], reply)

    def mention(self, user_id: str) -> str:
        return f"<@{user_id}>"

    def channel_label(self, channel_id: str) -> str:
        return f"<#{channel_id}>"

    def format_time(self, when: datetime, timezone: str) -> str:
        return when.isoformat()

    async def resolve_member(self, scope: Scope, text: str) -> MemberRef | None:
        user_id = text.strip().removeprefix("<@").removesuffix(">").lstrip("@")
        member = await self.core.repos.members.get(scope, user_id)
        return None if member is None else MemberRef(user_id, member.display_name)

    async def resolve_channel(self, scope: Scope, text: str) -> ChannelRef | None:
        channel_id = text.strip().removeprefix("<#").removesuffix(">").lstrip("#")
        return ChannelRef(channel_id, channel_id) if channel_id else None

    async def create_event(self, scope: Scope, event: PlatformEvent) -> str:
        event_id = f"e{len(self.events) + 1}"
        self.events[event_id] = (event, "scheduled")
        return event_id

    async def update_event(self, scope: Scope, event_id: str, event: PlatformEvent) -> None:
        self.events[event_id] = (event, self.events[event_id][1])

    async def set_event_status(self, scope: Scope, event_id: str, status: EventStatus) -> None:
        event, current = self.events[event_id]
        allowed = {"scheduled": ("active", "cancelled"), "active": ("completed",)}
        if status not in allowed.get(current, ()):
            raise DeliveryFailed(f"event {current} -> {status}")  # as Discord refuses
        self.events[event_id] = (event, status)

    async def create_space(self, scope: Scope, name: str, topic: str) -> str:
        if self.refuse_spaces:
            raise DeliveryFailed("missing_permissions")
        space_id = f"space{len(self.spaces) + 1}"
        self.spaces[space_id] = set()
        self.space_names[space_id] = name
        return space_id

    async def grant_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        if self.refuse_spaces:
            raise DeliveryFailed("missing_permissions")
        self.spaces[space_id].add(user_id)
        self.sent.append(Sent("grant", (space_id, user_id), Reply(), space_id))

    async def revoke_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        if self.refuse_spaces:
            raise DeliveryFailed("missing_permissions")
        self.spaces[space_id].discard(user_id)
        self.sent.append(Sent("revoke", (space_id, user_id), Reply(), space_id))

    def of_kind(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind]


class TestHarness:
    """The full app (every feature, real SQLite file) driven without a platform."""

    __test__ = False

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.surface: RecordingSurface | None = None

        def surfaces(core: Core) -> list[Surface]:
            self.surface = RecordingSurface(core)
            return [self.surface]

        self.app = App(settings, clock=clock, surfaces=surfaces)
        self.core = self.app.core
        self.dispatcher = Dispatcher(self.core, self)  # type: ignore[arg-type]

    async def start(self) -> None:
        await self.app.start()
        self.dispatcher = Dispatcher(self.core, self.recorder)

    async def stop(self) -> None:
        await self.app.shutdown()

    def add_feature(self, feature: Feature) -> None:
        """Register a test-only feature as the loader would."""
        self.core.registry.add(feature)
        self.core.use(self.core.registry)

    async def press(self, user: str, action_id: str, *, admin: bool = False) -> list[Response]:
        ctx = await self.context(user, admin=admin)
        responses = await self.dispatcher.press(ctx, action_id)
        await self.core.tasks.settle()
        return responses

    async def submit(
        self, user: str, form_id: str, values: dict[str, str], *, admin: bool = False
    ) -> list[Response]:
        ctx = await self.context(user, admin=admin)
        return await self.dispatcher.submit_form(ctx, form_id, values)

    @property
    def recorder(self) -> RecordingSurface:
        assert self.surface is not None
        return self.surface

    async def context(self, user: str, *, admin: bool = False) -> Context:
        return await self.dispatcher.context(
            Actor(SCOPE, user, user.title()), responder=SilentResponder(), platform_admin=admin
        )

    async def run(self, user: str, line: str, *, admin: bool = False) -> list[Response]:
        ctx = await self.context(user, admin=admin)
        responses = await self.dispatcher.run_text(ctx, line)
        await self.core.tasks.settle()
        return responses

    async def text(self, user: str, line: str, *, admin: bool = False) -> str:
        """Every reply's text, title and fields, joined: what the member would read."""
        parts = []
        for response in await self.run(user, line, admin=admin):
            assert isinstance(response, Reply), response
            parts += [response.title or "", response.text]
            parts += [f"{f.name}: {f.value}" for f in response.fields]
        return "\n".join(p for p in parts if p)
