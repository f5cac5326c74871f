"""Every notification goes through here, down a ladder, and its outcome lands in the outbox.

1. a DM;
2. if the DM is refused: a private thread (or ephemeral mention) in the community's
   announcements or introductions channel;
3. if that is impossible too: held in the outbox and shown at the member's next command,
   with a content-free note in the moderator log so a person can follow up.

Nothing is lost silently. Logs carry the outbox id and purpose, never the message text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.model import Reply
from bot.transport import DeliveryFailed, DmRefused, PlatformEvents, PrivateSpaces, Transport
from storage import Repositories
from storage import outbox as status
from storage.models import Scope

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    entry_id: int
    status: str
    message_ref: str | None = None

    @property
    def reached(self) -> bool:
        """The member can see it now (as a DM or in a private fallback)."""
        return self.status in (status.SENT, status.FALLBACK)


class Delivery:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock
        self._transports: dict[str, Transport] = {}

    def attach(self, transport: Transport) -> None:
        self._transports[transport.platform] = transport

    def transport(self, scope: Scope) -> Transport | None:
        return self._transports.get(scope.platform)

    def events(self, scope: Scope) -> PlatformEvents | None:
        """The platform's event list, where it has one (Discord); None elsewhere."""
        transport = self.transport(scope)
        return transport if isinstance(transport, PlatformEvents) else None

    def spaces(self, scope: Scope) -> PrivateSpaces | None:
        """Private group channels, where the platform has them; None elsewhere."""
        transport = self.transport(scope)
        return transport if isinstance(transport, PrivateSpaces) else None

    async def dm(self, scope: Scope, user_id: str, reply: Reply, *, purpose: str) -> Outcome:
        return await self._dm(scope, [user_id], reply, purpose)

    async def dm_only(self, scope: Scope, user_id: str, reply: Reply, *, purpose: str) -> Outcome:
        """A DM and nothing else: for what must not sit in a channel thread or in the outbox
        (a member's data export). The caller hands it over another way when this fails."""
        entry_id = await self._repos.outbox.create(scope, "dm", user_id, purpose, self._clock.now())
        transport = self.transport(scope)
        if transport is None:
            return await self._settle(entry_id, status.FAILED, detail="no surface")
        try:
            ref = await transport.send_dm(scope, [user_id], reply)
        except (DmRefused, DeliveryFailed) as exc:
            return await self._settle(entry_id, status.FAILED, detail=f"dm only: {exc}")
        return await self._settle(entry_id, status.SENT, ref=ref)

    async def group_dm(
        self, scope: Scope, user_ids: Sequence[str], reply: Reply, *, purpose: str
    ) -> list[Outcome]:
        """One conversation with everyone; if that fails, each member down their own ladder."""
        entry_id = await self._repos.outbox.create(
            scope, "group_dm", ",".join(user_ids)[:64], purpose, self._clock.now()
        )
        transport = self.transport(scope)
        if transport is not None:
            try:
                ref = await transport.send_dm(scope, list(user_ids), reply)
            except (DmRefused, DeliveryFailed) as exc:
                await self._settle(entry_id, status.FAILED, detail=f"group dm: {exc}")
            else:
                await self._settle(entry_id, status.SENT, ref=ref)
                return [Outcome(entry_id, status.SENT, ref)]
        return [await self.dm(scope, user_id, reply, purpose=purpose) for user_id in user_ids]

    async def post(self, scope: Scope, channel_id: str, reply: Reply, *, purpose: str) -> Outcome:
        entry_id = await self._repos.outbox.create(
            scope, "post", channel_id, purpose, self._clock.now()
        )
        transport = self.transport(scope)
        if transport is None:
            return await self._settle(entry_id, status.FAILED, detail="no surface for platform")
        try:
            ref = await transport.post(scope, channel_id, reply)
        except (DeliveryFailed, DmRefused) as exc:
            log.warning("post %s (%s) failed: %s", entry_id, purpose, exc)
            return await self._settle(entry_id, status.FAILED, detail=str(exc)[:200])
        return await self._settle(entry_id, status.SENT, ref=ref)

    async def edit(self, scope: Scope, message_ref: str, reply: Reply) -> bool:
        transport = self.transport(scope)
        if transport is None:
            return False
        try:
            await transport.edit(scope, message_ref, reply)
        except (DeliveryFailed, DmRefused) as exc:
            log.warning("edit of %s failed: %s", message_ref, exc)
            return False
        return True

    async def delete(self, scope: Scope, message_ref: str) -> bool:
        transport = self.transport(scope)
        if transport is None:
            return False
        try:
            await transport.delete(scope, message_ref)
        except (DeliveryFailed, DmRefused) as exc:
            log.warning("delete of %s failed: %s", message_ref, exc)
            return False
        return True

    async def to_modlog(self, scope: Scope, text: str, *, purpose: str = "modlog") -> None:
        community = await self._repos.communities.get(scope)
        if community.modlog_channel:
            await self.post(scope, community.modlog_channel, Reply.public(text), purpose=purpose)

    async def take_held(self, scope: Scope, user_id: str) -> list[Reply]:
        """Messages that waited for this member's next interaction (and are now delivered)."""
        entries = await self._repos.outbox.take_held(scope, user_id, self._clock.now())
        return [Reply.from_payload(e.held_payload) for e in entries if e.held_payload]

    async def _dm(self, scope: Scope, user_ids: list[str], reply: Reply, purpose: str) -> Outcome:
        user_id = user_ids[0]
        entry_id = await self._repos.outbox.create(scope, "dm", user_id, purpose, self._clock.now())
        transport = self.transport(scope)
        if transport is None:
            return await self._hold(scope, entry_id, user_id, reply, purpose, "no surface")
        try:
            ref = await transport.send_dm(scope, user_ids, reply)
        except DmRefused as exc:
            reason = f"dm refused ({exc.code})"
        except DeliveryFailed as exc:
            reason = f"dm failed ({exc.code})"
        else:
            return await self._settle(entry_id, status.SENT, ref=ref)
        log.info("outbox %s (%s): %s; falling back", entry_id, purpose, reason)

        community = await self._repos.communities.get(scope)
        for channel_id in (community.announcements_channel, community.introductions_channel):
            if not channel_id:
                continue
            try:
                ref = await transport.post_private(scope, channel_id, user_id, reply)
            except (DmRefused, DeliveryFailed) as exc:
                log.warning("outbox %s: private fallback failed: %s", entry_id, exc)
                continue
            return await self._settle(
                entry_id, status.FALLBACK, detail=f"{reason}; private in {channel_id}", ref=ref
            )
        return await self._hold(scope, entry_id, user_id, reply, purpose, reason)

    async def _hold(
        self, scope: Scope, entry_id: int, user_id: str, reply: Reply, purpose: str, reason: str
    ) -> Outcome:
        await self._repos.outbox.settle(
            entry_id,
            status.HELD,
            self._clock.now(),
            detail=f"{reason}; held for next interaction",
            held_payload=reply.to_payload(),
        )
        log.warning("outbox %s (%s): held for the member's next interaction", entry_id, purpose)
        transport = self.transport(scope)
        who = transport.mention(user_id) if transport else user_id
        await self.to_modlog(
            scope,
            f"A {purpose} message to {who} could not be delivered ({reason}). "
            f"It will be shown at their next command (outbox #{entry_id}).",
            purpose="modlog:undelivered",
        )
        return Outcome(entry_id, status.HELD)

    async def _settle(
        self, entry_id: int, outcome: str, *, detail: str | None = None, ref: str | None = None
    ) -> Outcome:
        await self._repos.outbox.settle(
            entry_id, outcome, self._clock.now(), detail=detail, message_ref=ref
        )
        return Outcome(entry_id, outcome, ref)
