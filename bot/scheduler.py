"""Scheduled work: the `scheduled_jobs` table is the truth, APScheduler only wakes us up.

* A job is a row (kind, key, due time, small JSON payload). APScheduler holds nothing but
  the row id, in an in-memory store rebuilt from the table at every start.
* A row is claimed (pending -> running) in a transaction before its handler runs, so a job
  never runs twice, even if it is armed twice or two processes share the database.
* A job that came due while the bot was down runs at start, unless its kind says it no
  longer makes sense; then it is recorded as `missed`. Jobs of a kind no loaded feature
  handles (the feature is switched off or failed to load) stay pending until it is back.
* A job that was running when the process died is recorded as `interrupted`.
* Nothing is dropped silently; APScheduler's own misfire grace (1 s by default) is
  switched off for that reason.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.feature import JobKind
from storage import Repositories
from storage import jobs as status
from storage.models import Job, Scope

log = logging.getLogger(__name__)

# A job that fires later than this after its due time counts as late, and its kind's
# `still_relevant` check decides whether it runs or is recorded as missed.
LATE_AFTER = timedelta(minutes=1)


class Scheduler:
    def __init__(self, repos: Repositories, clock: Clock) -> None:
        self._repos = repos
        self._clock = clock
        self._kinds: dict[str, JobKind] = {}
        self._aps: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[Any]] = set()
        self._lock = asyncio.Lock()  # run_due() callers do not overlap

    def register(self, kind: JobKind) -> None:
        self._kinds[kind.name] = kind

    @property
    def started(self) -> bool:
        return self._aps is not None

    async def start(self) -> None:
        """Record interrupted jobs, run what came due while down, and arm the rest."""
        now = self._clock.now()
        interrupted = await self._repos.jobs.mark_interrupted(now)
        if interrupted:
            log.warning("%d job(s) were interrupted by the last shutdown (recorded)", interrupted)
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": False, "max_instances": 1},
        )
        self._aps.start()
        await self.run_due()
        await self.rearm()

    async def stop(self) -> None:
        """Stop waking up, and wait for jobs that are running right now."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        if self._running:
            await asyncio.gather(*set(self._running), return_exceptions=True)

    async def schedule(
        self,
        scope: Scope,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
    ) -> Job:
        """Create (or move, while still pending) the job `kind`/`key` of a community."""
        if kind not in self._kinds:
            raise ValueError(f"unknown job kind {kind!r}")
        job = await self._repos.jobs.put(scope, kind, key, due_at, payload or {}, self._clock.now())
        if job.status == status.PENDING:
            self._arm(job)
        return job

    async def cancel(self, scope: Scope, kind: str, key: str) -> bool:
        job = await self._repos.jobs.by_key(scope, kind, key)
        cancelled = await self._repos.jobs.cancel(scope, kind, key, self._clock.now())
        if cancelled and job is not None and self._aps is not None:
            self._disarm(job.id)
        return cancelled

    async def cancel_prefix(self, scope: Scope, kind: str, key_prefix: str) -> int:
        """Cancel every pending job of a kind whose key starts with the prefix."""
        cancelled = 0
        for job in await self._repos.jobs.pending_with_prefix(scope, kind, key_prefix):
            cancelled += await self.cancel(scope, kind, job.key)
        return cancelled

    async def run_due(self) -> int:
        """Run every pending job whose time has come, oldest first. Returns how many ran."""
        async with self._lock:
            ran = 0
            # Jobs may schedule further jobs that are already due: keep going until none.
            while due := await self._repos.jobs.pending(
                due_by=self._clock.now(), kinds=tuple(self._kinds)
            ):
                for job in due:
                    if await self._fire(job.id):
                        ran += 1
            return ran

    async def rearm(self) -> None:
        """Arm APScheduler for every pending job (after start, or after the clock moved)."""
        if self._aps is None:
            return
        self._aps.remove_all_jobs()
        for job in await self._repos.jobs.pending(kinds=tuple(self._kinds)):
            self._arm(job)

    def _arm(self, job: Job) -> None:
        if self._aps is None or not self._clock.follows_real_time:
            return
        # Map the community clock onto real time (they differ only when the clock was moved).
        delay = job.due_at - self._clock.now()
        run_at = datetime.now(UTC) + max(delay, timedelta(0))
        self._aps.add_job(
            self._wake,
            "date",
            run_date=run_at,
            args=[job.id],
            id=str(job.id),
            replace_existing=True,
        )

    def _disarm(self, job_id: int) -> None:
        assert self._aps is not None
        if self._aps.get_job(str(job_id)) is not None:
            self._aps.remove_job(str(job_id))

    async def _wake(self, job_id: int) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await self._fire(job_id)
        finally:
            if task is not None:
                self._running.discard(task)

    async def _fire(self, job_id: int) -> bool:
        """Claim and run one job. Returns True when its handler ran."""
        job = await self._repos.jobs.claim(job_id)
        if job is None:
            return False  # already run, cancelled, or claimed elsewhere
        now = self._clock.now()
        kind = self._kinds[job.kind]
        try:
            late = now - job.due_at > LATE_AFTER
            if late and kind.still_relevant is not None and not await kind.still_relevant(job):
                await self._repos.jobs.finish(
                    job.id, status.MISSED, now, f"came due {job.due_at.isoformat()} while down"
                )
                log.warning("job %s (%s) missed while down; recorded", job.id, job.kind)
                return False
            await kind.handler(job)
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            await self._repos.jobs.finish(
                job.id, status.FAILED, self._clock.now(), type(exc).__name__
            )
            return False
        await self._repos.jobs.finish(job.id, status.DONE, self._clock.now())
        return True
