"""Core tables: communities, moderators, members, channels, outbox, scheduled jobs, audit.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def _scope() -> list[sa.Column[str]]:
    return [
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "communities",
        *_scope(),
        sa.Column("introductions_channel", sa.String(64)),
        sa.Column("announcements_channel", sa.String(64)),
        sa.Column("modlog_channel", sa.String(64)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", name="pk_communities"),
    )
    op.create_table(
        "moderators",
        *_scope(),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "user_id", name="pk_moderators"),
    )
    op.create_table(
        "members",
        *_scope(),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "user_id", name="pk_members"),
    )
    op.create_table(
        "channels",
        *_scope(),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "channel_id", name="pk_channels"),
        sa.UniqueConstraint(
            "platform", "workspace_id", "name", name="uq_channels_platform_workspace_id_name"
        ),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_scope(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(200)),
        sa.Column("message_ref", sa.String(200)),
        sa.Column("held_payload", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index(
        "ix_outbox_platform_workspace_id_recipient_status",
        "outbox",
        ["platform", "workspace_id", "recipient", "status"],
    )
    op.create_index("ix_outbox_status", "outbox", ["status"])
    op.create_table(
        "scheduled_jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_scope(),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("job_key", sa.String(200), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("detail", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_scheduled_jobs"),
        sa.UniqueConstraint(
            "platform",
            "workspace_id",
            "kind",
            "job_key",
            name="uq_scheduled_jobs_platform_workspace_id_kind_job_key",
        ),
    )
    op.create_index("ix_scheduled_jobs_status_due_at", "scheduled_jobs", ["status", "due_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_scope(),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index(
        "ix_audit_log_platform_workspace_id_created_at",
        "audit_log",
        ["platform", "workspace_id", "created_at"],
    )


def downgrade() -> None:
    for table in (
        "audit_log",
        "scheduled_jobs",
        "outbox",
        "channels",
        "members",
        "moderators",
        "communities",
    ):
        op.drop_table(table)
