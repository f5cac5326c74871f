"""The mentorship tables on SQLite and PostgreSQL: slots are never over-taken, a proposal
is answered once, sealed fields stay sealed, and the funnel counts add up."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from storage import Repositories, Scope
from storage.mentorship import ACCEPTED, DECLINED, PENDING, MenteeRequest, MentorOffer
from storage.schema import mentor_offers, mentor_proposals

T1 = Scope("slack", "T1")


def offer(user_id: str, capacity: int = 1) -> MentorOffer:
    return MentorOffer(
        T1, user_id, ("cardiology",), ("resident",), capacity, "Bio.", identities=("URiM",)
    )


def request(user_id: str) -> MenteeRequest:
    return MenteeRequest(T1, user_id, ("cardiology",), "resident", "Grow.", identities=("SGM",))


async def test_concurrent_proposals_never_exceed_a_mentors_capacity(
    repos: Repositories, clock: ManualClock
) -> None:
    m = repos.mentorship
    now = clock.now()
    await m.save_offer(offer("dr", capacity=2), now)
    requests = [await m.save_request(request(f"u{n}"), now) for n in range(6)]
    made = await asyncio.gather(
        *(m.propose(r, "dr", 50, ("shared interests: cardiology",), now, now) for r in requests)
    )
    assert sum(p is not None for p in made) == 2
    assert (await m.loads(T1)) == {"dr": 2}
    # A paused mentor takes no proposal, even with room.
    await m.save_offer(offer("dr2", capacity=3), now)
    await m.set_pause(T1, "dr2", True, now + timedelta(days=1), now)
    waiting = [r for r in await m.requests(T1) if r.status == "waiting"]
    assert await m.propose(waiting[0], "dr2", 50, (), now, now) is None


async def test_a_proposal_is_answered_once_and_its_request_follows(
    repos: Repositories, clock: ManualClock
) -> None:
    m = repos.mentorship
    now = clock.now()
    await m.save_offer(offer("dr", capacity=2), now)
    ana = await m.save_request(request("ana"), now)
    ben = await m.save_request(request("ben"), now)
    first = await m.propose(ana, "dr", 40, ("x",), now, now + timedelta(hours=72))
    second = await m.propose(ben, "dr", 40, ("x",), now, now + timedelta(hours=72))
    assert first and second and first.status == PENDING
    matches = await asyncio.gather(m.accept(T1, first.id, now), m.accept(T1, first.id, now))
    assert sum(x is not None for x in matches) == 1
    assert await m.close_proposal(T1, first.id, DECLINED, now) is None  # already accepted
    closed = await m.close_proposal(T1, second.id, DECLINED, now)
    assert closed is not None and closed.status == DECLINED
    ben_now = await m.get_request(T1, ben.id)
    assert ben_now is not None and ben_now.status == "waiting"  # back in the queue
    [match] = await m.matches(T1, user_id="ana")
    assert match.mentor_id == "dr" and match.other("dr") == "ana"
    assert await m.end_match(T1, match.id, "ana", now)
    assert not await m.end_match(T1, match.id, "ana", now)
    assert await m.record_checkin(match.id, "ana", 1, "yes", now)
    assert not await m.record_checkin(match.id, "ana", 1, "end", now)
    funnel = await m.funnel(T1)
    assert (funnel.requests, funnel.proposals, funnel.accepted, funnel.declined) == (2, 2, 1, 1)
    assert funnel.matches == 1 and funnel.checkins == {"yes": 1}
    [accepted] = await m.proposals(T1, statuses=(ACCEPTED,))
    assert accepted.id == first.id


async def test_identities_reasons_and_feedback_are_sealed_at_rest(
    repos: Repositories, clock: ManualClock
) -> None:
    m = repos.mentorship
    now = clock.now()
    await m.save_offer(offer("dr"), now)
    ana = await m.save_request(request("ana"), now)
    proposal = await m.propose(ana, "dr", 40, ("x",), now, now)
    assert proposal is not None
    await m.set_decline_reason(proposal.id, "canary-reason-5521")
    async with repos.db.read() as conn:
        sealed_offer = (await conn.execute(select(mentor_offers.c.identities_sealed))).scalar()
        sealed_reason = (await conn.execute(select(mentor_proposals.c.reason_sealed))).scalar()
    assert sealed_offer and "URiM" not in sealed_offer
    assert sealed_reason and "canary" not in sealed_reason
    assert (await m.get_offer(T1, "dr")).identities == ("URiM",)  # type: ignore[union-attr]
    assert (await m.decline_reasons(T1)) == [(proposal.id, "canary-reason-5521")]
    await m.set_fairness(T1, 1.5, now)
    await m.set_fairness(T1, None, now)
    assert await m.fairness(T1) is None
