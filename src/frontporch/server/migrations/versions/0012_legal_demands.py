"""Legal demands, delay orders, responses and owner notices (legal area).

`legal_demands` holds each demand as the operator recorded it (its emergency paperwork
and its response once recorded); `legal_demand_accounts` each account it names, by the
pseudonym the log carries, with the owner notice's state. Notifications gain the kind
`legal_notice`, which is about a demand (`demand_id`) rather than a post, so `post_id`
may be NULL for it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_KINDS_BEFORE = (
    "'comment_on_your_post', 'your_post_hidden', 'your_post_restored', 'footage_request_nearby'"
)
_KINDS_AFTER = f"{_KINDS_BEFORE}, 'legal_notice'"


def _notifications(kinds: str, *, legal: bool) -> None:
    # SQLite rebuilds the table; the notifications' numbers must keep only growing there.
    with op.batch_alter_table(
        "notifications", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_notifications_kind"), f"kind IN ({kinds})")
        if legal:
            batch.add_column(sa.Column("demand_id", sa.Uuid(), nullable=True))
        else:
            batch.drop_column("demand_id")
        batch.alter_column("post_id", existing_type=sa.Uuid(), nullable=legal)


def upgrade() -> None:
    op.create_table(
        "legal_demands",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_key", sa.String(length=200), nullable=True),
        sa.Column("document_bytes", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("paperwork_kind", sa.String(length=16), nullable=True),
        sa.Column("paperwork_sha256", sa.String(length=64), nullable=True),
        sa.Column("paperwork_at", sa.DateTime(), nullable=True),
        sa.Column("paperwork_index", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("categories", sa.String(length=200), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("response_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_legal_demands_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_demands")),
    )
    op.create_index(
        op.f("ix_legal_demands_recorded_at"), "legal_demands", ["recorded_at"], unique=False
    )
    op.create_table(
        "legal_demand_accounts",
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("demand_index", sa.BigInteger(), nullable=False),
        sa.Column("notice_delayed_until", sa.DateTime(), nullable=True),
        sa.Column("delay_order_sha256", sa.String(length=64), nullable=True),
        sa.Column("delay_indexes", sa.String(length=2000), nullable=False),
        sa.Column("notice_status", sa.String(length=16), nullable=False),
        sa.Column("notice_sent_at", sa.DateTime(), nullable=True),
        sa.Column("notice_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["legal_demands.id"],
            name=op.f("fk_legal_demand_accounts_demand_id_legal_demands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_legal_demand_accounts_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("demand_id", "pseudonym", name=op.f("pk_legal_demand_accounts")),
    )
    op.create_index(
        "ix_legal_demand_accounts_due",
        "legal_demand_accounts",
        ["notice_status", "notice_delayed_until"],
        unique=False,
    )
    op.create_index(
        op.f("ix_legal_demand_accounts_user_id"),
        "legal_demand_accounts",
        ["user_id"],
        unique=False,
    )
    _notifications(_KINDS_AFTER, legal=True)


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE kind = 'legal_notice'")
    _notifications(_KINDS_BEFORE, legal=False)
    op.drop_index(op.f("ix_legal_demand_accounts_user_id"), table_name="legal_demand_accounts")
    op.drop_index("ix_legal_demand_accounts_due", table_name="legal_demand_accounts")
    op.drop_table("legal_demand_accounts")
    op.drop_index(op.f("ix_legal_demands_recorded_at"), table_name="legal_demands")
    op.drop_table("legal_demands")
