"""What accounts do with homes, kept per account: `home_activity` (added, deleted,
invited), so that adding homes and sending invitations are limited per account however
often homes are deleted, and operators can see who churns homes (homes/churn.py).

No foreign key to `homes`: the rows must outlive the home they were about (deleting a
home and adding it again is exactly what the limit counts). They go with the account.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_home_activity_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_activity")),
    )
    op.create_index("ix_home_activity_user_kind_at", "home_activity", ["user_id", "kind", "at"])
    op.create_index("ix_home_activity_at", "home_activity", ["at"])


def downgrade() -> None:
    op.drop_index("ix_home_activity_at", table_name="home_activity")
    op.drop_index("ix_home_activity_user_kind_at", table_name="home_activity")
    op.drop_table("home_activity")
