"""Intro profiles, and a community's welcome text.

Revision ID: 0003_intro_profiles
Revises: 0002_seen_deliveries
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0003_intro_profiles"
down_revision = "0002_seen_deliveries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("communities", sa.Column("welcome_text", sa.Text))
    op.create_table(
        "intro_profiles",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("pronouns", sa.String(40)),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("institution", sa.String(120)),
        sa.Column("interests", sa.Text, nullable=False),
        sa.Column("about", sa.Text, nullable=False),
        sa.Column("looking_for", sa.Text, nullable=False),
        sa.Column("identities_sealed", sa.Text),
        sa.Column("show_identities", sa.Boolean, nullable=False),
        sa.Column("post_ref", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "user_id", name="pk_intro_profiles"),
    )


def downgrade() -> None:
    op.drop_table("intro_profiles")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("welcome_text")
