"""The AMA tables on SQLite and PostgreSQL: presses that race count once, a reminder is
claimed once, merges keep vote arithmetic right, and anonymous askers stay sealed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from storage import Repositories, Scope
from storage.ama import APPROVED, MERGED, PENDING, SENDING, Session, SessionDraft
from storage.schema import ama_askers

T1 = Scope("discord", "G1")


async def a_session(repos: Repositories, clock: ManualClock, count: int = 1) -> list[Session]:
    start = clock.now() + timedelta(days=2)
    drafts = [
        SessionDraft(
            "Match day",
            "",
            "host",
            "C1",
            start + timedelta(weeks=n),
            start + timedelta(weeks=n, hours=1),
            "UTC",
        )
        for n in range(count)
    ]
    series = ("weekly, 3 sessions", "FREQ=WEEKLY;COUNT=3") if count > 1 else None
    return await repos.ama.create(T1, drafts, "mod", clock.now(), series=series)


async def test_sessions_get_distinct_short_ids_and_a_series_its_order(
    repos: Repositories, clock: ManualClock
) -> None:
    sessions = await a_session(repos, clock, count=3)
    assert [s.seq for s in sessions] == [1, 2, 3]
    assert len({s.short_id for s in sessions}) == 3 and all(len(s.short_id) == 4 for s in sessions)
    assert sessions[0].series_id is not None
    assert [s.id for s in await repos.ama.in_series(sessions[0].series_id)] == [
        s.id for s in sessions
    ]
    assert (await repos.ama.series(sessions[0].series_id)).rule == "weekly, 3 sessions"  # type: ignore[union-attr]
    assert await repos.ama.get(T1, f"#{sessions[1].short_id.upper()}") == sessions[1]
    assert await repos.ama.get(Scope("slack", "G1"), sessions[1].short_id) is None  # scoped


async def test_racing_rsvp_presses_and_reminder_claims_count_once(
    repos: Repositories, clock: ManualClock
) -> None:
    [session] = await a_session(repos, clock)
    now = clock.now()
    # Two presses at once from one member: one RSVP, not two rows (nor an error).
    results = await asyncio.gather(
        *(repos.ama.toggle_rsvp(session.id, "ana", now) for _ in range(2))
    )
    assert sorted(results) == [False, True] and await repos.ama.rsvps(session.id) == []
    await repos.ama.toggle_rsvp(session.id, "ana", now)
    claims = await asyncio.gather(
        *(
            repos.ama.claim_reminder(session.id, "ana", 15, session.starts_at, SENDING, now)
            for _ in range(5)
        )
    )
    assert claims.count(True) == 1
    await repos.ama.settle_reminder(session.id, "ana", 15, session.starts_at, "sent", 7)
    assert await repos.ama.reminder_tally(session.id, session.starts_at) == {(15, "sent"): 1}
    # A moved session is a new start: its reminder may go again.
    moved = session.starts_at + timedelta(days=1)
    assert await repos.ama.claim_reminder(session.id, "ana", 15, moved, SENDING, now)


async def test_start_and_recap_are_claimed_once_and_not_for_a_cancelled_session(
    repos: Repositories, clock: ManualClock
) -> None:
    first, second = await a_session(repos, clock, count=2)
    now = clock.now()
    assert (
        sum(await asyncio.gather(*(repos.ama.mark_started(first.id, now) for _ in range(3)))) == 1
    )
    assert await repos.ama.mark_ended(first.id, now) and not await repos.ama.mark_ended(
        first.id, now
    )
    assert await repos.ama.cancel(second.id, now) and not await repos.ama.cancel(second.id, now)
    assert not await repos.ama.mark_started(second.id, now)
    assert await repos.ama.edit(second.id, now, title="Too late") is None


async def test_votes_toggle_and_a_merge_unions_voters_and_moves_askers(
    repos: Repositories, clock: ManualClock
) -> None:
    [session] = await a_session(repos, clock)
    now = clock.now()
    first = await repos.ama.ask(session, "Q1", "ana", anonymous=False, status=APPROVED, now=now)
    dup = await repos.ama.ask(session, "Q1 again", "ben", anonymous=True, status=PENDING, now=now)
    assert await repos.ama.toggle_vote(dup.id, "cy", now) is None  # pending: no votes yet
    assert await repos.ama.set_status(dup.id, (PENDING,), APPROVED, now)
    assert not await repos.ama.set_status(dup.id, (PENDING,), APPROVED, now)
    for voter in ("cy", "dee"):
        await repos.ama.toggle_vote(first.id, voter, now)
    for voter in ("dee", "eve", "fay"):
        await repos.ama.toggle_vote(dup.id, voter, now)
    taken_back = await repos.ama.toggle_vote(dup.id, "fay", now)
    assert taken_back is not None and not taken_back.voted and taken_back.votes == 2
    racing = await asyncio.gather(*(repos.ama.toggle_vote(first.id, "gus", now) for _ in range(2)))
    assert sorted(r.votes for r in racing if r) == [2, 3]  # in and out again, never 4
    assert await repos.ama.merge(dup.id, first.id, now)
    merged = await repos.ama.question(T1, first.id)
    assert merged is not None and merged.votes == 3  # {cy, dee} + {dee, eve}
    assert [(a.user_id, a.anonymous) for a in merged.askers] == [("ana", False), (None, True)]
    gone = await repos.ama.question(T1, dup.id)
    assert gone is not None and gone.status == MERGED and gone.merged_into == first.id
    assert not await repos.ama.merge(dup.id, first.id, now)  # a merged question stays merged
    assert await repos.ama.asker_ids(first.id) == ["ana", "ben"]
    assert await repos.ama.anonymous_asker_ids(first.id) == ["ben"]
    async with repos.db.read() as conn:
        rows = (await conn.execute(select(ama_askers.c.user_id, ama_askers.c.user_sealed))).all()
    assert ("ben" not in {r.user_id for r in rows}) and all(
        "ben" not in (r.user_sealed or "") for r in rows
    )
    listed = await repos.ama.questions(session.id)
    assert [q.id for q in listed] == [first.id]
