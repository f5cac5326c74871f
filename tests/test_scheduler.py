"""Scheduled jobs: the table is the truth, across restarts, exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import Clock, ManualClock
from config.settings import Settings
from storage import jobs as status
from tests.probe import RAN_JOBS, build_probe
from tests.support import SCOPE, TestHarness

START = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


async def started(tmp_path: Path, clock: Clock) -> TestHarness:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    harness = TestHarness(settings, clock)
    await harness.app.start(with_surfaces=True)
    harness.add_feature(build_probe(harness.core))
    # Registering the probe after start: re-run what start() does for due jobs.
    await harness.core.scheduler.run_due()
    return harness


async def test_a_job_due_while_the_process_was_down_runs_after_restart(tmp_path: Path) -> None:
    clock = ManualClock(START)
    first = await started(tmp_path, clock)
    await first.context("bob")
    job = await first.core.scheduler.schedule(
        SCOPE, "probe.ping", "bob-1", START + timedelta(hours=1), {"to": "bob"}
    )
    await first.stop()  # the process goes down before the job is due

    clock.advance(timedelta(hours=2))
    second = await started(tmp_path, clock)
    try:
        after = await second.core.repos.jobs.get(job.id)
        assert after is not None and after.status == status.DONE
        assert [s.to for s in second.recorder.of_kind("dm")] == [("bob",)]
        # A third start runs nothing again.
        assert await second.core.scheduler.run_due() == 0
    finally:
        await second.stop()


async def test_a_late_job_that_no_longer_makes_sense_is_recorded_as_missed(
    tmp_path: Path,
) -> None:
    clock = ManualClock(START)
    first = await started(tmp_path, clock)
    job = await first.core.scheduler.schedule(
        SCOPE, "probe.ping", "stale", START + timedelta(minutes=5), {"to": "bob", "relevant": False}
    )
    await first.stop()
    clock.advance(timedelta(hours=1))
    second = await started(tmp_path, clock)
    try:
        after = await second.core.repos.jobs.get(job.id)
        assert after is not None and after.status == status.MISSED
        assert after.detail is not None and "while down" in after.detail
        assert second.recorder.of_kind("dm") == []
    finally:
        await second.stop()


async def test_a_job_running_when_the_process_died_is_recorded_not_rerun(tmp_path: Path) -> None:
    clock = ManualClock(START)
    first = await started(tmp_path, clock)
    job = await first.core.scheduler.schedule(
        SCOPE, "probe.ping", "k", START + timedelta(minutes=1), {"to": "bob"}
    )
    assert await first.core.repos.jobs.claim(job.id) is not None  # died mid-run
    await first.stop()
    clock.advance(timedelta(minutes=5))
    second = await started(tmp_path, clock)
    try:
        after = await second.core.repos.jobs.get(job.id)
        assert after is not None and after.status == status.INTERRUPTED
        assert second.recorder.of_kind("dm") == []
    finally:
        await second.stop()


async def test_the_same_job_never_runs_twice(tmp_path: Path) -> None:
    clock = ManualClock(START)
    harness = await started(tmp_path, clock)
    try:
        due = START + timedelta(minutes=10)
        job = await harness.core.scheduler.schedule(SCOPE, "probe.ping", "once", due, {"to": "b"})
        again = await harness.core.scheduler.schedule(SCOPE, "probe.ping", "once", due, {"to": "b"})
        assert again.id == job.id
        clock.advance(timedelta(minutes=10))
        results = await asyncio.gather(*(harness.core.scheduler.run_due() for _ in range(5)))
        assert sum(results) == 1
        # Scheduling it again after it ran does not revive it.
        revived = await harness.core.scheduler.schedule(
            SCOPE, "probe.ping", "once", due + timedelta(days=1), {"to": "b"}
        )
        assert revived.status == status.DONE
        clock.advance(timedelta(days=2))
        assert await harness.core.scheduler.run_due() == 0
        assert len(harness.recorder.of_kind("dm")) == 1
    finally:
        await harness.stop()


async def test_cancel_and_reschedule(tmp_path: Path) -> None:
    clock = ManualClock(START)
    harness = await started(tmp_path, clock)
    try:
        sched = harness.core.scheduler
        await sched.schedule(SCOPE, "probe.ping", "a", START + timedelta(minutes=1), {"to": "a"})
        await sched.schedule(SCOPE, "probe.ping", "b", START + timedelta(minutes=1), {"to": "b"})
        assert await sched.cancel(SCOPE, "probe.ping", "a")
        await sched.schedule(SCOPE, "probe.ping", "b", START + timedelta(hours=3), {"to": "b"})
        clock.advance(timedelta(hours=1))
        assert await sched.run_due() == 0
        clock.advance(timedelta(hours=2))
        assert await sched.run_due() == 1
        assert [s.to for s in harness.recorder.of_kind("dm")] == [("b",)]
    finally:
        await harness.stop()


async def test_cancel_by_key_prefix_takes_only_matching_pending_jobs(tmp_path: Path) -> None:
    clock = ManualClock(START)
    harness = await started(tmp_path, clock)
    try:
        sched = harness.core.scheduler
        due = START + timedelta(minutes=1)
        for key in ("7:1440", "7:15", "70:15", "8_1", "8x1"):
            await sched.schedule(SCOPE, "probe.ping", key, due, {"to": key})
        assert await sched.cancel_prefix(SCOPE, "probe.ping", "7:") == 2
        assert await sched.cancel_prefix(SCOPE, "probe.ping", "7:") == 0
        # "_" is literal in a prefix, not a LIKE wildcard.
        assert await sched.cancel_prefix(SCOPE, "probe.ping", "8_") == 1
        clock.advance(timedelta(minutes=2))
        assert await sched.run_due() == 2
        assert sorted(s.to for s in harness.recorder.of_kind("dm")) == [("70:15",), ("8x1",)]
    finally:
        await harness.stop()


async def test_apscheduler_wakes_a_job_in_real_time(tmp_path: Path) -> None:
    clock = Clock()
    harness = await started(tmp_path, clock)
    try:
        before = len(RAN_JOBS)
        job = await harness.core.scheduler.schedule(
            SCOPE, "probe.ping", "soon", clock.now() + timedelta(milliseconds=300), {"to": "c"}
        )
        for _ in range(100):
            stored = await harness.core.repos.jobs.get(job.id)
            if stored is not None and stored.status == status.DONE:
                break
            await asyncio.sleep(0.05)
        stored = await harness.core.repos.jobs.get(job.id)
        assert stored is not None and stored.status == status.DONE
        assert RAN_JOBS[before:] == [job.id]
    finally:
        await harness.stop()
