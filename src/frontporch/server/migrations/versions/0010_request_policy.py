"""The operator's footage-request policy (requests area).

`request_policy` keeps the operator's values (one row; absent: the defaults in code)
with the log index of the `policy_changed` entry that announced them.
`footage_requests.post_id` links a request to its public post in the Neighbors feed.
Notifications gain the kind `footage_request_nearby` (an agency asked for footage near
the reader's home; the notification points at the request's post).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_KINDS_BEFORE = "'comment_on_your_post', 'your_post_hidden', 'your_post_restored'"
_KINDS_AFTER = f"{_KINDS_BEFORE}, 'footage_request_nearby'"


def _notification_kinds(kinds: str) -> None:
    # SQLite rebuilds the table; the notifications' numbers must keep only growing there.
    with op.batch_alter_table(
        "notifications", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_notifications_kind"), f"kind IN ({kinds})")


def upgrade() -> None:
    op.create_table(
        "request_policy",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("max_area_milli_sq_mi", sa.Integer(), nullable=False),
        sa.Column("max_window_hours", sa.Integer(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("max_expiry_days", sa.Integer(), nullable=False),
        sa.Column("max_open_requests", sa.Integer(), nullable=False),
        sa.Column("k_threshold", sa.Integer(), nullable=False),
        sa.Column("download_window_days", sa.Integer(), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_request_policy_changed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_policy")),
    )
    with op.batch_alter_table("footage_requests") as batch:
        batch.add_column(sa.Column("post_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_footage_requests_post_id_posts"),
            "posts",
            ["post_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _notification_kinds(_KINDS_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE kind = 'footage_request_nearby'")
    _notification_kinds(_KINDS_BEFORE)
    with op.batch_alter_table("footage_requests") as batch:
        batch.drop_constraint(op.f("fk_footage_requests_post_id_posts"), type_="foreignkey")
        batch.drop_column("post_id")
    op.drop_table("request_policy")
