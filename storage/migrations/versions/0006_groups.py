"""Peer groups: groups and chapters, sealed memberships, posts, pairing; the keyring.

Revision ID: 0006_groups
Revises: 0005_ama
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0006_groups"
down_revision = "0005_ama"
branch_labels = None
depends_on = None


def _scope() -> list[sa.Column[str]]:
    return [
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def _id(table: str) -> tuple[sa.Column[int], sa.PrimaryKeyConstraint]:
    return (
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )


def upgrade() -> None:
    op.create_table(
        "keyring",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("sealed", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_keyring"),
    )
    key, pk = _id("peer_groups")
    op.create_table(
        "peer_groups",
        key,
        *_scope(),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("name_key", sa.String(60), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("visibility", sa.String(8), nullable=False),
        sa.Column("join_policy", sa.String(8), nullable=False),
        sa.Column("parent_id", sa.Integer),
        sa.Column("space_ref", sa.String(64)),
        sa.Column("pairing", sa.String(10)),
        sa.Column("pairing_round", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        pk,
        _fk("peer_groups", "parent_id", "peer_groups"),
        sa.UniqueConstraint(
            "platform",
            "workspace_id",
            "name_key",
            name="uq_peer_groups_platform_workspace_id_name_key",
        ),
    )
    key, pk = _id("group_members")
    op.create_table(
        "group_members",
        key,
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("member_key", sa.String(64), nullable=False),
        sa.Column("user_sealed", sa.Text, nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("note_sealed", sa.Text),
        sa.Column("space_access", sa.Boolean, nullable=False),
        sa.Column("pairing", sa.Boolean, nullable=False),
        sa.Column("snooze_round", sa.Integer),
        sa.Column("request_refs", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        pk,
        _fk("group_members", "group_id", "peer_groups"),
        sa.UniqueConstraint("group_id", "member_key", name="uq_group_members_group_id_member_key"),
    )
    op.create_index("ix_group_members_group_id_status", "group_members", ["group_id", "status"])
    key, pk = _id("pairing_avoid")
    op.create_table(
        "pairing_avoid",
        key,
        *_scope(),
        sa.Column("owner_key", sa.String(64), nullable=False),
        sa.Column("entry_key", sa.String(64), nullable=False),
        sa.Column("other_sealed", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        pk,
        sa.UniqueConstraint(
            "platform",
            "workspace_id",
            "entry_key",
            name="uq_pairing_avoid_platform_workspace_id_entry_key",
        ),
    )
    op.create_index("ix_pairing_avoid_owner_key", "pairing_avoid", ["owner_key"])
    key, pk = _id("pairing_rounds")
    op.create_table(
        "pairing_rounds",
        key,
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("round_no", sa.Integer, nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("unpaired", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        pk,
        _fk("pairing_rounds", "group_id", "peer_groups"),
        sa.UniqueConstraint("group_id", "round_no", name="uq_pairing_rounds_group_id_round_no"),
    )
    key, pk = _id("pairing_pairs")
    op.create_table(
        "pairing_pairs",
        key,
        sa.Column("round_id", sa.Integer, nullable=False),
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("member_keys", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        pk,
        _fk("pairing_pairs", "round_id", "pairing_rounds"),
        _fk("pairing_pairs", "group_id", "peer_groups"),
    )
    op.create_index("ix_pairing_pairs_round_id", "pairing_pairs", ["round_id"])
    op.create_table(
        "pairing_history",
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("first_key", sa.String(64), nullable=False),
        sa.Column("second_key", sa.String(64), nullable=False),
        sa.Column("round_no", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("group_id", "first_key", "second_key", name="pk_pairing_history"),
        _fk("pairing_history", "group_id", "peer_groups"),
    )
    op.create_table(
        "pairing_checkins",
        sa.Column("pair_id", sa.Integer, nullable=False),
        sa.Column("member_key", sa.String(64), nullable=False),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pair_id", "member_key", name="pk_pairing_checkins"),
        _fk("pairing_checkins", "pair_id", "pairing_pairs"),
    )
    key, pk = _id("group_posts")
    op.create_table(
        "group_posts",
        key,
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("author_key", sa.String(64), nullable=False),
        sa.Column("author_sealed", sa.Text, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("message_ref", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        pk,
        _fk("group_posts", "group_id", "peer_groups"),
    )
    op.create_index("ix_group_posts_group_id", "group_posts", ["group_id"])


def downgrade() -> None:
    for table in (
        "group_posts",
        "pairing_checkins",
        "pairing_history",
        "pairing_pairs",
        "pairing_rounds",
        "pairing_avoid",
        "group_members",
        "peer_groups",
        "keyring",
    ):
        op.drop_table(table)
