"""AMA sessions: settings, sessions and series, RSVPs, reminders, questions and votes.

Steps that must not race (an RSVP toggle, a vote, a merge, a reminder claim, a start or a
recap) are single transactions that re-check their preconditions; writers are serialised
by the database layer, so a double press counts once. Anonymous askers are sealed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from storage.crypto import Sealer
from storage.db import Database
from storage.models import Scope
from storage.schema import (
    ama_askers,
    ama_questions,
    ama_reminders,
    ama_rsvps,
    ama_series,
    ama_sessions,
    ama_settings,
    ama_votes,
    in_scope,
    scope_values,
)

# Session states; whether it is upcoming, live or over follows from the clock.
SCHEDULED = "scheduled"
CANCELLED = "cancelled"

# Question states.
PENDING = "pending"  # waiting for a moderator (when the community requires approval)
APPROVED = "approved"
REJECTED = "rejected"
MERGED = "merged"  # a duplicate folded into an earlier question
OPEN_QUESTION = (PENDING, APPROVED)

# Reminder outcomes, one row per person and reminder.
SENDING = "sending"  # claimed; the DM is on its way (never sent again, even after a crash)
MISSED = "missed"  # came due while the bot was down, after the session had started

DEFAULT_REMINDERS = (24 * 60, 15)
SHORT_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i to misread
SHORT_ID_LENGTH = 4


@dataclass(frozen=True, slots=True)
class AmaSettings:
    require_approval: bool = False
    reminder_minutes: tuple[int, ...] = DEFAULT_REMINDERS


@dataclass(frozen=True, slots=True)
class SessionDraft:
    title: str
    description: str
    host_id: str
    channel_id: str
    starts_at: datetime
    ends_at: datetime
    zone: str


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    scope: Scope
    short_id: str
    series_id: int | None
    seq: int
    title: str
    description: str
    host_id: str
    channel_id: str
    starts_at: datetime
    ends_at: datetime
    zone: str
    status: str
    version: int
    created_by: str
    created_at: datetime
    announce_ref: str | None = None
    announced_at: datetime | None = None
    event_ref: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED

    def phase(self, now: datetime) -> str:
        """cancelled, upcoming, live or over."""
        if self.cancelled:
            return "cancelled"
        if now < self.starts_at:
            return "upcoming"
        return "live" if now < self.ends_at else "over"


@dataclass(frozen=True, slots=True)
class Series:
    id: int
    rule: str
    rrule: str


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asked, as others may see it: a user id, or anonymous (the id stays sealed)."""

    user_id: str | None
    anonymous: bool


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    scope: Scope
    session_id: int
    text: str
    status: str
    votes: int
    askers: tuple[Asker, ...]
    created_at: datetime
    merged_into: int | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


@dataclass
class VoteResult:
    voted: bool  # the member's vote stands after the press
    votes: int


