"""AMA sessions: settings, series, sessions, RSVPs, reminders, questions, askers, votes.

Revision ID: 0005_ama
Revises: 0004_mentorship
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0005_ama"
down_revision = "0004_mentorship"
branch_labels = None
depends_on = None


def _scope() -> list[sa.Column[str]]:
    return [
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "ama_settings",
        *_scope(),
        sa.Column("require_approval", sa.Boolean, nullable=False),
        sa.Column("reminder_minutes", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", name="pk_ama_settings"),
    )
    op.create_table(
        "ama_series",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        *_scope(),
        sa.Column("rule", sa.String(120), nullable=False),
        sa.Column("rrule", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ama_series"),
    )
    op.create_table(
        "ama_sessions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        *_scope(),
        sa.Column("short_id", sa.String(8), nullable=False),
        sa.Column("series_id", sa.Integer),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("host_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("announce_ref", sa.String(200)),
        sa.Column("announced_at", UTCDateTime()),
        sa.Column("event_ref", sa.String(64)),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ama_sessions"),
        _fk("ama_sessions", "series_id", "ama_series"),
        sa.UniqueConstraint(
            "platform",
            "workspace_id",
            "short_id",
            name="uq_ama_sessions_platform_workspace_id_short_id",
        ),
    )
    op.create_index(
        "ix_ama_sessions_platform_workspace_id_starts_at",
        "ama_sessions",
        ["platform", "workspace_id", "starts_at"],
    )
    op.create_table(
        "ama_rsvps",
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "user_id", name="pk_ama_rsvps"),
        _fk("ama_rsvps", "session_id", "ama_sessions"),
    )
    op.create_table(
        "ama_reminders",
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("minutes_before", sa.Integer, nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outbox_id", sa.Integer),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "session_id", "user_id", "minutes_before", "starts_at", name="pk_ama_reminders"
        ),
        _fk("ama_reminders", "session_id", "ama_sessions"),
    )
    op.create_table(
        "ama_questions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        *_scope(),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("merged_into", sa.Integer),
        sa.Column("answered_at", UTCDateTime()),
        sa.Column("answered_by", sa.String(64)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ama_questions"),
        _fk("ama_questions", "session_id", "ama_sessions"),
        _fk("ama_questions", "merged_into", "ama_questions"),
    )
    op.create_index("ix_ama_questions_session_id_status", "ama_questions", ["session_id", "status"])
    op.create_table(
        "ama_askers",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("question_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("user_sealed", sa.Text),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ama_askers"),
        _fk("ama_askers", "question_id", "ama_questions"),
    )
    op.create_index("ix_ama_askers_question_id", "ama_askers", ["question_id"])
    op.create_table(
        "ama_votes",
        sa.Column("question_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("question_id", "user_id", name="pk_ama_votes"),
        _fk("ama_votes", "question_id", "ama_questions"),
    )


def downgrade() -> None:
    for table in (
        "ama_votes",
        "ama_askers",
        "ama_questions",
        "ama_reminders",
        "ama_rsvps",
        "ama_sessions",
        "ama_series",
        "ama_settings",
    ):
        op.drop_table(table)
