"""A per-member command rate limit: a token bucket, so a member may send a short burst of
commands at once and then keep a steady pace, while a script hammering the bot is slowed.

The bucket reads the core's clock (not the wall clock), so tests can move time by hand.
One limiter serves one process; with several processes each keeps its own buckets.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime


@dataclass
class _Bucket:
    tokens: float
    updated: datetime


class RateLimiter:
    def __init__(self, burst: int, per_minute: float, now: Callable[[], datetime]) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("a rate limit needs a burst of at least 1 and a positive rate")
        self.burst = burst
        self.per_second = per_minute / 60
        self._now = now
        self._buckets: dict[Hashable, _Bucket] = {}

    def take(self, key: Hashable) -> float:
        """Spend one token for `key`: 0.0 when allowed, else the seconds until one is free."""
        now = self._now()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        elapsed = max((now - bucket.updated).total_seconds(), 0.0)
        bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            self._forget_full(now)
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def _forget_full(self, now: datetime) -> None:
        # A bucket that has refilled is the same as no bucket: drop those now and then, so
        # memory follows the members active in the last few minutes, not everyone ever seen.
        if len(self._buckets) < 1024:
            return
        refill = self.burst / self.per_second
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if (now - bucket.updated).total_seconds() < refill
        }
