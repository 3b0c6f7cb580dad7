"""Backups on the community server (backups area): objects, per-home quotas, uploads in
flight. See `server/backups/models.py`.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_objects",
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("home_id", "key", name=op.f("pk_backup_objects")),
    )
    op.create_table(
        "backup_homes",
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("quota_bytes", sa.BigInteger(), nullable=True),
        sa.Column("quota_set_at", sa.DateTime(), nullable=True),
        sa.Column("hubless_since", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("home_id", name=op.f("pk_backup_homes")),
    )
    op.create_table(
        "backup_uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_uploads")),
    )
    op.create_index(op.f("ix_backup_uploads_home_id"), "backup_uploads", ["home_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_backup_uploads_home_id"), table_name="backup_uploads")
    op.drop_table("backup_uploads")
    op.drop_table("backup_homes")
    op.drop_table("backup_objects")
