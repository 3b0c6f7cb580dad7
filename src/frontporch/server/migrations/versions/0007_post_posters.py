"""A poster frame for a shared clip: `posts.poster_key`, the blob of a still (JPEG)
that the feed shows in the video's place until it plays (feed/posts/uploads.py).

Nullable: posts without a clip, posts made before posters existed, and clips a hub
sent without one have none, and the feed shows the player as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("poster_key", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("poster_key")