class AmaRepository:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self.db = db
        self._sealer = sealer

    # ----- settings ---------------------------------------------------------------------

    async def settings(self, scope: Scope) -> AmaSettings:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(ama_settings).where(in_scope(ama_settings, scope)))
            ).first()
        if row is None:
            return AmaSettings()
        return AmaSettings(row.require_approval, tuple(json.loads(row.reminder_minutes)))

    async def save_settings(self, scope: Scope, settings: AmaSettings, now: datetime) -> None:
        values = {
            "require_approval": settings.require_approval,
            "reminder_minutes": json.dumps(list(settings.reminder_minutes)),
            "updated_at": now,
        }
        async with self.db.transaction() as conn:
            found = (
                await conn.execute(
                    select(ama_settings.c.platform).where(in_scope(ama_settings, scope))
                )
            ).first()
            if found is None:
                await conn.execute(insert(ama_settings).values(**scope_values(scope), **values))
            else:
                await conn.execute(
                    update(ama_settings).where(in_scope(ama_settings, scope)).values(**values)
                )

    # ----- sessions ---------------------------------------------------------------------

    async def create(
        self,
        scope: Scope,
        drafts: Sequence[SessionDraft],
        created_by: str,
        now: datetime,
        *,
        series: tuple[str, str] | None = None,
    ) -> list[Session]:
        """One session, or a series' sessions (with its rule as shown, and as RRULE)."""
        async with self.db.transaction() as conn:
            series_id = None
            if series is not None:
                series_id = (
                    await conn.execute(
                        insert(ama_series)
                        .values(
                            **scope_values(scope),
                            rule=series[0],
                            rrule=series[1],
                            created_by=created_by,
                            created_at=now,
                        )
                        .returning(ama_series.c.id)
                    )
                ).scalar_one()
            taken = set(
                (
                    await conn.execute(
                        select(ama_sessions.c.short_id).where(in_scope(ama_sessions, scope))
                    )
                ).scalars()
            )
            ids = []
            for seq, draft in enumerate(drafts, start=1):
                short_id = _new_short_id(taken)
                taken.add(short_id)
                ids.append(
                    (
                        await conn.execute(
                            insert(ama_sessions)
                            .values(
                                **scope_values(scope),
                                short_id=short_id,
                                series_id=series_id,
                                seq=seq,
                                title=draft.title,
                                description=draft.description,
                                host_id=draft.host_id,
                                channel_id=draft.channel_id,
                                starts_at=draft.starts_at,
                                ends_at=draft.ends_at,
                                zone=draft.zone,
                                status=SCHEDULED,
                                version=0,
                                created_by=created_by,
                                created_at=now,
                                updated_at=now,
                            )
                            .returning(ama_sessions.c.id)
                        )
                    ).scalar_one()
                )
            rows = (
                await conn.execute(
                    select(ama_sessions)
                    .where(ama_sessions.c.id.in_(ids))
                    .order_by(ama_sessions.c.seq)
                )
            ).all()
        return [_session(row) for row in rows]

    async def get(self, scope: Scope, short_id: str) -> Session | None:
        typed = short_id.strip().lstrip("#").lower()
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(ama_sessions).where(
                        in_scope(ama_sessions, scope), ama_sessions.c.short_id == typed
                    )
                )
            ).first()
        return None if row is None else _session(row)

    async def by_id(self, session_id: int) -> Session | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(ama_sessions).where(ama_sessions.c.id == session_id))
            ).first()
        return None if row is None else _session(row)

    async def upcoming(self, scope: Scope, now: datetime, limit: int = 25) -> list[Session]:
        """Sessions not cancelled and not over, soonest first (live ones included)."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(ama_sessions)
                    .where(
                        in_scope(ama_sessions, scope),
                        ama_sessions.c.status == SCHEDULED,
                        ama_sessions.c.ends_at > now,
                    )
                    .order_by(ama_sessions.c.starts_at, ama_sessions.c.id)
                    .limit(limit)
                )
            ).all()
        return [_session(row) for row in rows]

    async def in_series(self, series_id: int) -> list[Session]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(ama_sessions)
                    .where(ama_sessions.c.series_id == series_id)
                    .order_by(ama_sessions.c.seq)
                )
            ).all()
        return [_session(row) for row in rows]

    async def series(self, series_id: int) -> Series | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(ama_series).where(ama_series.c.id == series_id))
            ).first()
        return None if row is None else Series(row.id, row.rule, row.rrule)

    async def edit(self, session_id: int, now: datetime, **changes: Any) -> Session | None:
        """Change what a session says (title, times, host...); None when it was cancelled
        meanwhile. Each edit bumps the version calendars use to replace their copy."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(ama_sessions)
                .where(ama_sessions.c.id == session_id, ama_sessions.c.status == SCHEDULED)
                .values(**changes, version=ama_sessions.c.version + 1, updated_at=now)
            )
            if not result.rowcount:
                return None
        return await self.by_id(session_id)

    async def set_refs(self, session_id: int, **refs: Any) -> None:
        """Where its announcement and platform event are (announce_ref, announced_at,
        event_ref): bookkeeping that is not an edit."""
        async with self.db.transaction() as conn:
            await conn.execute(
                update(ama_sessions).where(ama_sessions.c.id == session_id).values(**refs)
            )

    async def cancel(self, session_id: int, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(ama_sessions)
                .where(ama_sessions.c.id == session_id, ama_sessions.c.status == SCHEDULED)
                .values(status=CANCELLED, version=ama_sessions.c.version + 1, updated_at=now)
            )
        return bool(result.rowcount)

    async def mark_started(self, session_id: int, now: datetime) -> bool:
        """True once: the caller posts "starting now"."""
        return await self._mark_once(session_id, "started_at", now)

    async def mark_ended(self, session_id: int, now: datetime) -> bool:
        """True once: the caller posts the recap."""
        return await self._mark_once(session_id, "ended_at", now)

    async def _mark_once(self, session_id: int, column: str, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(ama_sessions)
                .where(
                    ama_sessions.c.id == session_id,
                    ama_sessions.c.status == SCHEDULED,
                    ama_sessions.c[column].is_(None),
                )
                .values({column: now})
            )
        return bool(result.rowcount)

    # ----- RSVPs ------------------------------------------------------------------------

    async def toggle_rsvp(self, session_id: int, user_id: str, now: datetime) -> bool:
        """RSVP, or take the RSVP back; True when the member is now going."""
        where = (ama_rsvps.c.session_id == session_id, ama_rsvps.c.user_id == user_id)
        async with self.db.transaction() as conn:
            if (await conn.execute(delete(ama_rsvps).where(*where))).rowcount:
                return False
            await conn.execute(
                insert(ama_rsvps).values(session_id=session_id, user_id=user_id, created_at=now)
            )
        return True

    async def rsvps(self, session_id: int) -> list[str]:
        async with self.db.read() as conn:
            return list(
                (
                    await conn.execute(
                        select(ama_rsvps.c.user_id)
                        .where(ama_rsvps.c.session_id == session_id)
                        .order_by(ama_rsvps.c.created_at, ama_rsvps.c.user_id)
                    )
                ).scalars()
            )

    async def rsvp_counts(self, session_ids: Iterable[int]) -> dict[int, int]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(ama_rsvps.c.session_id, func.count())
                    .where(ama_rsvps.c.session_id.in_(list(session_ids)))
                    .group_by(ama_rsvps.c.session_id)
                )
            ).all()
        return {session_id: int(count) for session_id, count in rows}

    async def going(self, session_ids: Iterable[int], user_id: str) -> set[int]:
        async with self.db.read() as conn:
            return set(
                (
                    await conn.execute(
                        select(ama_rsvps.c.session_id).where(
                            ama_rsvps.c.session_id.in_(list(session_ids)),
                            ama_rsvps.c.user_id == user_id,
                        )
                    )
                ).scalars()
            )

    # ----- reminders --------------------------------------------------------------------

    async def claim_reminder(
        self,
        session_id: int,
        user_id: str,
        minutes: int,
        starts_at: datetime,
        status: str,
        now: datetime,
    ) -> bool:
        """Write the reminder's row before it goes out; False when it already has one
        (it was sent, or recorded as missed), so it is never sent twice."""
        key = (
            ama_reminders.c.session_id == session_id,
            ama_reminders.c.user_id == user_id,
            ama_reminders.c.minutes_before == minutes,
            ama_reminders.c.starts_at == starts_at,
        )
        async with self.db.transaction() as conn:
            if (await conn.execute(select(ama_reminders.c.status).where(*key))).first() is not None:
                return False
            await conn.execute(
                insert(ama_reminders).values(
                    session_id=session_id,
                    user_id=user_id,
                    minutes_before=minutes,
                    starts_at=starts_at,
                    status=status,
                    created_at=now,
                )
            )
        return True

    async def settle_reminder(
        self,
        session_id: int,
        user_id: str,
        minutes: int,
        starts_at: datetime,
        status: str,
        outbox_id: int | None,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(ama_reminders)
                .where(
                    ama_reminders.c.session_id == session_id,
                    ama_reminders.c.user_id == user_id,
                    ama_reminders.c.minutes_before == minutes,
                    ama_reminders.c.starts_at == starts_at,
                )
                .values(status=status, outbox_id=outbox_id)
            )

    async def reminder_tally(
        self, session_id: int, starts_at: datetime
    ) -> dict[tuple[int, str], int]:
        """How the reminders for this start went: (minutes before, status) -> people."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(ama_reminders.c.minutes_before, ama_reminders.c.status, func.count())
                    .where(
                        ama_reminders.c.session_id == session_id,
                        ama_reminders.c.starts_at == starts_at,
                    )
                    .group_by(ama_reminders.c.minutes_before, ama_reminders.c.status)
                )
            ).all()
        return {(int(m), str(s)): int(n) for m, s, n in rows}

    # ----- questions --------------------------------------------------------------------

    async def ask(
        self,
        session: Session,
        text: str,
        user_id: str,
        *,
        anonymous: bool,
        status: str,
        now: datetime,
    ) -> Question:
        async with self.db.transaction() as conn:
            question_id = (
                await conn.execute(
                    insert(ama_questions)
                    .values(
                        **scope_values(session.scope),
                        session_id=session.id,
                        text=text,
                        status=status,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(ama_questions.c.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(ama_askers).values(
                    question_id=question_id,
                    user_id=None if anonymous else user_id,
                    user_sealed=self._sealer.seal(user_id) if anonymous else None,
                    anonymous=anonymous,
                    asked_at=now,
                )
            )
            question = await self.question(session.scope, question_id)
        assert question is not None
        return question

    async def question(self, scope: Scope, question_id: int) -> Question | None:
        found = await self._questions(
            in_scope(ama_questions, scope), ama_questions.c.id == question_id
        )
        return found[0] if found else None

    async def questions(
        self, session_id: int, statuses: Sequence[str] = (APPROVED,)
    ) -> list[Question]:
        """Most votes first; ties by who asked first."""
        return await self._questions(
            ama_questions.c.session_id == session_id, ama_questions.c.status.in_(statuses)
        )

    async def pending(
        self, scope: Scope, session_ids: Sequence[int] | None = None
    ) -> list[Question]:
        where = [in_scope(ama_questions, scope), ama_questions.c.status == PENDING]
        if session_ids is not None:
            where.append(ama_questions.c.session_id.in_(list(session_ids)))
        found = await self._questions(*where)
        return sorted(found, key=lambda q: q.created_at)

    async def _questions(self, *where: Any) -> list[Question]:
        votes = (
            select(ama_votes.c.question_id, func.count().label("votes"))
            .group_by(ama_votes.c.question_id)
            .subquery()
        )
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(ama_questions, func.coalesce(votes.c.votes, 0).label("votes"))
                    .outerjoin(votes, votes.c.question_id == ama_questions.c.id)
                    .where(*where)
                    .order_by(func.coalesce(votes.c.votes, 0).desc(), ama_questions.c.id)
                )
            ).all()
            ids = [row.id for row in rows]
            askers: dict[int, list[Asker]] = {}
            if ids:
                for asker in (
                    await conn.execute(
                        select(
                            ama_askers.c.question_id, ama_askers.c.user_id, ama_askers.c.anonymous
                        )
                        .where(ama_askers.c.question_id.in_(ids))
                        .order_by(ama_askers.c.id)
                    )
                ).all():
                    askers.setdefault(asker.question_id, []).append(
                        Asker(asker.user_id, bool(asker.anonymous))
                    )
        return [
            Question(
                id=row.id,
                scope=Scope(row.platform, row.workspace_id),
                session_id=row.session_id,
                text=row.text,
                status=row.status,
                votes=int(row.votes),
                askers=tuple(askers.get(row.id, ())),
                created_at=row.created_at,
                merged_into=row.merged_into,
                answered_at=row.answered_at,
                answered_by=row.answered_by,
            )
            for row in rows
        ]

    async def asker_ids(self, question_id: int) -> list[str]:
        """Every asker's user id, anonymous ones unsealed: for telling them privately
        (a rejection) or for a moderator's audited reveal. Never for display."""
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(ama_askers.c.user_id, ama_askers.c.user_sealed)
                    .where(ama_askers.c.question_id == question_id)
                    .order_by(ama_askers.c.id)
                )
            ).all()
        return [row.user_id or self._sealer.open(row.user_sealed) for row in rows]

    async def anonymous_asker_ids(self, question_id: int) -> list[str]:
        async with self.db.read() as conn:
            sealed = (
                await conn.execute(
                    select(ama_askers.c.user_sealed).where(
                        ama_askers.c.question_id == question_id, ama_askers.c.anonymous.is_(True)
                    )
                )
            ).scalars()
            return [self._sealer.open(token) for token in sealed]

    async def set_status(
        self, question_id: int, expected: Sequence[str], status: str, now: datetime
    ) -> bool:
        """Approve or reject, only from an expected state (a second press does nothing)."""
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(ama_questions)
                .where(ama_questions.c.id == question_id, ama_questions.c.status.in_(expected))
                .values(status=status, updated_at=now)
            )
        return bool(result.rowcount)

    async def merge(self, duplicate_id: int, into_id: int, now: datetime) -> bool:
        """Fold a duplicate into an earlier open question of the same session: its askers
        move over, and its voters count once each on the earlier one."""
        async with self.db.transaction() as conn:
            rows = {
                row.id: row
                for row in (
                    await conn.execute(
                        select(
                            ama_questions.c.id, ama_questions.c.session_id, ama_questions.c.status
                        ).where(ama_questions.c.id.in_((duplicate_id, into_id)))
                    )
                ).all()
            }
            duplicate, into = rows.get(duplicate_id), rows.get(into_id)
            if (
                duplicate is None
                or into is None
                or duplicate_id == into_id
                or duplicate.session_id != into.session_id
                or duplicate.status not in OPEN_QUESTION
                or into.status not in OPEN_QUESTION
            ):
                return False
            voters = set(
                (
                    await conn.execute(
                        select(ama_votes.c.user_id).where(ama_votes.c.question_id == duplicate_id)
                    )
                ).scalars()
            )
            already = set(
                (
                    await conn.execute(
                        select(ama_votes.c.user_id).where(ama_votes.c.question_id == into_id)
                    )
                ).scalars()
            )
            await conn.execute(delete(ama_votes).where(ama_votes.c.question_id == duplicate_id))
            for user_id in sorted(voters - already):
                await conn.execute(
                    insert(ama_votes).values(question_id=into_id, user_id=user_id, created_at=now)
                )
            await conn.execute(
                update(ama_askers)
                .where(ama_askers.c.question_id == duplicate_id)
                .values(question_id=into_id)
            )
            await conn.execute(
                update(ama_questions)
                .where(ama_questions.c.id == duplicate_id)
                .values(status=MERGED, merged_into=into_id, updated_at=now)
            )
        return True

    async def toggle_vote(self, question_id: int, user_id: str, now: datetime) -> VoteResult | None:
        """Upvote, or take the vote back; None when the question is not open to votes."""
        async with self.db.transaction() as conn:
            status = (
                await conn.execute(
                    select(ama_questions.c.status).where(ama_questions.c.id == question_id)
                )
            ).scalar()
            if status != APPROVED:
                return None
            removed = await conn.execute(
                delete(ama_votes).where(
                    ama_votes.c.question_id == question_id, ama_votes.c.user_id == user_id
                )
            )
            voted = not removed.rowcount
            if voted:
                await conn.execute(
                    insert(ama_votes).values(
                        question_id=question_id, user_id=user_id, created_at=now
                    )
                )
            count = (
                await conn.execute(
                    select(func.count())
                    .select_from(ama_votes)
                    .where(ama_votes.c.question_id == question_id)
                )
            ).scalar_one()
        return VoteResult(voted, int(count))

    async def mark_answered(
        self, question_id: int, user_id: str | None, now: datetime, *, answered: bool = True
    ) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(ama_questions)
                .where(ama_questions.c.id == question_id, ama_questions.c.status == APPROVED)
                .values(
                    answered_at=now if answered else None,
                    answered_by=user_id if answered else None,
                    updated_at=now,
                )
            )
        return bool(result.rowcount)


def _new_short_id(taken: set[str]) -> str:
    while True:
        short_id = "".join(secrets.choice(SHORT_ID_ALPHABET) for _ in range(SHORT_ID_LENGTH))
        if short_id not in taken:
            return short_id


def _session(row: Any) -> Session:
    return Session(
        id=row.id,
        scope=Scope(row.platform, row.workspace_id),
        short_id=row.short_id,
        series_id=row.series_id,
        seq=row.seq,
        title=row.title,
        description=row.description,
        host_id=row.host_id,
        channel_id=row.channel_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        zone=row.zone,
        status=row.status,
        version=row.version,
        created_by=row.created_by,
        created_at=row.created_at,
        announce_ref=row.announce_ref,
        announced_at=row.announced_at,
        event_ref=row.event_ref,
        started_at=row.started_at,
        ended_at=row.ended_at,
    )
