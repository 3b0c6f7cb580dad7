"""Releases: hubs' signed manifests and their clips' uploads (evidence area).

`releases` keeps each manifest as signed (bytes, signature, SHA-256) with the log index
of its `release` entry; `release_clips` each clip's upload state. No column names a
home. See `server/evidence/models.py`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("hub_id", sa.Uuid(), nullable=True),
        sa.Column("hub_key_id", sa.String(length=64), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("clips", sa.Integer(), nullable=False),
        sa.Column("ciphertext_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("complete_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["footage_requests.id"],
            name=op.f("fk_releases_request_id_footage_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hubs.id"], name=op.f("fk_releases_hub_id_hubs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_releases")),
        sa.UniqueConstraint("log_index", name=op.f("uq_releases_log_index")),
    )
    op.create_index(op.f("ix_releases_request_id"), "releases", ["request_id"])
    op.create_index(op.f("ix_releases_hub_id"), "releases", ["hub_id"])
    op.create_index(op.f("ix_releases_created_at"), "releases", ["created_at"])
    op.create_table(
        "release_clips",
        sa.Column("release_id", sa.Uuid(), nullable=False),
        sa.Column("file", sa.String(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("ciphertext_sha256", sa.String(length=64), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("blob_key", sa.String(length=200), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_release_clips_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("release_id", "file", name=op.f("pk_release_clips")),
    )


def downgrade() -> None:
    op.drop_table("release_clips")
    op.drop_index(op.f("ix_releases_created_at"), table_name="releases")
    op.drop_index(op.f("ix_releases_hub_id"), table_name="releases")
    op.drop_index(op.f("ix_releases_request_id"), table_name="releases")
    op.drop_table("releases")
