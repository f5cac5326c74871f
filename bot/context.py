"""The neutral context a handler gets: who acts, where, with what rights, and what it can do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.model import Actor, ChannelRef, Reply

if TYPE_CHECKING:
    from bot.core import Core
    from bot.delivery import Outcome
    from storage.models import Scope


class Responder(Protocol):
    """The surface's side of one interaction."""

    async def defer(self) -> None:
        """Tell the platform an answer is coming (Discord's 3-second deadline)."""
        ...

    async def send(self, reply: Reply) -> None:
        """An extra reply within this interaction (a follow-up)."""
        ...


class SilentResponder:
    """For work with nobody waiting on the other end (jobs, events, benchmarks)."""

    async def defer(self) -> None:
        return None

    async def send(self, reply: Reply) -> None:
        return None


@dataclass
class Context:
    core: Core
    actor: Actor
    channel: ChannelRef | None
    is_moderator: bool
    responder: Responder

    @property
    def scope(self) -> Scope:
        return self.actor.scope

    def now(self) -> datetime:
        return self.core.clock.now()

    async def defer(self) -> None:
        await self.responder.defer()

    async def reply(self, reply: Reply) -> None:
        await self.responder.send(reply)

    async def dm(self, user_id: str, reply: Reply, *, purpose: str) -> Outcome:
        return await self.core.delivery.dm(self.scope, user_id, reply, purpose=purpose)

    async def post(self, channel_id: str, reply: Reply, *, purpose: str) -> Outcome:
        return await self.core.delivery.post(self.scope, channel_id, reply, purpose=purpose)

    async def audit(
        self,
        action: str,
        *,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
        summary: str | None = None,
        recorded_as: str | None = None,
    ) -> None:
        await self.core.audit(
            self.actor,
            action,
            target=target,
            detail=detail,
            summary=summary,
            recorded_as=recorded_as,
        )

    async def timezone(self) -> str:
        return await self.core.community_timezone(self.scope)
