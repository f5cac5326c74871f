"""The per-member command rate limit: a burst, then a sustained pace; moderators exempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.model import Reply
from bot.ratelimit import RateLimiter
from config.settings import Settings
from tests.support import SCOPE, TestHarness

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
INTRO = '/intro post name:Ana stage:resident about:"Hello all" looking_for:mentorship'


def test_a_burst_then_the_sustained_rate() -> None:
    clock = ManualClock(START)
    limiter = RateLimiter(burst=3, per_minute=6, now=clock.now)  # one token every 10 s
    assert [limiter.take("ana") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("ana") == pytest.approx(10.0)
    assert limiter.take("ben") == 0.0  # buckets are per member
    clock.advance(timedelta(seconds=5))
    assert limiter.take("ana") == pytest.approx(5.0)  # half a token back: not enough yet
    clock.advance(timedelta(seconds=5))
    assert limiter.take("ana") == 0.0
    assert limiter.take("ana") > 0
    clock.advance(timedelta(hours=1))  # refills to the burst, never beyond it
    assert [limiter.take("ana") for _ in range(4)][-1] > 0


def test_refilled_buckets_are_forgotten_so_memory_stays_bounded() -> None:
    clock = ManualClock(START)
    limiter = RateLimiter(burst=2, per_minute=60, now=clock.now)
    for n in range(2000):
        limiter.take(f"member-{n}")
    clock.advance(timedelta(minutes=5))
    limiter.take("late")
    assert len(limiter._buckets) < 1024


@pytest.mark.parametrize(("burst", "rate"), [(0, 10.0), (3, 0.0), (3, -1.0)])
def test_a_limit_that_would_refuse_everything_is_refused(burst: int, rate: float) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateLimiter(burst, rate, now=lambda: START)


@pytest.fixture
async def tight(tmp_path: Path) -> TestHarness:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, rate_limit_burst=3, rate_limit_per_minute=6
    )
    harness = TestHarness(settings, ManualClock(START))
    await harness.start()
    yield harness  # type: ignore[misc]
    await harness.stop()


def _text(responses: list[object]) -> str:
    return "\n".join(r.text for r in responses if isinstance(r, Reply))


async def test_a_member_past_the_burst_is_told_to_slow_down_and_nothing_runs(
    tight: TestHarness,
) -> None:
    for _ in range(3):
        assert "Slow down" not in _text(await tight.run("ana", "/help"))
    refused = await tight.run("ana", INTRO)
    assert len(refused) == 1 and refused[0].private  # type: ignore[union-attr]
    assert "Slow down" in _text(refused) and "10 seconds" in _text(refused)
    assert await tight.core.repos.profiles.get(SCOPE, "ana") is None
    # Buttons and forms count too: they reach the same handlers.
    assert "Slow down" in _text(await tight.press("ana", "privacy.cancel:"))
    assert "Slow down" not in _text(await tight.run("ben", "/help"))  # others unaffected
    tight.core.clock.advance(timedelta(seconds=10))
    assert "Slow down" not in _text(await tight.run("ana", "/help"))


async def test_moderators_are_exempt(tight: TestHarness) -> None:
    for _ in range(12):
        assert "Slow down" not in _text(await tight.run("mod", "/audit recent", admin=True))
