"""Neutral events raised by surfaces and handled by features (for example a member joining)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.tasks import BackgroundTasks

if TYPE_CHECKING:
    from bot.registry import Registry

log = logging.getLogger(__name__)

MEMBER_JOINED = "member_joined"
# Left the community (a Discord member leaving the server): features drop what they hold
# for them, such as access to private group channels.
MEMBER_LEFT = "member_left"
# A member asked to erase their data (/privacy delete). Handlers are awaited one by one,
# before the rows go, so each feature can wind down on the platform (revoke a group space,
# end a match and tell the other person, delete an intro post) while it still knows how.
MEMBER_ERASING = "member_erasing"


class EventBus:
    def __init__(self, tasks: BackgroundTasks) -> None:
        self._tasks = tasks
        self._registry: Registry | None = None

    def attach(self, registry: Registry) -> None:
        self._registry = registry

    def emit(self, event: str, **payload: Any) -> int:
        """Run every handler for `event` as tracked background work; return how many."""
        handlers = self._registry.event_handlers(event) if self._registry else []
        for handler in handlers:
            self._tasks.spawn(handler(**payload), name=f"event:{event}")
        return len(handlers)
