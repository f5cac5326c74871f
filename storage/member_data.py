"""A member's own data in one community: what is stored (`summary`), a copy of it
(`export`) and erasing it (`erase`), for /privacy.

`MEMBER_COLUMNS` names every column that can point at a member (their id, a blind index of
them, or their id sealed); `NO_MEMBER_DATA` names the tables that never do, and
`NOT_MEMBER_COLUMNS` says why an id-looking column is not a member's. A test holds every
table of `storage.schema` to exactly one of the two lists, so a new table or column that
could hold a member must be thought about here.

Erasing is one transaction: it either all happens or none of it does.

* Rows that are only the member's (their member row, intro, mentor offer, moderator row,
  group memberships, posts, RSVPs, reminders, votes, "don't pair me with" entries both
  ways, DMs to them, pending jobs about them) are deleted.
* Rows that other people's records or the community's counts rest on (mentee requests,
  proposals, matches, check-ins, feedback, AMA sessions and questions, the audit log) stay,
  with their id replaced by a pseudonym ("erased-" and 12 random hex digits, one per
  erasure, not derived from the id) and their own words removed: a request's content is
  blanked, a question they wrote (its first asker, or their duplicate merged into
  another) reads `TOMBSTONE`, their feedback text goes.
* Blind-index keys of them in pairs are replaced by a random token per group, so the
  other members' pairs still count but nothing ties the token to them, nor one group's
  token to another's.

Safety nets, for what the features' MEMBER_ERASING handlers should already have wound
down: an open request is withdrawn, a pending proposal to or about them is cancelled (its
mentee queued again), an active match is ended, a pending job about them is deleted (a
finished one keeps its row with payload "{}"), a reply held for someone else that names
them is dropped. A sealed value that cannot be opened (a lost DATA_KEY) stops the erasure:
nothing is erased rather than something missed.

Held back on purpose: the text of an audit row they wrote as a moderator (a reveal
reason) stays, with their id pseudonymised, because the audit log is the record of
privileged actions. Ids inside text are matched as whole tokens (not inside a longer id).

On SQLite, `Database` turns `secure_delete` on for every connection (freed bytes are
zeroed) and the caller runs `Database.scrub()` after the transaction to empty the
write-ahead log. PostgreSQL keeps dead row versions until VACUUM reclaims them.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import ama as ama_states
from storage import jobs as job_states
from storage import mentorship as mentor_states
from storage import outbox as outbox_states
from storage.crypto import Sealer
from storage.db import Database
from storage.groups import GroupRepository
from storage.keyring import KeyringRepository
from storage.models import Scope
from storage.schema import (
    ama_askers,
    ama_questions,
    ama_reminders,
    ama_rsvps,
    ama_series,
    ama_sessions,
    ama_votes,
    audit_log,
    group_members,
    group_posts,
    in_scope,
    intro_profiles,
    match_checkins,
    match_feedback,
    members,
    mentee_requests,
    mentor_matches,
    mentor_offers,
    mentor_proposals,
    moderators,
    outbox,
    pairing_avoid,
    pairing_checkins,
    pairing_history,
    pairing_pairs,
    pairing_rounds,
    peer_groups,
    scheduled_jobs,
)

# Table -> the columns that can point at a member: an id, a blind index of them, their id
# sealed, or text (JSON) that may carry their id.
MEMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("user_id",),
    "moderators": ("user_id", "added_by"),
    "outbox": ("recipient", "held_payload"),
    "scheduled_jobs": ("job_key", "payload"),
    "audit_log": ("actor_id", "target", "detail"),
    "intro_profiles": ("user_id", "identities_sealed"),
    "mentor_offers": ("user_id", "identities_sealed"),
    "mentee_requests": ("user_id", "identities_sealed"),
    "mentor_proposals": ("mentor_id", "mentee_id", "reason_sealed"),
    "mentor_matches": ("mentor_id", "mentee_id", "ended_by"),
    "match_checkins": ("user_id",),
    "match_feedback": ("user_id", "feedback_sealed"),
    "ama_series": ("created_by",),
    "ama_sessions": ("host_id", "created_by"),
    "ama_rsvps": ("user_id",),
    "ama_reminders": ("user_id",),
    "ama_questions": ("answered_by",),
    "ama_askers": ("user_id", "user_sealed"),
    "ama_votes": ("user_id",),
    "peer_groups": ("created_by",),
    "group_members": ("member_key", "user_sealed", "note_sealed"),
    "pairing_avoid": ("owner_key", "entry_key", "other_sealed"),
    "pairing_pairs": ("member_keys",),
    "pairing_history": ("first_key", "second_key"),
    "pairing_checkins": ("member_key",),
    "group_posts": ("author_key", "author_sealed"),
}

# Tables that never point at a member (alembic_version is Alembic's, outside the metadata).
NO_MEMBER_DATA: frozenset[str] = frozenset(
    {
        "alembic_version",
        "communities",
        "channels",
        "seen_deliveries",
        "mentorship_settings",
        "ama_settings",
        "keyring",
        "pairing_rounds",
    }
)

# Columns whose names look like they could hold a member, and why they do not.
# "*.column" applies to every table.
NOT_MEMBER_COLUMNS: dict[str, str] = {
    "*.workspace_id": "the community (Discord guild or Slack team)",
    "communities.introductions_channel": "a channel id",
    "communities.announcements_channel": "a channel id",
    "communities.modlog_channel": "a channel id",
    "channels.channel_id": "a channel the console made by name",
    "seen_deliveries.delivery_key": (
        "a platform event, trigger or view id (bot/slack/surface.py `_key`), never a user id"
    ),
    "keyring.sealed": "the bot's own blind-index key",
    "outbox.message_ref": "where a message went on the platform (channel/message ids)",
    "mentor_proposals.request_id": "a row id",
    "mentor_proposals.message_ref": "the proposal DM on the platform; cleared with the mentor",
    "mentor_matches.request_id": "a row id",
    "mentor_matches.proposal_id": "a row id",
    "match_checkins.match_id": "a row id",
    "match_feedback.match_id": "a row id",
    "intro_profiles.post_ref": "the intro post on the platform; the row is deleted",
    "ama_sessions.series_id": "a row id",
    "ama_sessions.channel_id": "a channel id",
    "ama_sessions.short_id": "the session's short code",
    "ama_sessions.announce_ref": "a channel message",
    "ama_sessions.event_ref": "the platform's event",
    "ama_rsvps.session_id": "a row id",
    "ama_reminders.session_id": "a row id",
    "ama_reminders.outbox_id": "a row id (the outbox row is handled there)",
    "ama_questions.session_id": "a row id",
    "ama_askers.question_id": "a row id",
    "ama_votes.question_id": "a row id",
    "peer_groups.parent_id": "a row id",
    "peer_groups.name_key": "the group's folded name",
    "peer_groups.space_ref": "the group's channel",
    "group_members.group_id": "a row id",
    "group_members.request_refs": "stewards' DMs about a join request; the row is deleted",
    "pairing_rounds.group_id": "a row id",
    "pairing_pairs.round_id": "a row id",
    "pairing_pairs.group_id": "a row id",
    "pairing_history.group_id": "a row id",
    "pairing_checkins.pair_id": "a row id",
    "group_posts.group_id": "a row id",
    "group_posts.message_ref": "the post on the platform; the row is deleted",
}

# Export sections, in the order they are shown, with the name `summary` gives them.
SECTIONS: dict[str, str] = {
    "member": "Member record",
    "moderator": "Moderator role",
    "moderators_added_by_you": "Moderators you added",
    "introduction": "Introduction",
    "mentor_offer": "Mentor offer",
    "mentee_requests": "Mentor requests",
    "mentor_proposals": "Mentor proposals",
    "mentor_matches": "Mentor matches",
    "match_checkins": "Match check-ins",
    "match_feedback_written": "Match feedback you wrote",
    "ama_rsvps": "AMA RSVPs",
    "ama_reminders": "AMA reminders",
    "ama_questions": "AMA questions",
    "ama_votes": "AMA votes",
    "ama_questions_answered": "AMA questions you marked answered",
    "ama_sessions_hosted": "AMA sessions you host",
    "ama_sessions_created": "AMA sessions you scheduled",
    "ama_series_created": "AMA series you scheduled",
    "groups": "Group memberships",
    "groups_created": "Groups you created",
    "pairing_history": "Coffee-chat history",
    "pairing_checkins": "Coffee-chat check-ins",
    "group_posts": "Group posts",
    "avoid_list": "Don't-pair-me-with list",
    "messages_held_for_you": "Messages held for you",
    "delivery_records": "Delivery records",
    "scheduled_jobs": "Scheduled jobs",
    "audit_actions_by_you": "Audit log entries by you",
    "audit_entries_about_you": "Audit log entries about you",
}

# Table -> the export sections where a row of it about the member shows.
EXPORT_SECTIONS: dict[str, tuple[str, ...]] = {
    "members": ("member",),
    "moderators": ("moderator", "moderators_added_by_you"),
    "outbox": ("delivery_records", "messages_held_for_you"),
    "scheduled_jobs": ("scheduled_jobs",),
    "audit_log": ("audit_actions_by_you", "audit_entries_about_you"),
    "intro_profiles": ("introduction",),
    "mentor_offers": ("mentor_offer",),
    "mentee_requests": ("mentee_requests",),
    "mentor_proposals": ("mentor_proposals",),
    "mentor_matches": ("mentor_matches",),
    "match_checkins": ("match_checkins",),
    "match_feedback": ("match_feedback_written",),
    "ama_series": ("ama_series_created",),
    "ama_sessions": ("ama_sessions_hosted", "ama_sessions_created"),
    "ama_rsvps": ("ama_rsvps",),
    "ama_reminders": ("ama_reminders",),
    "ama_questions": ("ama_questions", "ama_questions_answered"),
    "ama_askers": ("ama_questions",),
    "ama_votes": ("ama_votes",),
    "peer_groups": ("groups_created",),
    "group_members": ("groups",),
    "pairing_avoid": ("avoid_list",),
    "pairing_pairs": ("pairing_history",),
    "pairing_history": ("pairing_history",),
    "pairing_checkins": ("pairing_checkins",),
    "group_posts": ("group_posts",),
}

TOMBSTONE = "(removed at the asker's request)"
PSEUDONYM_PREFIX = "erased-"


def new_pseudonym() -> str:
    return PSEUDONYM_PREFIX + secrets.token_hex(6)


@dataclass(frozen=True, slots=True)
class ErasureReport:
    pseudonym: str  # what now stands where the member's id stood (the caller audits with it)
    # Group spaces the member still had access to when the rows went: the caller should
    # have revoked them first (`spaces_of`); after the erasure nothing knows who they were.
    spaces: tuple[tuple[int, str], ...] = ()
    deleted: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    # table -> rows updated, per step (a row blanked and pseudonymised counts twice)
    anonymised: dict[str, int] = field(default_factory=dict)


@dataclass
class _Erasure:
    conn: AsyncConnection
    scope: Scope
    user_id: str
    pseudonym: str
    now: datetime
    mention: re.Pattern[str]
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)

    def count(self, kind: dict[str, int], table: str, rows: int | None) -> None:
        if rows:
            kind[table] = kind.get(table, 0) + int(rows)

    async def delete(self, table: str, statement: Any) -> None:
        self.count(self.deleted, table, (await self.conn.execute(statement)).rowcount)

    async def update(self, table: str, statement: Any) -> None:
        self.count(self.anonymised, table, (await self.conn.execute(statement)).rowcount)

    def replace(self, text: str) -> str:
        return self.mention.sub(self.pseudonym, text)


@dataclass
class _Ama:
    """The community's AMA rows that the member's questions are found among."""

    sessions: dict[int, Any]
    questions: dict[int, Any]
    mine: list[Any]  # their asker rows, named or anonymous
    # Questions whose words are theirs (they asked first, or it is their duplicate that
    # was merged), oldest first -> their asker row.
    written: dict[int, Any]


@dataclass
class _Groups:
    rows: dict[int, Any]  # the community's groups by id
    keys: dict[str, int]  # the member's blind key in each group -> group id


class MemberDataRepository:
    def __init__(
        self, db: Database, sealer: Sealer, keyring: KeyringRepository, groups: GroupRepository
    ) -> None:
        self.db = db
        self._sealer = sealer
        self._keyring = keyring
        self._groups = groups

    # ----- what is stored -----------------------------------------------------------------

    async def summary(self, scope: Scope, user_id: str) -> dict[str, int]:
        """Readable section name -> how many records, every section (zeros included)."""
        data = await self.export(scope, user_id)
        counts: dict[str, int] = {}
        for key, label in SECTIONS.items():
            value = data.get(key)
            counts[label] = len(value) if isinstance(value, list) else int(bool(value))
        return counts

    async def spaces_of(self, scope: Scope, user_id: str) -> list[tuple[int, str]]:
        """(group id, space ref) of every group space the member has access to on the
        platform: revoke these before erasing, while the member can still be named."""
        async with self.db.read() as conn:
            found = await self._group_keys(conn, scope, user_id)
            return await self._spaces(conn, found)

    async def _spaces(self, conn: AsyncConnection, found: _Groups) -> list[tuple[int, str]]:
        if not found.keys:
            return []
        rows = (
            await conn.execute(
                select(group_members.c.group_id, group_members.c.member_key).where(
                    group_members.c.member_key.in_(list(found.keys)),
                    group_members.c.space_access.is_(True),
                )
            )
        ).all()
        spaces = []
        for row in rows:
            group = found.rows.get(row.group_id)
            if found.keys.get(row.member_key) == row.group_id and group and group.space_ref:
                spaces.append((int(row.group_id), str(group.space_ref)))
        return sorted(spaces)

    # ----- export -------------------------------------------------------------------------

    async def export(self, scope: Scope, user_id: str) -> dict[str, Any]:
        """Everything stored about the member in this community, sealed fields opened,
        as JSON-ready values (datetimes as ISO 8601). Other people's private words about
        them (moderator-only feedback, a mentor's decline reason) are not included, nor
        anyone the member has not been told about."""
        await self._keyring.blind_index()  # made before the read, if it never was
        data: dict[str, Any] = {}
        async with self.db.read() as conn:
            await self._export_community(conn, scope, user_id, data)
            await self._export_mentorship(conn, scope, user_id, data)
            await self._export_ama(conn, scope, user_id, data)
            await self._export_groups(conn, scope, user_id, data)
            await self._export_deliveries(conn, scope, user_id, data)
        return {key: data.get(key, [] if key not in _SINGLE else {}) for key in SECTIONS}

    async def _export_community(
        self, conn: AsyncConnection, scope: Scope, user_id: str, data: dict[str, Any]
    ) -> None:
        row = (
            await conn.execute(
                select(members).where(in_scope(members, scope), members.c.user_id == user_id)
            )
        ).first()
        if row is not None:
            data["member"] = {
                "user_id": row.user_id,
                "display_name": row.display_name,
                "first_seen": _iso(row.first_seen_at),
            }
        for mod in (
            await conn.execute(select(moderators).where(in_scope(moderators, scope)))
        ).all():
            if mod.user_id == user_id:
                data["moderator"] = {"since": _iso(mod.added_at)}
            elif mod.added_by == user_id:
                data.setdefault("moderators_added_by_you", []).append(
                    {"moderator": mod.user_id, "added_at": _iso(mod.added_at)}
                )
        intro = (
            await conn.execute(
                select(intro_profiles).where(
                    in_scope(intro_profiles, scope), intro_profiles.c.user_id == user_id
                )
            )
        ).first()
        if intro is not None:
            data["introduction"] = {
                "name": intro.name,
                "pronouns": intro.pronouns,
                "stage": intro.stage,
                "institution": intro.institution,
                "interests": _json(intro.interests),
                "about": intro.about,
                "looking_for": _json(intro.looking_for),
                "identities": self._open_list(intro.identities_sealed),
                "show_identities": bool(intro.show_identities),
                "post_ref": intro.post_ref,
                "created_at": _iso(intro.created_at),
                "updated_at": _iso(intro.updated_at),
            }

    async def _export_mentorship(
        self, conn: AsyncConnection, scope: Scope, user_id: str, data: dict[str, Any]
    ) -> None:
        offer = (
            await conn.execute(
                select(mentor_offers).where(
                    in_scope(mentor_offers, scope), mentor_offers.c.user_id == user_id
                )
            )
        ).first()
        if offer is not None:
            data["mentor_offer"] = {
                "specialties": _json(offer.specialties),
                "stages": _json(offer.stages),
                "capacity": offer.capacity,
                "institution": offer.institution,
                "timezone": offer.timezone,
                "languages": _json(offer.languages),
                "bio": offer.bio,
                "identities": self._open_list(offer.identities_sealed),
                "paused": bool(offer.paused),
                "paused_until": _iso(offer.paused_until),
                "created_at": _iso(offer.created_at),
                "updated_at": _iso(offer.updated_at),
            }
        requests = (
            await conn.execute(
                select(mentee_requests)
                .where(in_scope(mentee_requests, scope), mentee_requests.c.user_id == user_id)
                .order_by(mentee_requests.c.id)
            )
        ).all()
        data["mentee_requests"] = [
            {
                "id": row.id,
                "status": row.status,
                "interests": _json(row.interests),
                "stage": row.stage,
                "goals": row.goals,
                "identities": self._open_list(row.identities_sealed),
                "same_identity": bool(row.same_identity),
                "outside_institution": row.outside_institution,
                "institution": row.institution,
                "language": row.language,
                "timezone": row.timezone,
                "timezone_window_hours": row.timezone_window,
                "created_at": _iso(row.created_at),
                "updated_at": _iso(row.updated_at),
            }
            for row in requests
        ]
        proposals = (
            await conn.execute(
                select(mentor_proposals)
                .where(
                    in_scope(mentor_proposals, scope),
                    or_(
                        mentor_proposals.c.mentor_id == user_id,
                        mentor_proposals.c.mentee_id == user_id,
                    ),
                )
                .order_by(mentor_proposals.c.id)
            )
        ).all()
        data["mentor_proposals"] = []
        for row in proposals:
            entry: dict[str, Any] = {
                "role": "mentor" if row.mentor_id == user_id else "mentee",
                "request_id": row.request_id,
                "status": row.status,
                "reasons": _json(row.reasons),
                "score": row.score,
                "created_at": _iso(row.created_at),
                "expires_at": _iso(row.expires_at),
                "answered_at": _iso(row.answered_at),
            }
            if row.mentor_id == user_id:
                # The mentor was told who the mentee is; a mentee is told their mentor only
                # once matched, and never reads a mentor's reason for declining.
                entry["mentee"] = row.mentee_id
                entry["decline_reason"] = (
                    self._sealer.open(row.reason_sealed) if row.reason_sealed else None
                )
            data["mentor_proposals"].append(entry)
        matches = (
            await conn.execute(
                select(mentor_matches)
                .where(
                    in_scope(mentor_matches, scope),
                    or_(
                        mentor_matches.c.mentor_id == user_id,
                        mentor_matches.c.mentee_id == user_id,
                    ),
                )
                .order_by(mentor_matches.c.id)
            )
        ).all()
        data["mentor_matches"] = [
            {
                "id": row.id,
                "role": "mentor" if row.mentor_id == user_id else "mentee",
                "with": row.mentee_id if row.mentor_id == user_id else row.mentor_id,
                "status": row.status,
                "created_at": _iso(row.created_at),
                "met_at": _iso(row.met_at),
                "ended_at": _iso(row.ended_at),
                "ended_by_you": row.ended_by == user_id,
            }
            for row in matches
        ]
        in_community = select(mentor_matches.c.id).where(in_scope(mentor_matches, scope))
        checkins = (
            await conn.execute(
                select(match_checkins)
                .where(
                    match_checkins.c.user_id == user_id,
                    match_checkins.c.match_id.in_(in_community),
                )
                .order_by(match_checkins.c.match_id, match_checkins.c.round)
            )
        ).all()
        data["match_checkins"] = [
            {
                "match_id": row.match_id,
                "round": row.round,
                "answer": row.answer,
                "answered_at": _iso(row.answered_at),
            }
            for row in checkins
        ]
        feedback = (
            await conn.execute(
                select(match_feedback)
                .where(in_scope(match_feedback, scope), match_feedback.c.user_id == user_id)
                .order_by(match_feedback.c.id)
            )
        ).all()
        data["match_feedback_written"] = [
            {
                "match_id": row.match_id,
                "rating": row.rating,
                "text": self._sealer.open(row.feedback_sealed) if row.feedback_sealed else None,
                "created_at": _iso(row.created_at),
            }
            for row in feedback
        ]

    async def _export_ama(
        self, conn: AsyncConnection, scope: Scope, user_id: str, data: dict[str, Any]
    ) -> None:
        ama = await self._ama(conn, scope, user_id)

        def title(session_id: int) -> str:
            session = ama.sessions.get(session_id)
            return str(session.title) if session is not None else ""

        def session_entry(row: Any) -> dict[str, Any]:
            return {
                "session": row.title,
                "short_id": row.short_id,
                "starts_at": _iso(row.starts_at),
                "status": row.status,
            }

        session_ids = list(ama.sessions)
        rsvps = (
            await conn.execute(
                select(ama_rsvps)
                .where(ama_rsvps.c.user_id == user_id, ama_rsvps.c.session_id.in_(session_ids))
                .order_by(ama_rsvps.c.created_at)
            )
        ).all()
        data["ama_rsvps"] = [
            {"session": title(row.session_id), "rsvped_at": _iso(row.created_at)} for row in rsvps
        ]
        reminders = (
            await conn.execute(
                select(ama_reminders)
                .where(
                    ama_reminders.c.user_id == user_id,
                    ama_reminders.c.session_id.in_(session_ids),
                )
                .order_by(ama_reminders.c.created_at)
            )
        ).all()
        data["ama_reminders"] = [
            {
                "session": title(row.session_id),
                "minutes_before": row.minutes_before,
                "status": row.status,
                "at": _iso(row.created_at),
            }
            for row in reminders
        ]
        questions = []
        for question_id, asker in ama.written.items():
            row = ama.questions[question_id]
            questions.append(
                {
                    "session": title(row.session_id),
                    "text": row.text,
                    "anonymous": bool(asker.anonymous),
                    "status": row.status,
                    "asked_at": _iso(row.created_at),
                    "answered": row.answered_at is not None,
                }
            )
        credited = {asker.id for asker in ama.written.values()}
        for asker in ama.mine:
            if asker.id in credited:
                continue
            # They asked what someone had asked before them: the words are the other's.
            row = ama.questions[asker.question_id]
            questions.append(
                {
                    "session": title(row.session_id),
                    "text": row.text,
                    "anonymous": bool(asker.anonymous),
                    "status": row.status,
                    "asked_at": _iso(asker.asked_at),
                    "answered": row.answered_at is not None,
                    "first_asked_by_someone_else": True,
                }
            )
        data["ama_questions"] = questions
        votes = (
            await conn.execute(
                select(ama_votes)
                .where(
                    ama_votes.c.user_id == user_id,
                    ama_votes.c.question_id.in_(list(ama.questions)),
                )
                .order_by(ama_votes.c.created_at)
            )
        ).all()
        data["ama_votes"] = [
            {
                "session": title(ama.questions[row.question_id].session_id),
                "question": ama.questions[row.question_id].text,
                "voted_at": _iso(row.created_at),
            }
            for row in votes
        ]
        data["ama_questions_answered"] = [
            {"session": title(row.session_id), "question": row.text, "at": _iso(row.answered_at)}
            for row in ama.questions.values()
            if row.answered_by == user_id
        ]
        ordered = sorted(ama.sessions.values(), key=lambda s: (s.starts_at, s.id))
        data["ama_sessions_hosted"] = [session_entry(s) for s in ordered if s.host_id == user_id]
        data["ama_sessions_created"] = [
            session_entry(s) for s in ordered if s.created_by == user_id
        ]
        series = (
            await conn.execute(
                select(ama_series)
                .where(in_scope(ama_series, scope), ama_series.c.created_by == user_id)
                .order_by(ama_series.c.id)
            )
        ).all()
        data["ama_series_created"] = [
            {"rule": row.rule, "created_at": _iso(row.created_at)} for row in series
        ]

    async def _export_groups(
        self, conn: AsyncConnection, scope: Scope, user_id: str, data: dict[str, Any]
    ) -> None:
        found = await self._group_keys(conn, scope, user_id)

        def name(group_id: int) -> str:
            return str(found.rows[group_id].name)

        data["groups_created"] = [
            {"group": row.name, "created_at": _iso(row.created_at)}
            for row in found.rows.values()
            if row.created_by == user_id
        ]
        keys = list(found.keys)
        rows = (
            await conn.execute(
                select(group_members)
                .where(group_members.c.member_key.in_(keys))
                .order_by(group_members.c.id)
            )
        ).all()
        data["groups"] = [
            {
                "group": name(row.group_id),
                "role": row.role,
                "status": row.status,
                "note": self._sealer.open(row.note_sealed) if row.note_sealed else None,
                "pairing": bool(row.pairing),
                "space_access": bool(row.space_access),
                "since": _iso(row.created_at),
            }
            for row in rows
            if found.keys.get(row.member_key) == row.group_id
        ]
        group_ids = list(found.rows)
        pairs = await self._pairs_with(conn, found)
        met = (
            await conn.execute(
                select(pairing_history.c.group_id, func.count())
                .where(
                    pairing_history.c.group_id.in_(group_ids),
                    or_(
                        pairing_history.c.first_key.in_(keys),
                        pairing_history.c.second_key.in_(keys),
                    ),
                )
                .group_by(pairing_history.c.group_id)
            )
        ).all()
        partners = {int(gid): int(n) for gid, n in met}
        rounds: dict[int, int] = {}
        for pair in pairs:
            rounds[pair.group_id] = rounds.get(pair.group_id, 0) + 1
        data["pairing_history"] = [
            {
                "group": name(gid),
                "rounds_met": rounds.get(gid, 0),
                "people_met": partners.get(gid, 0),
            }
            for gid in sorted(set(rounds) | set(partners), key=name)
        ]
        checkins = (
            await conn.execute(
                select(
                    pairing_checkins.c.answer,
                    pairing_checkins.c.answered_at,
                    pairing_pairs.c.group_id,
                    pairing_rounds.c.round_no,
                )
                .join(pairing_pairs, pairing_pairs.c.id == pairing_checkins.c.pair_id)
                .join(pairing_rounds, pairing_rounds.c.id == pairing_pairs.c.round_id)
                .where(
                    pairing_checkins.c.member_key.in_(keys),
                    pairing_pairs.c.group_id.in_(group_ids),
                )
                .order_by(pairing_checkins.c.answered_at)
            )
        ).all()
        data["pairing_checkins"] = [
            {
                "group": name(row.group_id),
                "round": row.round_no,
                "answer": row.answer,
                "answered_at": _iso(row.answered_at),
            }
            for row in checkins
        ]
        posts = (
            await conn.execute(
                select(group_posts)
                .where(group_posts.c.author_key.in_(keys))
                .order_by(group_posts.c.id)
            )
        ).all()
        data["group_posts"] = [
            {
                "group": name(row.group_id),
                "anonymous": bool(row.anonymous),
                "message_ref": row.message_ref,
                "posted_at": _iso(row.created_at),
            }
            for row in posts
            if found.keys.get(row.author_key) == row.group_id
        ]
        index = await self._keyring.blind_index()
        owner_key = index.of("avoid", scope.platform, scope.workspace_id, user_id)
        avoided = (
            await conn.execute(
                select(pairing_avoid.c.other_sealed)
                .where(in_scope(pairing_avoid, scope), pairing_avoid.c.owner_key == owner_key)
                .order_by(pairing_avoid.c.id)
            )
        ).scalars()
        # Only their own list: who listed *them* is the other members' confidence.
        data["avoid_list"] = [self._sealer.open(token) for token in avoided]

    async def _export_deliveries(
        self, conn: AsyncConnection, scope: Scope, user_id: str, data: dict[str, Any]
    ) -> None:
        rows = (
            await conn.execute(
                select(outbox)
                .where(
                    in_scope(outbox, scope),
                    or_(outbox.c.recipient == user_id, outbox.c.kind == "group_dm"),
                )
                .order_by(outbox.c.id)
            )
        ).all()
        held, records = [], []
        for row in rows:
            if row.kind == "group_dm" and not _in_recipients(row.recipient, user_id):
                continue
            records.append(
                {
                    "kind": row.kind,
                    "purpose": row.purpose,
                    "status": row.status,
                    "detail": row.detail,
                    "created_at": _iso(row.created_at),
                    "updated_at": _iso(row.updated_at),
                }
            )
            if row.status == outbox_states.HELD and row.held_payload:
                held.append({"purpose": row.purpose, "message": self._held(row.held_payload)})
        data["delivery_records"] = records
        data["messages_held_for_you"] = held
        mention = _mention(user_id)
        jobs = (
            await conn.execute(
                select(scheduled_jobs)
                .where(
                    in_scope(scheduled_jobs, scope),
                    or_(
                        scheduled_jobs.c.payload.contains(user_id, autoescape=True),
                        scheduled_jobs.c.job_key.contains(user_id, autoescape=True),
                    ),
                )
                .order_by(scheduled_jobs.c.id)
            )
        ).all()
        data["scheduled_jobs"] = [
            {
                "kind": row.kind,
                "status": row.status,
                "due_at": _iso(row.due_at),
                "payload": _json(row.payload),
            }
            for row in jobs
            if mention.search(row.payload) or mention.search(row.job_key)
        ]
        audit = (
            await conn.execute(
                select(audit_log)
                .where(
                    in_scope(audit_log, scope),
                    or_(
                        audit_log.c.actor_id == user_id,
                        audit_log.c.target.contains(user_id, autoescape=True),
                        audit_log.c.detail.contains(user_id, autoescape=True),
                    ),
                )
                .order_by(audit_log.c.id)
            )
        ).all()
        by_you, about_you = [], []
        for row in audit:
            if row.actor_id == user_id:
                by_you.append(
                    {
                        "action": row.action,
                        "target": row.target,
                        "detail": _json(row.detail or "{}"),
                        "at": _iso(row.created_at),
                    }
                )
            elif mention.search(row.target or "") or mention.search(row.detail or ""):
                # What was done about them, not who did it.
                about_you.append({"action": row.action, "at": _iso(row.created_at)})
        data["audit_actions_by_you"] = by_you
        data["audit_entries_about_you"] = about_you

    # ----- erase --------------------------------------------------------------------------

    async def erase(self, scope: Scope, user_id: str, now: datetime) -> ErasureReport:
        """Remove or anonymise every row about the member in this community, in one
        transaction (joining the caller's, so the caller's audit row commits with it).
        Call `spaces_of` first and revoke those spaces; on SQLite call `Database.scrub()`
        after the transaction commits."""
        if not user_id or user_id.startswith(PSEUDONYM_PREFIX):
            raise ValueError("erase needs a member's id")
        await self._keyring.blind_index()  # made outside the erasure, if it never was
        async with self.db.transaction() as conn:
            e = _Erasure(conn, scope, user_id, new_pseudonym(), now, _mention(user_id))
            found = await self._group_keys(conn, scope, user_id)
            spaces = await self._spaces(conn, found)
            await self._erase_community(e)
            await self._erase_mentorship(e)
            await self._erase_ama(e)
            await self._erase_groups(e, found)
            await self._erase_deliveries(e)
            await self._erase_jobs(e)
            await self._erase_audit(e)
        return ErasureReport(e.pseudonym, tuple(spaces), dict(e.deleted), dict(e.anonymised))

    async def _erase_community(self, e: _Erasure) -> None:
        scope, user_id = e.scope, e.user_id
        await e.delete(
            "members", delete(members).where(in_scope(members, scope), members.c.user_id == user_id)
        )
        await e.delete(
            "moderators",
            delete(moderators).where(in_scope(moderators, scope), moderators.c.user_id == user_id),
        )
        await e.update(
            "moderators",
            update(moderators)
            .where(in_scope(moderators, scope), moderators.c.added_by == user_id)
            .values(added_by=e.pseudonym),
        )
        await e.delete(
            "intro_profiles",
            delete(intro_profiles).where(
                in_scope(intro_profiles, scope), intro_profiles.c.user_id == user_id
            ),
        )

    async def _erase_mentorship(self, e: _Erasure) -> None:
        scope, user_id, now, conn = e.scope, e.user_id, e.now, e.conn
        await e.delete(
            "mentor_offers",
            delete(mentor_offers).where(
                in_scope(mentor_offers, scope), mentor_offers.c.user_id == user_id
            ),
        )
        theirs = in_scope(mentee_requests, scope), mentee_requests.c.user_id == user_id
        request_ids = list(
            (await conn.execute(select(mentee_requests.c.id).where(*theirs))).scalars()
        )
        # Nothing waits on them any more: proposals to them as mentor are cancelled and
        # those mentees go back in the queue; proposals about their requests are cancelled.
        as_mentor = (
            await conn.execute(
                select(mentor_proposals.c.id, mentor_proposals.c.request_id).where(
                    in_scope(mentor_proposals, scope),
                    mentor_proposals.c.mentor_id == user_id,
                    mentor_proposals.c.status == mentor_states.PENDING,
                )
            )
        ).all()
        pending = or_(
            mentor_proposals.c.mentor_id == user_id, mentor_proposals.c.request_id.in_(request_ids)
        )
        await e.update(
            "mentor_proposals",
            update(mentor_proposals)
            .where(
                in_scope(mentor_proposals, scope),
                pending,
                mentor_proposals.c.status == mentor_states.PENDING,
            )
            .values(status=mentor_states.CANCELLED, answered_at=now),
        )
        requeued = [row.request_id for row in as_mentor if row.request_id not in request_ids]
        if requeued:
            await e.update(
                "mentee_requests",
                update(mentee_requests)
                .where(
                    mentee_requests.c.id.in_(requeued),
                    mentee_requests.c.status == mentor_states.PROPOSED,
                )
                .values(status=mentor_states.WAITING, updated_at=now),
            )
        await e.update(
            "mentee_requests",
            update(mentee_requests)
            .where(*theirs, mentee_requests.c.status.in_(mentor_states.OPEN_REQUEST))
            .values(status=mentor_states.WITHDRAWN),
        )
        await e.update(
            "mentee_requests",
            update(mentee_requests)
            .where(*theirs)
            .values(
                user_id=e.pseudonym,
                interests="[]",
                goals="",
                identities_sealed=None,
                same_identity=False,
                outside_institution="no",
                institution=None,
                language=None,
                timezone=None,
                timezone_window=None,
                updated_at=now,
            ),
        )
        proposals = in_scope(mentor_proposals, scope)
        await e.update(
            "mentor_proposals",
            update(mentor_proposals)
            .where(proposals, mentor_proposals.c.mentor_id == user_id)
            .values(mentor_id=e.pseudonym, reasons="[]", reason_sealed=None, message_ref=None),
        )
        await e.update(
            "mentor_proposals",
            update(mentor_proposals)
            .where(proposals, mentor_proposals.c.mentee_id == user_id)
            .values(mentee_id=e.pseudonym, reasons="[]"),
        )
        matches = in_scope(mentor_matches, scope)
        involved = or_(mentor_matches.c.mentor_id == user_id, mentor_matches.c.mentee_id == user_id)
        # A match still active (the feature did not get to end it) ends now: a pseudonym
        # can neither meet nor answer a check-in.
        await e.update(
            "mentor_matches",
            update(mentor_matches)
            .where(matches, involved, mentor_matches.c.status == mentor_states.ACTIVE)
            .values(status=mentor_states.ENDED, ended_at=now, ended_by=e.pseudonym),
        )
        for column in ("mentor_id", "mentee_id", "ended_by"):
            await e.update(
                "mentor_matches",
                update(mentor_matches)
                .where(matches, mentor_matches.c[column] == user_id)
                .values({column: e.pseudonym}),
            )
        in_community = select(mentor_matches.c.id).where(matches)
        await e.update(
            "match_checkins",
            update(match_checkins)
            .where(match_checkins.c.user_id == user_id, match_checkins.c.match_id.in_(in_community))
            .values(user_id=e.pseudonym),
        )
        # Feedback they wrote keeps its rating (the mentor report's figures) but loses
        # its words and its author.
        await e.update(
            "match_feedback",
            update(match_feedback)
            .where(in_scope(match_feedback, scope), match_feedback.c.user_id == user_id)
            .values(user_id=e.pseudonym, feedback_sealed=None),
        )

    async def _erase_ama(self, e: _Erasure) -> None:
        scope, user_id, conn = e.scope, e.user_id, e.conn
        ama = await self._ama(conn, scope, user_id)
        session_ids = list(ama.sessions)
        question_ids = list(ama.questions)
        await e.delete(
            "ama_rsvps",
            delete(ama_rsvps).where(
                ama_rsvps.c.user_id == user_id, ama_rsvps.c.session_id.in_(session_ids)
            ),
        )
        await e.delete(
            "ama_reminders",
            delete(ama_reminders).where(
                ama_reminders.c.user_id == user_id, ama_reminders.c.session_id.in_(session_ids)
            ),
        )
        await e.delete(
            "ama_votes",
            delete(ama_votes).where(
                ama_votes.c.user_id == user_id, ama_votes.c.question_id.in_(question_ids)
            ),
        )
        if ama.mine:
            await e.delete(
                "ama_askers",
                delete(ama_askers).where(ama_askers.c.id.in_([a.id for a in ama.mine])),
            )
        if ama.written:
            # Their words go; the question stays (its votes, other askers and the counts).
            # One still waiting for a moderator is rejected rather than shown as a tombstone.
            written = list(ama.written)
            await e.update(
                "ama_questions",
                update(ama_questions)
                .where(ama_questions.c.id.in_(written))
                .values(text=TOMBSTONE, updated_at=e.now),
            )
            await e.update(
                "ama_questions",
                update(ama_questions)
                .where(
                    ama_questions.c.id.in_(written),
                    ama_questions.c.status == ama_states.PENDING,
                )
                .values(status=ama_states.REJECTED),
            )
        await e.update(
            "ama_questions",
            update(ama_questions)
            .where(in_scope(ama_questions, scope), ama_questions.c.answered_by == user_id)
            .values(answered_by=e.pseudonym),
        )
        for column in ("host_id", "created_by"):
            await e.update(
                "ama_sessions",
                update(ama_sessions)
                .where(in_scope(ama_sessions, scope), ama_sessions.c[column] == user_id)
                .values({column: e.pseudonym}),
            )
        await e.update(
            "ama_series",
            update(ama_series)
            .where(in_scope(ama_series, scope), ama_series.c.created_by == user_id)
            .values(created_by=e.pseudonym),
        )

    async def _erase_groups(self, e: _Erasure, found: _Groups) -> None:
        scope, user_id, conn = e.scope, e.user_id, e.conn
        keys = list(found.keys)
        group_ids = list(found.rows)
        if keys:
            # Their place in other members' pairs stays (a pair of two still happened), as
            # a random token per group that nothing ties to them or to each other.
            tokens = {gid: PSEUDONYM_PREFIX + secrets.token_hex(8) for gid in group_ids}
            for pair in await self._pairs_with(conn, found):
                replaced = sorted(
                    tokens[pair.group_id] if found.keys.get(key) == pair.group_id else key
                    for key in json.loads(pair.member_keys)
                )
                await e.update(
                    "pairing_pairs",
                    update(pairing_pairs)
                    .where(pairing_pairs.c.id == pair.id)
                    .values(member_keys=json.dumps(replaced)),
                )
            pair_ids = select(pairing_pairs.c.id).where(pairing_pairs.c.group_id.in_(group_ids))
            await e.delete(
                "pairing_checkins",
                delete(pairing_checkins).where(
                    pairing_checkins.c.member_key.in_(keys),
                    pairing_checkins.c.pair_id.in_(pair_ids),
                ),
            )
            await e.delete(
                "pairing_history",
                delete(pairing_history).where(
                    pairing_history.c.group_id.in_(group_ids),
                    or_(
                        pairing_history.c.first_key.in_(keys),
                        pairing_history.c.second_key.in_(keys),
                    ),
                ),
            )
            await e.delete(
                "group_posts",
                delete(group_posts).where(
                    group_posts.c.group_id.in_(group_ids), group_posts.c.author_key.in_(keys)
                ),
            )
            await e.delete(
                "group_members",
                delete(group_members).where(
                    group_members.c.group_id.in_(group_ids), group_members.c.member_key.in_(keys)
                ),
            )
        index = await self._keyring.blind_index()
        owner_key = index.of("avoid", scope.platform, scope.workspace_id, user_id)
        await e.delete(
            "pairing_avoid",
            delete(pairing_avoid).where(
                in_scope(pairing_avoid, scope), pairing_avoid.c.owner_key == owner_key
            ),
        )
        # Other members' lists naming them: found only by opening each entry.
        others = (
            await conn.execute(
                select(pairing_avoid.c.id, pairing_avoid.c.other_sealed).where(
                    in_scope(pairing_avoid, scope)
                )
            )
        ).all()
        naming = [row.id for row in others if self._sealer.open(row.other_sealed) == user_id]
        if naming:
            await e.delete(
                "pairing_avoid", delete(pairing_avoid).where(pairing_avoid.c.id.in_(naming))
            )
        await e.update(
            "peer_groups",
            update(peer_groups)
            .where(in_scope(peer_groups, scope), peer_groups.c.created_by == user_id)
            .values(created_by=e.pseudonym),
        )

    async def _erase_deliveries(self, e: _Erasure) -> None:
        scope, user_id, conn = e.scope, e.user_id, e.conn
        await e.delete(
            "outbox",
            delete(outbox).where(
                in_scope(outbox, scope), outbox.c.kind == "dm", outbox.c.recipient == user_id
            ),
        )
        # A group DM's recipients are "a,b,c" cut to 64 characters: the last may be cut.
        shared = (
            await conn.execute(
                select(outbox.c.id, outbox.c.recipient).where(
                    in_scope(outbox, scope), outbox.c.kind == "group_dm"
                )
            )
        ).all()
        for row in shared:
            if not _in_recipients(row.recipient, user_id):
                continue
            parts = [
                e.pseudonym if named else part
                for part, named in _recipients(row.recipient, user_id)
            ]
            await e.update(
                "outbox",
                update(outbox).where(outbox.c.id == row.id).values(recipient=",".join(parts)[:64]),
            )
        # Replies held for someone else that name them: the reply is dropped.
        held = (
            await conn.execute(
                select(outbox.c.id, outbox.c.held_payload).where(
                    in_scope(outbox, scope), outbox.c.held_payload.is_not(None)
                )
            )
        ).all()
        naming = [row.id for row in held if e.mention.search(self._held_text(row.held_payload))]
        if naming:
            await e.update(
                "outbox",
                update(outbox).where(outbox.c.id.in_(naming)).values(held_payload=None),
            )

    async def _erase_jobs(self, e: _Erasure) -> None:
        rows = (
            await e.conn.execute(
                select(scheduled_jobs).where(
                    in_scope(scheduled_jobs, e.scope),
                    or_(
                        scheduled_jobs.c.payload.contains(e.user_id, autoescape=True),
                        scheduled_jobs.c.job_key.contains(e.user_id, autoescape=True),
                        scheduled_jobs.c.detail.contains(e.user_id, autoescape=True),
                    ),
                )
            )
        ).all()
        for row in rows:
            texts = (row.payload, row.job_key, row.detail or "")
            if not any(e.mention.search(text) for text in texts):
                continue
            if row.status == job_states.PENDING:
                await e.delete(
                    "scheduled_jobs", delete(scheduled_jobs).where(scheduled_jobs.c.id == row.id)
                )
                continue
            await e.update(
                "scheduled_jobs",
                update(scheduled_jobs)
                .where(scheduled_jobs.c.id == row.id)
                .values(
                    payload="{}",
                    job_key=e.replace(row.job_key),
                    detail=None if row.detail is None else e.replace(row.detail),
                ),
            )

    async def _erase_audit(self, e: _Erasure) -> None:
        await e.update(
            "audit_log",
            update(audit_log)
            .where(in_scope(audit_log, e.scope), audit_log.c.actor_id == e.user_id)
            .values(actor_id=e.pseudonym),
        )
        rows = (
            await e.conn.execute(
                select(audit_log.c.id, audit_log.c.target, audit_log.c.detail).where(
                    in_scope(audit_log, e.scope),
                    or_(
                        audit_log.c.target.contains(e.user_id, autoescape=True),
                        audit_log.c.detail.contains(e.user_id, autoescape=True),
                    ),
                )
            )
        ).all()
        for row in rows:
            target = None if row.target is None else e.replace(row.target)
            detail = None if row.detail is None else e.replace(row.detail)
            if (target, detail) != (row.target, row.detail):
                await e.update(
                    "audit_log",
                    update(audit_log)
                    .where(audit_log.c.id == row.id)
                    .values(target=target, detail=detail),
                )

    # ----- shared lookups -----------------------------------------------------------------

    async def _group_keys(self, conn: AsyncConnection, scope: Scope, user_id: str) -> _Groups:
        rows = {
            int(row.id): row
            for row in (
                await conn.execute(
                    select(
                        peer_groups.c.id,
                        peer_groups.c.name,
                        peer_groups.c.space_ref,
                        peer_groups.c.created_by,
                        peer_groups.c.created_at,
                    ).where(in_scope(peer_groups, scope))
                )
            ).all()
        }
        keys = {await self._groups.member_key(gid, user_id): gid for gid in rows}
        return _Groups(rows, keys)

    async def _pairs_with(self, conn: AsyncConnection, found: _Groups) -> list[Any]:
        """Pairs (in this community's groups) that include the member."""
        if not found.keys:
            return []
        rows = (
            await conn.execute(
                select(pairing_pairs.c.id, pairing_pairs.c.group_id, pairing_pairs.c.member_keys)
                .where(
                    pairing_pairs.c.group_id.in_(list(found.rows)),
                    or_(*(pairing_pairs.c.member_keys.contains(key) for key in found.keys)),
                )
                .order_by(pairing_pairs.c.id)
            )
        ).all()
        return [
            row
            for row in rows
            if any(found.keys.get(key) == row.group_id for key in json.loads(row.member_keys))
        ]

    async def _ama(self, conn: AsyncConnection, scope: Scope, user_id: str) -> _Ama:
        sessions = {
            int(row.id): row
            for row in (
                await conn.execute(select(ama_sessions).where(in_scope(ama_sessions, scope)))
            ).all()
        }
        questions = {
            int(row.id): row
            for row in (
                await conn.execute(
                    select(ama_questions)
                    .where(in_scope(ama_questions, scope))
                    .order_by(ama_questions.c.id)
                )
            ).all()
        }
        askers = (
            (
                await conn.execute(
                    select(ama_askers)
                    .where(ama_askers.c.question_id.in_(list(questions)))
                    .order_by(ama_askers.c.asked_at, ama_askers.c.id)
                )
            ).all()
            if questions
            else []
        )
        mine = [a for a in askers if self._asker_is(a, user_id)]
        mine_ids = {a.id for a in mine}
        # Who wrote a question: its first asker, the row written with it (same moment).
        # An earlier asker merged in from a duplicate is not its author.
        first: dict[int, Any] = {}
        for asker in askers:
            first.setdefault(asker.question_id, asker)
        for asker in reversed(askers):
            if asker.asked_at == questions[asker.question_id].created_at:
                first[asker.question_id] = asker
        written = {qid: asker for qid, asker in first.items() if asker.id in mine_ids}
        for asker in mine:
            for qid in _duplicates_of(questions, asker):
                written.setdefault(qid, asker)
        ordered = sorted(written, key=lambda qid: (questions[qid].created_at, qid))
        return _Ama(sessions, questions, mine, {qid: written[qid] for qid in ordered})

    def _asker_is(self, asker: Any, user_id: str) -> bool:
        if asker.user_id is not None:
            return bool(asker.user_id == user_id)
        return asker.user_sealed is not None and self._sealer.open(asker.user_sealed) == user_id

    def _open_list(self, sealed: str | None) -> list[str]:
        return list(json.loads(self._sealer.open(sealed))) if sealed else []

    def _held_text(self, stored: str) -> str:
        # As OutboxRepository: rows held before sealing began are plain JSON.
        return stored if stored.startswith("{") else self._sealer.open(stored)

    def _held(self, stored: str) -> Any:
        return json.loads(self._held_text(stored))


_SINGLE = frozenset({"member", "moderator", "introduction", "mentor_offer"})


def _mention(user_id: str) -> re.Pattern[str]:
    """The id as a whole token: not inside a longer id (Discord ids are all digits)."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(user_id)}(?![A-Za-z0-9])")


def _recipients(recipient: str, user_id: str) -> list[tuple[str, bool]]:
    """A group DM's recipients ("a,b,c", cut at 64 characters), each with whether it is
    the member: the last of a cut list may be only the start of their id."""
    parts = recipient.split(",")
    cut = len(recipient) >= 64
    return [
        (
            part,
            part == user_id
            or (cut and i == len(parts) - 1 and bool(part) and user_id.startswith(part)),
        )
        for i, part in enumerate(parts)
    ]


def _in_recipients(recipient: str, user_id: str) -> bool:
    return any(named for _, named in _recipients(recipient, user_id))


def _root(questions: dict[int, Any], question_id: int) -> int:
    """Where a merged question's askers went: merges can chain (a question that took
    duplicates may itself be merged later)."""
    seen = set()
    while question_id not in seen:
        seen.add(question_id)
        into = questions[question_id].merged_into
        if into is None or into not in questions:
            break
        question_id = int(into)
    return question_id


def _duplicates_of(questions: dict[int, Any], asker: Any) -> Iterable[int]:
    """Questions this asker wrote that were merged into the one their row is on now. A
    merge moves asker rows without saying where from; a question and its first asker row
    are written together, so the duplicate is the merged question made at that moment."""
    for qid, row in questions.items():
        if (
            row.status == ama_states.MERGED
            and row.created_at == asker.asked_at
            and qid != asker.question_id
            and _root(questions, qid) == asker.question_id
        ):
            yield qid


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _json(text: str) -> Any:
    return json.loads(text)
