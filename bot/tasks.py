"""Background tasks that are tracked: their exceptions are logged, and shutdown drains them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        if self._closing:
            coro.close()
            raise RuntimeError("shutting down: no new background work")
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, grace_seconds: float = 10.0) -> None:
        """Wait for running work to finish; cancel what still runs after the grace period."""
        self._closing = True
        if not self._tasks:
            return
        _, still_running = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
        for task in still_running:
            log.warning("cancelling background task %s at shutdown", task.get_name())
            task.cancel()
        if still_running:
            await asyncio.gather(*still_running, return_exceptions=True)

    async def settle(self) -> None:
        """Wait until no background work is left (tests and the console use this)."""
        while self._tasks:
            await asyncio.gather(*set(self._tasks), return_exceptions=True)
