"""Mentor offers, mentee requests, proposals, matches, check-ins and feedback.

Every step that must not race (a proposal taking a mentor's slot, an accept, an end) is
one transaction that re-checks its preconditions, so two presses, a job and a command
arriving together can never over-fill a mentor or accept a proposal twice. Identities,
decline reasons and feedback are sealed at rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from storage.crypto import Sealer
from storage.db import Database
from storage.models import Scope
from storage.schema import (
    in_scope,
    match_checkins,
    match_feedback,
    mentee_requests,
    mentor_matches,
    mentor_offers,
    mentor_proposals,
    mentorship_settings,
    scope_values,
)

# Request states: waiting for a proposal, a proposal is out, matched, or withdrawn.
WAITING = "waiting"
PROPOSED = "proposed"
MATCHED = "matched"
WITHDRAWN = "withdrawn"
OPEN_REQUEST = (WAITING, PROPOSED)

# Proposal states.
PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"
EXPIRED = "expired"
CANCELLED = "cancelled"  # the mentee withdrew, or the mentor paused

# Match states.
ACTIVE = "active"
ENDED = "ended"


@dataclass(frozen=True, slots=True)
class MentorOffer:
    scope: Scope
    user_id: str
    specialties: tuple[str, ...]
    stages: tuple[str, ...]
    capacity: int
    bio: str
    institution: str | None = None
    timezone: str | None = None
    languages: tuple[str, ...] = ()
    identities: tuple[str, ...] = ()
    paused: bool = False
    paused_until: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def is_paused(self, now: datetime) -> bool:
        return self.paused and (self.paused_until is None or self.paused_until > now)


@dataclass(frozen=True, slots=True)
class MenteeRequest:
    scope: Scope
    user_id: str
    interests: tuple[str, ...]
    stage: str
    goals: str
    identities: tuple[str, ...] = ()
    same_identity: bool = False
    outside_institution: str = "no"
    institution: str | None = None
    language: str | None = None
    timezone: str | None = None
    timezone_window: int | None = None
    id: int = 0
    status: str = WAITING
    searching_told: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    scope: Scope
    request_id: int
    mentor_id: str
    mentee_id: str
    score: int
    reasons: tuple[str, ...]
    status: str
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None = None
    message_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    id: int
    scope: Scope
    mentor_id: str
    mentee_id: str
    request_id: int
    proposal_id: int
    status: str
    created_at: datetime
    met_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None

    def other(self, user_id: str) -> str:
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id


@dataclass(frozen=True, slots=True)
class Feedback:
    match_id: int
    user_id: str
    rating: int | None
    text: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Funnel:
    requests: int
    proposals: int
    accepted: int
    declined: int
    expired: int
    matches: int
    checkins: dict[str, int]


class MentorshipRepository:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self.db = db
        self._sealer = sealer

    # ----- offers ---------------------------------------------------------------------------

    async def get_offer(self, scope: Scope, user_id: str) -> MentorOffer | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(mentor_offers).where(
                        in_scope(mentor_offers, scope), mentor_offers.c.user_id == user_id
                    )
                )
            ).first()
        return None if row is None else self._offer(scope, row)

    async def offers(self, scope: Scope) -> list[MentorOffer]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(mentor_offers)
                    .where(in_scope(mentor_offers, scope))
                    .order_by(mentor_offers.c.user_id)
                )
            ).all()
        return [self._offer(scope, row) for row in rows]

    async def save_offer(self, offer: MentorOffer, now: datetime) -> MentorOffer:
        """Create or replace the offer; a pause in force is kept."""
        values = {
            "specialties": _dump(offer.specialties),
            "stages": _dump(offer.stages),
            "capacity": offer.capacity,
            "institution": offer.institution,
            "timezone": offer.timezone,
            "languages": _dump(offer.languages),
            "bio": offer.bio,
            "identities_sealed": self._seal_list(offer.identities),
            "updated_at": now,
        }
        where = (in_scope(mentor_offers, offer.scope), mentor_offers.c.user_id == offer.user_id)
        async with self.db.transaction() as conn:
            found = (await conn.execute(select(mentor_offers.c.user_id).where(*where))).first()
            if found is None:
                await conn.execute(
                    insert(mentor_offers).values(
                        **scope_values(offer.scope),
                        user_id=offer.user_id,
                        paused=False,
                        created_at=now,
                        **values,
                    )
                )
            else:
                await conn.execute(update(mentor_offers).where(*where).values(**values))
            saved = await self.get_offer(offer.scope, offer.user_id)
        assert saved is not None
        return saved

    async def set_pause(
        self, scope: Scope, user_id: str, paused: bool, until: datetime | None, now: datetime
    ) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(mentor_offers)
                .where(in_scope(mentor_offers, scope), mentor_offers.c.user_id == user_id)
                .values(paused=paused, paused_until=until if paused else None, updated_at=now)
            )
        return bool(result.rowcount)

    async def loads(self, scope: Scope) -> dict[str, int]:
        """Mentees each mentor has now or has been asked about: active matches plus
        pending proposals. A pending proposal holds its slot until it is answered."""
        async with self.db.read() as conn:
            matched = (
                await conn.execute(
                    select(mentor_matches.c.mentor_id, func.count())
                    .where(in_scope(mentor_matches, scope), mentor_matches.c.status == ACTIVE)
                    .group_by(mentor_matches.c.mentor_id)
                )
            ).all()
            pending = (
                await conn.execute(
                    select(mentor_proposals.c.mentor_id, func.count())
                    .where(in_scope(mentor_proposals, scope), mentor_proposals.c.status == PENDING)
                    .group_by(mentor_proposals.c.mentor_id)
                )
            ).all()
        loads: dict[str, int] = {}
        for mentor_id, count in [*matched, *pending]:
            loads[mentor_id] = loads.get(mentor_id, 0) + int(count)
        return loads

    # ----- requests -------------------------------------------------------------------------

    async def open_request(self, scope: Scope, user_id: str) -> MenteeRequest | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(mentee_requests)
                    .where(
                        in_scope(mentee_requests, scope),
                        mentee_requests.c.user_id == user_id,
                        mentee_requests.c.status.in_(OPEN_REQUEST),
                    )
                    .order_by(mentee_requests.c.id.desc())
                )
            ).first()
        return None if row is None else self._request(scope, row)

    async def get_request(self, scope: Scope, request_id: int) -> MenteeRequest | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(mentee_requests).where(
                        in_scope(mentee_requests, scope), mentee_requests.c.id == request_id
                    )
                )
            ).first()
        return None if row is None else self._request(scope, row)

    async def requests(
        self, scope: Scope, statuses: Iterable[str] = OPEN_REQUEST
    ) -> list[MenteeRequest]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(mentee_requests)
                    .where(
                        in_scope(mentee_requests, scope),
                        mentee_requests.c.status.in_(tuple(statuses)),
                    )
                    .order_by(mentee_requests.c.created_at, mentee_requests.c.id)
                )
            ).all()
        return [self._request(scope, row) for row in rows]

    async def save_request(self, request: MenteeRequest, now: datetime) -> MenteeRequest:
        """Update the member's open request, or open a new one (waiting)."""
        values = {
            "interests": _dump(request.interests),
            "stage": request.stage,
            "goals": request.goals,
            "identities_sealed": self._seal_list(request.identities),
            "same_identity": request.same_identity,
            "outside_institution": request.outside_institution,
            "institution": request.institution,
            "language": request.language,
            "timezone": request.timezone,
            "timezone_window": request.timezone_window,
            "updated_at": now,
        }
        async with self.db.transaction() as conn:
            found = await self.open_request(request.scope, request.user_id)
            if found is None:
                result = await conn.execute(
                    insert(mentee_requests)
                    .values(
                        **scope_values(request.scope),
                        user_id=request.user_id,
                        status=WAITING,
                        searching_told=False,
                        created_at=now,
                        **values,
                    )
                    .returning(mentee_requests.c.id)
                )
                request_id = int(result.scalar_one())
            else:
                request_id = found.id
                await conn.execute(
                    update(mentee_requests)
                    .where(mentee_requests.c.id == request_id)
                    .values(**values)
                )
            saved = await self.get_request(request.scope, request_id)
        assert saved is not None
        return saved

    async def set_searching_told(self, request_id: int, told: bool) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(mentee_requests)
                .where(mentee_requests.c.id == request_id)
                .values(searching_told=told)
            )

    async def withdraw_request(self, scope: Scope, request_id: int, now: datetime) -> list[int]:
        """Close an open request and cancel its pending proposal. Returns the cancelled
        proposals' ids (their mentors should hear that the question is off)."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(mentee_requests)
                .where(
                    in_scope(mentee_requests, scope),
                    mentee_requests.c.id == request_id,
                    mentee_requests.c.status.in_(OPEN_REQUEST),
                )
                .values(status=WITHDRAWN, updated_at=now)
            )
            if not result.rowcount:
                return []
            pending = (
                await conn.execute(
                    select(mentor_proposals.c.id).where(
                        mentor_proposals.c.request_id == request_id,
                        mentor_proposals.c.status == PENDING,
                    )
                )
            ).all()
            ids = [int(row.id) for row in pending]
            if ids:
                await conn.execute(
                    update(mentor_proposals)
                    .where(mentor_proposals.c.id.in_(ids))
                    .values(status=CANCELLED, answered_at=now)
                )
        return ids

    # ----- proposals ------------------------------------------------------------------------

    async def propose(
        self,
        request: MenteeRequest,
        mentor_id: str,
        score: int,
        reasons: tuple[str, ...],
        now: datetime,
        expires_at: datetime,
    ) -> Proposal | None:
        """Take one of the mentor's slots for this request, if the request still waits,
        the mentor is still offering, unpaused and has room. None otherwise."""
        scope = request.scope
        async with self.db.transaction() as conn:
            current = await self.get_request(scope, request.id)
            offer = await self.get_offer(scope, mentor_id)
            if current is None or current.status != WAITING or offer is None:
                return None
            if offer.is_paused(now):
                return None
            if (await self.loads(scope)).get(mentor_id, 0) >= offer.capacity:
                return None
            result = await conn.execute(
                insert(mentor_proposals)
                .values(
                    **scope_values(scope),
                    request_id=request.id,
                    mentor_id=mentor_id,
                    mentee_id=request.user_id,
                    score=score,
                    reasons=_dump(reasons),
                    status=PENDING,
                    created_at=now,
                    expires_at=expires_at,
                )
                .returning(mentor_proposals.c.id)
            )
            proposal_id = int(result.scalar_one())
            await conn.execute(
                update(mentee_requests)
                .where(mentee_requests.c.id == request.id)
                .values(status=PROPOSED, searching_told=False, updated_at=now)
            )
            proposal = await self.get_proposal(scope, proposal_id)
        assert proposal is not None
        return proposal

    async def get_proposal(self, scope: Scope, proposal_id: int) -> Proposal | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(mentor_proposals).where(
                        in_scope(mentor_proposals, scope), mentor_proposals.c.id == proposal_id
                    )
                )
            ).first()
        return None if row is None else _proposal(scope, row)

    async def proposals(
        self,
        scope: Scope,
        *,
        statuses: Iterable[str] | None = None,
        request_id: int | None = None,
        user_id: str | None = None,
    ) -> list[Proposal]:
        query = select(mentor_proposals).where(in_scope(mentor_proposals, scope))
        if statuses is not None:
            query = query.where(mentor_proposals.c.status.in_(tuple(statuses)))
        if request_id is not None:
            query = query.where(mentor_proposals.c.request_id == request_id)
        if user_id is not None:
            query = query.where(
                or_(
                    mentor_proposals.c.mentor_id == user_id,
                    mentor_proposals.c.mentee_id == user_id,
                )
            )
        async with self.db.read() as conn:
            rows = (await conn.execute(query.order_by(mentor_proposals.c.id))).all()
        return [_proposal(scope, row) for row in rows]

    async def set_message_ref(self, proposal_id: int, ref: str | None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(mentor_proposals)
                .where(mentor_proposals.c.id == proposal_id)
                .values(message_ref=ref)
            )

    async def close_proposal(
        self, scope: Scope, proposal_id: int, status: str, now: datetime
    ) -> Proposal | None:
        """Decline, expire or cancel a pending proposal and put its request back in the
        queue. None when it was no longer pending (answered twice, or raced a job)."""
        async with self.db.transaction() as conn:
            proposal = await self._answer(scope, proposal_id, status, now)
            if proposal is None:
                return None
            await conn.execute(
                update(mentee_requests)
                .where(
                    mentee_requests.c.id == proposal.request_id,
                    mentee_requests.c.status == PROPOSED,
                )
                .values(status=WAITING, updated_at=now)
            )
        return proposal

    async def set_decline_reason(self, proposal_id: int, reason: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(mentor_proposals)
                .where(mentor_proposals.c.id == proposal_id)
                .values(reason_sealed=self._sealer.seal(reason))
            )

    async def decline_reasons(self, scope: Scope, limit: int = 10) -> list[tuple[int, str]]:
        """The latest reasons mentors gave for declining (moderators only)."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(mentor_proposals.c.id, mentor_proposals.c.reason_sealed)
                    .where(
                        in_scope(mentor_proposals, scope),
                        mentor_proposals.c.reason_sealed.is_not(None),
                    )
                    .order_by(mentor_proposals.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [(int(row.id), self._sealer.open(row.reason_sealed)) for row in rows]

    async def accept(self, scope: Scope, proposal_id: int, now: datetime) -> Match | None:
        """Accept a pending proposal: the proposal, its request and a new active match in
        one transaction. None when it was no longer pending."""
        async with self.db.transaction() as conn:
            proposal = await self._answer(scope, proposal_id, ACCEPTED, now)
            if proposal is None:
                return None
            await conn.execute(
                update(mentee_requests)
                .where(mentee_requests.c.id == proposal.request_id)
                .values(status=MATCHED, updated_at=now)
            )
            inserted = await conn.execute(
                insert(mentor_matches)
                .values(
                    **scope_values(scope),
                    mentor_id=proposal.mentor_id,
                    mentee_id=proposal.mentee_id,
                    request_id=proposal.request_id,
                    proposal_id=proposal.id,
                    status=ACTIVE,
                    created_at=now,
                )
                .returning(mentor_matches.c.id)
            )
            match = await self.get_match(scope, int(inserted.scalar_one()))
        assert match is not None
        return match

    async def _answer(
        self, scope: Scope, proposal_id: int, status: str, now: datetime
    ) -> Proposal | None:
        """Move a pending proposal to `status`; None when it was no longer pending."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(mentor_proposals)
                .where(
                    in_scope(mentor_proposals, scope),
                    mentor_proposals.c.id == proposal_id,
                    mentor_proposals.c.status == PENDING,
                )
                .values(status=status, answered_at=now)
            )
            if not result.rowcount:
                return None
            return await self.get_proposal(scope, proposal_id)

    # ----- matches --------------------------------------------------------------------------

    async def get_match(self, scope: Scope, match_id: int) -> Match | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(mentor_matches).where(
                        in_scope(mentor_matches, scope), mentor_matches.c.id == match_id
                    )
                )
            ).first()
        return None if row is None else _match(scope, row)

    async def matches(
        self, scope: Scope, *, user_id: str | None = None, statuses: Iterable[str] = (ACTIVE,)
    ) -> list[Match]:
        query = select(mentor_matches).where(
            in_scope(mentor_matches, scope), mentor_matches.c.status.in_(tuple(statuses))
        )
        if user_id is not None:
            query = query.where(
                or_(mentor_matches.c.mentor_id == user_id, mentor_matches.c.mentee_id == user_id)
            )
        async with self.db.read() as conn:
            rows = (await conn.execute(query.order_by(mentor_matches.c.id))).all()
        return [_match(scope, row) for row in rows]

    async def end_match(self, scope: Scope, match_id: int, by: str, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(mentor_matches)
                .where(
                    in_scope(mentor_matches, scope),
                    mentor_matches.c.id == match_id,
                    mentor_matches.c.status == ACTIVE,
                )
                .values(status=ENDED, ended_at=now, ended_by=by)
            )
        return bool(result.rowcount)

    async def record_checkin(
        self, match_id: int, user_id: str, round_: int, answer: str, now: datetime
    ) -> bool:
        """One answer per member and round; False when this one was already answered."""
        async with self.db.transaction() as conn:
            found = (
                await conn.execute(
                    select(match_checkins.c.answer).where(
                        match_checkins.c.match_id == match_id,
                        match_checkins.c.user_id == user_id,
                        match_checkins.c.round == round_,
                    )
                )
            ).first()
            if found is not None:
                return False
            await conn.execute(
                insert(match_checkins).values(
                    match_id=match_id,
                    user_id=user_id,
                    round=round_,
                    answer=answer,
                    answered_at=now,
                )
            )
            if answer == "yes":
                await conn.execute(
                    update(mentor_matches)
                    .where(mentor_matches.c.id == match_id, mentor_matches.c.met_at.is_(None))
                    .values(met_at=now)
                )
        return True

    async def checkin_answers(self, match_id: int) -> dict[tuple[str, int], str]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(match_checkins).where(match_checkins.c.match_id == match_id)
                )
            ).all()
        return {(row.user_id, int(row.round)): row.answer for row in rows}

    async def add_feedback(
        self,
        scope: Scope,
        match_id: int,
        user_id: str,
        rating: int | None,
        text: str | None,
        now: datetime,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                insert(match_feedback).values(
                    **scope_values(scope),
                    match_id=match_id,
                    user_id=user_id,
                    rating=rating,
                    feedback_sealed=self._sealer.seal(text) if text else None,
                    created_at=now,
                )
            )

    async def feedback(self, scope: Scope, limit: int = 10) -> list[Feedback]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(match_feedback)
                    .where(in_scope(match_feedback, scope))
                    .order_by(match_feedback.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [
            Feedback(
                match_id=row.match_id,
                user_id=row.user_id,
                rating=row.rating,
                text=self._sealer.open(row.feedback_sealed) if row.feedback_sealed else None,
                created_at=row.created_at,
            )
            for row in rows
        ]

    # ----- settings and figures -------------------------------------------------------------

    async def fairness(self, scope: Scope) -> float | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(mentorship_settings.c.fairness).where(
                        in_scope(mentorship_settings, scope)
                    )
                )
            ).first()
        return None if row is None or row.fairness is None else float(row.fairness)

    async def set_fairness(self, scope: Scope, weight: float | None, now: datetime) -> None:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(mentorship_settings)
                .where(in_scope(mentorship_settings, scope))
                .values(fairness=weight, updated_at=now)
            )
            if not result.rowcount:
                await conn.execute(
                    insert(mentorship_settings).values(
                        **scope_values(scope), fairness=weight, updated_at=now
                    )
                )

    async def funnel(self, scope: Scope) -> Funnel:
        async with self.db.read() as conn:
            requests = (
                await conn.execute(
                    select(func.count())
                    .select_from(mentee_requests)
                    .where(in_scope(mentee_requests, scope))
                )
            ).scalar_one()
            by_status: dict[str, int] = dict(
                (
                    await conn.execute(
                        select(mentor_proposals.c.status, func.count())
                        .where(in_scope(mentor_proposals, scope))
                        .group_by(mentor_proposals.c.status)
                    )
                ).all()
            )
            matches = (
                await conn.execute(
                    select(func.count())
                    .select_from(mentor_matches)
                    .where(in_scope(mentor_matches, scope))
                )
            ).scalar_one()
            checkins: dict[str, int] = dict(
                (
                    await conn.execute(
                        select(match_checkins.c.answer, func.count())
                        .join(mentor_matches, mentor_matches.c.id == match_checkins.c.match_id)
                        .where(in_scope(mentor_matches, scope))
                        .group_by(match_checkins.c.answer)
                    )
                ).all()
            )
        return Funnel(
            requests=int(requests),
            proposals=int(sum(by_status.values())),
            accepted=int(by_status.get(ACCEPTED, 0)),
            declined=int(by_status.get(DECLINED, 0)),
            expired=int(by_status.get(EXPIRED, 0)),
            matches=int(matches),
            checkins={str(k): int(v) for k, v in checkins.items()},
        )

    # ----- rows to models -------------------------------------------------------------------

    def _seal_list(self, items: tuple[str, ...]) -> str | None:
        return self._sealer.seal(_dump(items)) if items else None

    def _open_list(self, sealed: str | None) -> tuple[str, ...]:
        return tuple(json.loads(self._sealer.open(sealed))) if sealed else ()

    def _offer(self, scope: Scope, row: Any) -> MentorOffer:
        return MentorOffer(
            scope=scope,
            user_id=row.user_id,
            specialties=_load(row.specialties),
            stages=_load(row.stages),
            capacity=int(row.capacity),
            institution=row.institution,
            timezone=row.timezone,
            languages=_load(row.languages),
            bio=row.bio,
            identities=self._open_list(row.identities_sealed),
            paused=bool(row.paused),
            paused_until=row.paused_until,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def _request(self, scope: Scope, row: Any) -> MenteeRequest:
        return MenteeRequest(
            id=int(row.id),
            scope=scope,
            user_id=row.user_id,
            interests=_load(row.interests),
            stage=row.stage,
            goals=row.goals,
            identities=self._open_list(row.identities_sealed),
            same_identity=bool(row.same_identity),
            outside_institution=row.outside_institution,
            institution=row.institution,
            language=row.language,
            timezone=row.timezone,
            timezone_window=row.timezone_window,
            status=row.status,
            searching_told=bool(row.searching_told),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def _proposal(scope: Scope, row: Any) -> Proposal:
    return Proposal(
        id=int(row.id),
        scope=scope,
        request_id=int(row.request_id),
        mentor_id=row.mentor_id,
        mentee_id=row.mentee_id,
        score=int(row.score),
        reasons=_load(row.reasons),
        status=row.status,
        created_at=row.created_at,
        expires_at=row.expires_at,
        answered_at=row.answered_at,
        message_ref=row.message_ref,
    )


def _match(scope: Scope, row: Any) -> Match:
    return Match(
        id=int(row.id),
        scope=scope,
        mentor_id=row.mentor_id,
        mentee_id=row.mentee_id,
        request_id=int(row.request_id),
        proposal_id=int(row.proposal_id),
        status=row.status,
        created_at=row.created_at,
        met_at=row.met_at,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
    )


def _dump(items: Iterable[str]) -> str:
    return json.dumps(list(items))


def _load(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))
