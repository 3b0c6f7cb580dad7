"""The Neighbors feed: agencies (and users.agency_id), posts with their counter,
comments, reports, moderation actions and notifications.

`users.agency_id` needs a named foreign key, which SQLite can only get by rebuilding
`users` (batch mode). That is safe because `upgrade_to_head` migrates SQLite with
foreign keys off: otherwise dropping the old `users` would cascade into every table
that refers to it. The rebuild starts from `_users()`, the table as written in 0001,
not from reflection, so no constraint can be lost on the way.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VISIBLE = sa.text("hidden_at IS NULL")
OPEN = sa.text("resolved_at IS NULL")
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CATEGORY_CHECK = (
    "category IN ('crime', 'safety', 'suspicious_activity', 'lost_and_found_pets', "
    "'unexpected_activity', 'community')"
)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def _partial(
    name: str, table: str, columns: list[str], where: sa.TextClause, *, unique: bool = False
) -> None:
    op.create_index(name, table, columns, unique=unique, sqlite_where=where, postgresql_where=where)


def _users(*, with_agency: bool) -> sa.Table:
    """`users` as 0001 made it (and 0003 extends it): what SQLite's batch mode rebuilds
    from, so that no constraint depends on reflecting the table."""
    extra: list[sa.schema.SchemaItem] = []
    if with_agency:
        extra = [
            sa.Column("agency_id", sa.Uuid(), nullable=True),
            sa.ForeignKeyConstraint(
                ["agency_id"],
                ["agencies.id"],
                name="fk_users_agency_id_agencies",
                ondelete="SET NULL",
            ),
            sa.Index("ix_users_agency_id", "agency_id"),
        ]
    return sa.Table(
        "users",
        sa.MetaData(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("email_verified_at", sa.DateTime(), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_pending_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_enabled_at", sa.DateTime(), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "role IN ('resident', 'agency_member', 'operator')", name="ck_users_role"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        *extra,
    )


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("name", name=op.f("uq_agencies_name")),
    )
    with op.batch_alter_table("users", copy_from=_users(with_agency=False)) as batch:
        batch.add_column(sa.Column("agency_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_users_agency_id_agencies"),
            "agencies",
            ["agency_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_users_agency_id"), ["agency_id"])

    op.create_table(
        "feed_counters",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_feed_counters")),
    )
    op.execute("INSERT INTO feed_counters (name, value) VALUES ('posts', 0)")

    op.create_table(
        "posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("media_key", sa.String(length=100), nullable=True),
        sa.Column("media_type", sa.String(length=32), nullable=True),
        sa.Column("media_size", sa.BigInteger(), nullable=True),
        sa.Column("hub_id", sa.Uuid(), nullable=True),
        sa.Column("client_ref", sa.String(length=64), nullable=True),
        sa.Column("hidden_at", sa.DateTime(), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(CATEGORY_CHECK, name=op.f("ck_posts_category")),
        sa.CheckConstraint(
            "media_type IS NULL OR media_type IN ('video/mp4', 'image/jpeg')",
            name=op.f("ck_posts_media_type"),
        ),
        _fk("posts", "author_id", "users"),
        _fk("posts", "home_id", "homes", "SET NULL"),
        _fk("posts", "agency_id", "agencies"),
        _fk("posts", "hub_id", "hubs", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint("seq", name=op.f("uq_posts_seq")),
        sa.UniqueConstraint("hub_id", "client_ref", name="uq_posts_hub_client_ref"),
    )
    for column in ("author_id", "home_id", "agency_id"):
        _index("posts", column)
    _partial("ix_posts_feed", "posts", ["cell", "seq"], VISIBLE)
    _partial("ix_posts_feed_category", "posts", ["cell", "category", "seq"], VISIBLE)

    op.create_table(
        "comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("comments", "post_id", "posts"),
        _fk("comments", "author_id", "users"),
        _fk("comments", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    _index("comments", "author_id")
    _index("comments", "agency_id")
    op.create_index("ix_comments_thread", "comments", ["post_id", "created_at", "id"])

    op.create_table(
        "post_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        _fk("post_reports", "post_id", "posts"),
        _fk("post_reports", "reporter_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_reports")),
    )
    _index("post_reports", "post_id")
    _index("post_reports", "reporter_id")
    _partial("uq_post_reports_open", "post_reports", ["post_id", "reporter_id"], OPEN, unique=True)

    op.create_table(
        "moderation_actions",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "action IN ('hide', 'restore', 'dismiss')", name=op.f("ck_moderation_actions_action")
        ),
        _fk("moderation_actions", "post_id", "posts"),
        _fk("moderation_actions", "operator_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
        sqlite_autoincrement=True,
    )
    _index("moderation_actions", "post_id")
    _index("moderation_actions", "operator_id")

    op.create_table(
        "notifications",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('comment_on_your_post', 'your_post_hidden', 'your_post_restored')",
            name=op.f("ck_notifications_kind"),
        ),
        _fk("notifications", "user_id", "users"),
        _fk("notifications", "post_id", "posts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sqlite_autoincrement=True,
    )
    _index("notifications", "post_id")
    op.create_index("ix_notifications_inbox", "notifications", ["user_id", "id"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("moderation_actions")
    op.drop_table("post_reports")
    op.drop_table("comments")
    op.drop_table("posts")
    op.drop_table("feed_counters")
    with op.batch_alter_table("users", copy_from=_users(with_agency=True)) as batch:
        batch.drop_index(op.f("ix_users_agency_id"))
        batch.drop_constraint(op.f("fk_users_agency_id_agencies"), type_="foreignkey")
        batch.drop_column("agency_id")
    op.drop_table("agencies")
