"""The transparency report's running aggregates (report area).

`report_aggregates`: one row, the log entries folded so far and the report builder's
state after them (JSON). See `server/report/models.py`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_aggregates",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_report_aggregates_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_aggregates")),
    )


def downgrade() -> None:
    op.drop_table("report_aggregates")
