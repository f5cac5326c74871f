"""Mentor matching: offers, requests, proposals, matches, check-ins, feedback, settings.

Revision ID: 0004_mentorship
Revises: 0003_intro_profiles
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0004_mentorship"
down_revision = "0003_intro_profiles"
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
        "mentor_offers",
        *_scope(),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("specialties", sa.Text, nullable=False),
        sa.Column("stages", sa.Text, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("institution", sa.String(120)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("languages", sa.Text, nullable=False),
        sa.Column("bio", sa.Text, nullable=False),
        sa.Column("identities_sealed", sa.Text),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("paused_until", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "user_id", name="pk_mentor_offers"),
    )
    op.create_table(
        "mentee_requests",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        *_scope(),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("interests", sa.Text, nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("goals", sa.Text, nullable=False),
        sa.Column("identities_sealed", sa.Text),
        sa.Column("same_identity", sa.Boolean, nullable=False),
        sa.Column("outside_institution", sa.String(16), nullable=False),
        sa.Column("institution", sa.String(120)),
        sa.Column("language", sa.String(40)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("timezone_window", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("searching_told", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mentee_requests"),
    )
    op.create_index(
        "ix_mentee_requests_platform_workspace_id_status",
        "mentee_requests",
        ["platform", "workspace_id", "status"],
    )
    op.create_index(
        "ix_mentee_requests_platform_workspace_id_user_id",
        "mentee_requests",
        ["platform", "workspace_id", "user_id"],
    )
    op.create_table(
        "mentor_proposals",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        *_scope(),
        sa.Column("request_id", sa.Integer, nullable=False),
        sa.Column("mentor_id", sa.String(64), nullable=False),
        sa.Column("mentee_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason_sealed", sa.Text),
        sa.Column("message_ref", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_mentor_proposals"),
        _fk("mentor_proposals", "request_id", "mentee_requests"),
    )
    op.create_index(
        "ix_mentor_proposals_platform_workspace_id_status",
        "mentor_proposals",
        ["platform", "workspace_id", "status"],
    )
    op.create_index("ix_mentor_proposals_request_id", "mentor_proposals", ["request_id"])
    op.create_table(
        "mentor_matches",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        *_scope(),
        sa.Column("mentor_id", sa.String(64), nullable=False),
        sa.Column("mentee_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.Integer, nullable=False),
        sa.Column("proposal_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("met_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("ended_by", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_mentor_matches"),
        _fk("mentor_matches", "request_id", "mentee_requests"),
        _fk("mentor_matches", "proposal_id", "mentor_proposals"),
    )
    op.create_index(
        "ix_mentor_matches_platform_workspace_id_status",
        "mentor_matches",
        ["platform", "workspace_id", "status"],
    )
    op.create_table(
        "match_checkins",
        sa.Column("match_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("match_id", "user_id", "round", name="pk_match_checkins"),
        _fk("match_checkins", "match_id", "mentor_matches"),
    )
    op.create_table(
        "match_feedback",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        *_scope(),
        sa.Column("match_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("rating", sa.Integer),
        sa.Column("feedback_sealed", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_match_feedback"),
        _fk("match_feedback", "match_id", "mentor_matches"),
    )
    op.create_table(
        "mentorship_settings",
        *_scope(),
        sa.Column("fairness", sa.Float),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", name="pk_mentorship_settings"),
    )


def downgrade() -> None:
    for table in (
        "mentorship_settings",
        "match_feedback",
        "match_checkins",
        "mentor_matches",
        "mentor_proposals",
        "mentee_requests",
        "mentor_offers",
    ):
        op.drop_table(table)
