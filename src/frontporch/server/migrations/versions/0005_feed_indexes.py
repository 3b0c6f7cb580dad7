"""The feed's index of hidden posts by author: `ix_posts_hidden_author (author_id, seq)
WHERE hidden_at IS NOT NULL`, so that every feed request can ask for the reader's own
hidden posts (shown to their author, marked hidden) with one probe of an index that
holds hidden posts only (feed/models.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

HIDDEN = sa.text("hidden_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_posts_hidden_author",
        "posts",
        ["author_id", "seq"],
        sqlite_where=HIDDEN,
        postgresql_where=HIDDEN,
    )


def downgrade() -> None:
    op.drop_index("ix_posts_hidden_author", table_name="posts")
