"""Homes and hubs: homes (one coarse H3 cell each), household members and invitations,
paired hubs, one-time pairing codes and the per-hub message queue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "homes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("homes", "owner_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_homes")),
    )
    op.create_index(op.f("ix_homes_owner_id"), "homes", ["owner_id"])
    op.create_index("ix_homes_cell", "homes", ["cell", "id"])
    op.create_table(
        "home_members",
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        _fk("home_members", "home_id", "homes"),
        _fk("home_members", "user_id", "users"),
        sa.PrimaryKeyConstraint("home_id", "user_id", name=op.f("pk_home_members")),
    )
    op.create_index(op.f("ix_home_members_user_id"), "home_members", ["user_id"])
    op.create_table(
        "home_invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        _fk("home_invitations", "home_id", "homes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_home_invitations_token_hash")),
    )
    op.create_index(op.f("ix_home_invitations_home_id"), "home_invitations", ["home_id"])
    op.create_table(
        "hubs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("age_recipient", sa.String(length=128), nullable=False),
        sa.Column("credential_hash", sa.String(length=64), nullable=False),
        sa.Column("paired_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        _fk("hubs", "home_id", "homes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs")),
        sa.UniqueConstraint("public_key", name=op.f("uq_hubs_public_key")),
        sa.UniqueConstraint("credential_hash", name=op.f("uq_hubs_credential_hash")),
    )
    op.create_index(op.f("ix_hubs_home_id"), "hubs", ["home_id"])
    op.create_table(
        "hub_pairing_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        _fk("hub_pairing_codes", "home_id", "homes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_pairing_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_hub_pairing_codes_code_hash")),
    )
    op.create_index(op.f("ix_hub_pairing_codes_home_id"), "hub_pairing_codes", ["home_id"])
    op.create_table(
        "hub_messages",
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("hub_messages", "hub_id", "hubs"),
        sa.PrimaryKeyConstraint("hub_id", "seq", name=op.f("pk_hub_messages")),
    )


def downgrade() -> None:
    op.drop_table("hub_messages")
    op.drop_index(op.f("ix_hub_pairing_codes_home_id"), table_name="hub_pairing_codes")
    op.drop_table("hub_pairing_codes")
    op.drop_index(op.f("ix_hubs_home_id"), table_name="hubs")
    op.drop_table("hubs")
    op.drop_index(op.f("ix_home_invitations_home_id"), table_name="home_invitations")
    op.drop_table("home_invitations")
    op.drop_index(op.f("ix_home_members_user_id"), table_name="home_members")
    op.drop_table("home_members")
    op.drop_index("ix_homes_cell", table_name="homes")
    op.drop_index(op.f("ix_homes_owner_id"), table_name="homes")
    op.drop_table("homes")
