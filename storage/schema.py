"""Table definitions shared by SQLite and PostgreSQL.

Alembic migrations in `storage/migrations/versions` create these tables; a test checks that
the migrated database and this metadata never drift apart. Every table is scoped by
(platform, workspace_id): Discord guild ids and Slack team ids are stored as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from storage.models import Scope

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, stored as naive UTC on both databases."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the clock's aware time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _scope() -> list[Column[Any]]:
    return [
        Column("platform", String(16), nullable=False),
        Column("workspace_id", String(64), nullable=False),
    ]


communities = Table(
    "communities",
    metadata,
    *_scope(),
    Column("introductions_channel", String(64)),
    Column("announcements_channel", String(64)),
    Column("modlog_channel", String(64)),
    Column("timezone", String(64)),
    Column("welcome_text", Text),  # what new members are told; None: the default
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id"),
)

moderators = Table(
    "moderators",
    metadata,
    *_scope(),
    Column("user_id", String(64), nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id", "user_id"),
)

members = Table(
    "members",
    metadata,
    *_scope(),
    Column("user_id", String(64), nullable=False),
    Column("display_name", String(100), nullable=False),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id", "user_id"),
)

channels = Table(
    "channels",
    metadata,
    *_scope(),
    Column("channel_id", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id", "channel_id"),
    UniqueConstraint("platform", "workspace_id", "name"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("kind", String(16), nullable=False),  # dm | post
    Column("recipient", String(64), nullable=False),  # user id or channel id
    Column("purpose", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("detail", String(200)),  # error code or fallback note, never message text
    Column("message_ref", String(200)),
    Column("held_payload", Text),  # a reply kept for the member's next interaction
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index(None, "platform", "workspace_id", "recipient", "status"),
    Index(None, "status"),
)

scheduled_jobs = Table(
    "scheduled_jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("kind", String(64), nullable=False),
    Column("job_key", String(200), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("payload", Text, nullable=False),
    Column("detail", String(200)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    UniqueConstraint("platform", "workspace_id", "kind", "job_key"),
    Index(None, "status", "due_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("actor_id", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200)),
    Column("detail", Text),  # JSON of non-sensitive facts; never message text
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "platform", "workspace_id", "created_at"),
)


def in_scope(table: Table, scope: Scope) -> ColumnElement[bool]:
    """The WHERE clause that keeps a query inside one community."""
    return and_(table.c.platform == scope.platform, table.c.workspace_id == scope.workspace_id)


def scope_values(scope: Scope) -> dict[str, str]:
    return {"platform": scope.platform, "workspace_id": scope.workspace_id}


# Deliveries a platform may send again (Slack retries events, Socket Mode re-sends
# envelopes). The first sighting of a key is recorded; a retry finds it and does nothing.
seen_deliveries = Table(
    "seen_deliveries",
    metadata,
    *_scope(),
    Column("delivery_key", String(128), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id", "delivery_key"),
    Index(None, "seen_at"),
)

# A member's introduction. Identities are sealed (storage.crypto) and shown only when
# the member asked for it; the rest is what their public intro shows.
intro_profiles = Table(
    "intro_profiles",
    metadata,
    *_scope(),
    Column("user_id", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("pronouns", String(40)),
    Column("stage", String(32), nullable=False),
    Column("institution", String(120)),
    Column("interests", Text, nullable=False),  # JSON list of text
    Column("about", Text, nullable=False),
    Column("looking_for", Text, nullable=False),  # JSON list of text
    Column("identities_sealed", Text),  # sealed JSON list, or NULL for none
    Column("show_identities", Boolean, nullable=False),
    Column("post_ref", String(200)),  # where the intro post is, to edit or remove it
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id", "user_id"),
)

# ----- mentor matching -----------------------------------------------------------------
# Identities are sealed and used only for matching, never shown. Lists are JSON text.

mentor_offers = Table(
    "mentor_offers",
    metadata,
    *_scope(),
    Column("user_id", String(64), nullable=False),
    Column("specialties", Text, nullable=False),
    Column("stages", Text, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("institution", String(120)),
    Column("timezone", String(64)),
    Column("languages", Text, nullable=False),
    Column("bio", Text, nullable=False),
    Column("identities_sealed", Text),
    Column("paused", Boolean, nullable=False),
    Column("paused_until", UTCDateTime()),  # None with paused: until resumed
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id", "user_id"),
)

mentee_requests = Table(
    "mentee_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("user_id", String(64), nullable=False),
    Column("interests", Text, nullable=False),
    Column("stage", String(32), nullable=False),
    Column("goals", Text, nullable=False),
    Column("identities_sealed", Text),
    Column("same_identity", Boolean, nullable=False),
    Column("outside_institution", String(16), nullable=False),  # no | preferred | required
    Column("institution", String(120)),  # from the intro, when the request was made
    Column("language", String(40)),
    Column("timezone", String(64)),
    Column("timezone_window", Integer),  # hours either side; None: no limit
    Column("status", String(16), nullable=False),
    Column("searching_told", Boolean, nullable=False),  # "still searching" already sent
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index(None, "platform", "workspace_id", "status"),
    Index(None, "platform", "workspace_id", "user_id"),
)

mentor_proposals = Table(
    "mentor_proposals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("request_id", Integer, ForeignKey("mentee_requests.id"), nullable=False),
    Column("mentor_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Column("score", Integer, nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of the why, as shown
    Column("status", String(16), nullable=False),
    Column("reason_sealed", Text),  # the mentor's optional reason for declining
    Column("message_ref", String(200)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("answered_at", UTCDateTime()),
    Index(None, "platform", "workspace_id", "status"),
    Index(None, "request_id"),
)

mentor_matches = Table(
    "mentor_matches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("mentor_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Column("request_id", Integer, ForeignKey("mentee_requests.id"), nullable=False),
    Column("proposal_id", Integer, ForeignKey("mentor_proposals.id"), nullable=False),
    Column("status", String(16), nullable=False),  # active | ended
    Column("met_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("ended_by", String(64)),
    Index(None, "platform", "workspace_id", "status"),
)

match_checkins = Table(
    "match_checkins",
    metadata,
    Column("match_id", Integer, ForeignKey("mentor_matches.id"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("round", Integer, nullable=False),
    Column("answer", String(16), nullable=False),  # yes | not_yet | end
    Column("answered_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("match_id", "user_id", "round"),
)

# Private feedback when a match ends: seen by moderators only, the text sealed.
match_feedback = Table(
    "match_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("match_id", Integer, ForeignKey("mentor_matches.id"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("rating", Integer),
    Column("feedback_sealed", Text),
    Column("created_at", UTCDateTime(), nullable=False),
)

mentorship_settings = Table(
    "mentorship_settings",
    metadata,
    *_scope(),
    Column("fairness", Float),  # None: the default weight
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id"),
)

# ----- AMA sessions --------------------------------------------------------------------
# A session is one Q&A hour; a series (weekly, monthly...) is its sessions, made up front.
# The asker of an anonymous question is sealed and shown to nobody but a moderator who
# reveals it in an audited step.

ama_settings = Table(
    "ama_settings",
    metadata,
    *_scope(),
    Column("require_approval", Boolean, nullable=False),
    Column("reminder_minutes", Text, nullable=False),  # JSON list, e.g. [1440, 15]
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("platform", "workspace_id"),
)

ama_series = Table(
    "ama_series",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("rule", String(120), nullable=False),  # as shown: "weekly, 6 sessions"
    Column("rrule", String(200), nullable=False),  # RFC 5545, for calendar files
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

ama_sessions = Table(
    "ama_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("short_id", String(8), nullable=False),  # what members type: "k7q2"
    Column("series_id", Integer, ForeignKey("ama_series.id")),
    Column("seq", Integer, nullable=False),  # 1 for a single session or a series' first
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("host_id", String(64), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("zone", String(64), nullable=False),  # the zone its times were given in
    Column("status", String(16), nullable=False),  # scheduled | cancelled
    Column("version", Integer, nullable=False),  # bumped by each edit (calendar SEQUENCE)
    Column("announce_ref", String(200)),
    Column("announced_at", UTCDateTime()),  # later sessions of a series wait their turn
    Column("event_ref", String(64)),  # the platform's own event (Discord)
    Column("started_at", UTCDateTime()),  # "starting now" was posted
    Column("ended_at", UTCDateTime()),  # the recap was posted
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("platform", "workspace_id", "short_id"),
    Index(None, "platform", "workspace_id", "starts_at"),
)

ama_rsvps = Table(
    "ama_rsvps",
    metadata,
    Column("session_id", Integer, ForeignKey("ama_sessions.id"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("session_id", "user_id"),
)

# One row per reminder and person, written before the DM goes out, so a reminder is
# never sent twice; a reminder that came too late is written as missed.
ama_reminders = Table(
    "ama_reminders",
    metadata,
    Column("session_id", Integer, ForeignKey("ama_sessions.id"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("minutes_before", Integer, nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),  # the start it reminded of
    Column("status", String(16), nullable=False),  # sending | sent | fallback | held | ...
    Column("outbox_id", Integer),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("session_id", "user_id", "minutes_before", "starts_at"),
)

ama_questions = Table(
    "ama_questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("session_id", Integer, ForeignKey("ama_sessions.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending | approved | rejected | merged
    Column("merged_into", Integer, ForeignKey("ama_questions.id")),
    Column("answered_at", UTCDateTime()),
    Column("answered_by", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index(None, "session_id", "status"),
)

# Who asked: one row per asker (a merge moves the duplicate's askers here). An anonymous
# asker has no user_id, only the sealed one.
ama_askers = Table(
    "ama_askers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question_id", Integer, ForeignKey("ama_questions.id"), nullable=False),
    Column("user_id", String(64)),
    Column("user_sealed", Text),
    Column("anonymous", Boolean, nullable=False),
    Column("asked_at", UTCDateTime(), nullable=False),
    Index(None, "question_id"),
)

ama_votes = Table(
    "ama_votes",
    metadata,
    Column("question_id", Integer, ForeignKey("ama_questions.id"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("question_id", "user_id"),
)

# ----- keys ----------------------------------------------------------------------------
# Secrets the bot makes for itself, sealed with DATA_KEY (so rotating DATA_KEY keeps them
# readable): the key of the blind index that finds a member in a private group without
# storing who they are.

keyring = Table(
    "keyring",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("sealed", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# ----- peer groups ---------------------------------------------------------------------
# Who is in a group is never stored in the clear, whatever its visibility: a member row
# holds a keyed hash of (group, member) to find it, and the member's id sealed. Pairs,
# check-ins and posts name members by that per-group hash, so nothing outside this
# database's key can tell who met whom, or tie one person's rows across groups.

peer_groups = Table(
    "peer_groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("name", String(60), nullable=False),
    Column("name_key", String(60), nullable=False),  # folded, for lookups and uniqueness
    Column("description", Text, nullable=False),
    Column("visibility", String(8), nullable=False),  # public | private | secret
    Column("join_policy", String(8), nullable=False),  # open | approval
    Column("parent_id", Integer, ForeignKey("peer_groups.id")),  # a chapter's group
    Column("space_ref", String(64)),  # the private channel on the platform
    Column("pairing", String(10)),  # weekly | biweekly | monthly; None: off
    Column("pairing_round", Integer, nullable=False),  # rounds made so far
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("platform", "workspace_id", "name_key"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", Integer, ForeignKey("peer_groups.id"), nullable=False),
    Column("member_key", String(64), nullable=False),  # blind index of (group, member)
    Column("user_sealed", Text, nullable=False),
    Column("role", String(8), nullable=False),  # member | steward
    Column("status", String(10), nullable=False),  # active | requested | invited | leaving
    Column("note_sealed", Text),  # what they wrote when asking to join
    Column("space_access", Boolean, nullable=False),  # granted on the platform
    Column("pairing", Boolean, nullable=False),  # opted in to coffee chats
    Column("snooze_round", Integer),  # the round they sit out
    Column("request_refs", Text),  # JSON: the stewards' DMs about the request, to close
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("group_id", "member_key"),
    Index(None, "group_id", "status"),
)

# A member's confidential "don't pair me with" list, across the community's groups.
pairing_avoid = Table(
    "pairing_avoid",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_scope(),
    Column("owner_key", String(64), nullable=False),  # blind index of the owner
    Column("entry_key", String(64), nullable=False),  # blind index of (owner, other)
    Column("other_sealed", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("platform", "workspace_id", "entry_key"),
    Index(None, "owner_key"),
)

pairing_rounds = Table(
    "pairing_rounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", Integer, ForeignKey("peer_groups.id"), nullable=False),
    Column("round_no", Integer, nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("unpaired", Integer, nullable=False),  # how many had nobody this round
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("group_id", "round_no"),
)

# One row per pair (or the round's one triple); members by their per-group hash.
pairing_pairs = Table(
    "pairing_pairs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", Integer, ForeignKey("pairing_rounds.id"), nullable=False),
    Column("group_id", Integer, ForeignKey("peer_groups.id"), nullable=False),
    Column("member_keys", Text, nullable=False),  # JSON list of 2 or 3 member keys
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "round_id"),
)

# Who has met whom in a group, and when last: what "avoid repeats" reads.
pairing_history = Table(
    "pairing_history",
    metadata,
    Column("group_id", Integer, ForeignKey("peer_groups.id"), nullable=False),
    Column("first_key", String(64), nullable=False),  # the two member keys, sorted
    Column("second_key", String(64), nullable=False),
    Column("round_no", Integer, nullable=False),
    PrimaryKeyConstraint("group_id", "first_key", "second_key"),
)

pairing_checkins = Table(
    "pairing_checkins",
    metadata,
    Column("pair_id", Integer, ForeignKey("pairing_pairs.id"), nullable=False),
    Column("member_key", String(64), nullable=False),
    Column("answer", String(10), nullable=False),  # met | not_yet | no
    Column("answered_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("pair_id", "member_key"),
)

# Posts the bot made in a group's space for a member. The text stays on the platform;
# the author is sealed, so an anonymous one can be revealed only in an audited step.
group_posts = Table(
    "group_posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", Integer, ForeignKey("peer_groups.id"), nullable=False),
    Column("author_key", String(64), nullable=False),
    Column("author_sealed", Text, nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("message_ref", String(200)),
    Column("created_at", UTCDateTime(), nullable=False),
    Index(None, "group_id"),
)
