"""What both fakes use to let a test wait for something the bot will do."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Waiting:
    """Call `_notify()` whenever the fake's records change; `_wait_for(predicate)` returns
    the predicate's first non-None answer, or raises TimeoutError naming what it awaited."""

    _waiters: list[asyncio.Future[None]]

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def _wait_for(self, predicate: Callable[[], T | None], timeout: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{type(self).__name__}: timed out waiting for {what}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            await asyncio.wait([fut], timeout=remaining)
