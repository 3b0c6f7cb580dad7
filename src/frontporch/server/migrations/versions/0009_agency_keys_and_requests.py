"""Agencies with logged keys, and footage requests.

`agencies` gains its application (jurisdiction, contact), its status, its current keys
and the log index of the registration in force; agencies made before (feed-only) stay
`verified` with no keys. `agency_registrations` keeps every `agency_registered` entry an
agency had. `footage_requests` holds each request as filed, with the log indexes of its
`request_filed` and `request_closed` entries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="verified")
        )
        batch.add_column(sa.Column("jurisdiction", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("contact", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("signing_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("age_recipient", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("registration_index", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
    op.create_table(
        "agency_registrations",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("signing_key", sa.String(length=64), nullable=False),
        sa.Column("age_recipient", sa.String(length=128), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("registered_by", sa.Uuid(), nullable=True),
        sa.Column("supersedes", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_registrations_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"],
            ["users.id"],
            name=op.f("fk_agency_registrations_registered_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_agency_registrations")),
    )
    op.create_index(
        op.f("ix_agency_registrations_agency_id"), "agency_registrations", ["agency_id"]
    )
    op.create_table(
        "footage_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("filed_by", sa.Uuid(), nullable=True),
        sa.Column("case_number", sa.String(length=100), nullable=False),
        sa.Column("incident", sa.String(length=48), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=320), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("window_end", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("filed_index", sa.BigInteger(), nullable=False),
        sa.Column("registration_index", sa.BigInteger(), nullable=False),
        sa.Column("closed_index", sa.BigInteger(), nullable=True),
        sa.Column("homes_notified", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_footage_requests_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["filed_by"],
            ["users.id"],
            name=op.f("fk_footage_requests_filed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footage_requests")),
        sa.UniqueConstraint("filed_index", name=op.f("uq_footage_requests_filed_index")),
    )
    op.create_index(op.f("ix_footage_requests_agency_id"), "footage_requests", ["agency_id"])
    op.create_index(op.f("ix_footage_requests_expires_at"), "footage_requests", ["expires_at"])
    op.create_index(op.f("ix_footage_requests_status"), "footage_requests", ["status"])


def downgrade() -> None:
    op.drop_table("footage_requests")
    op.drop_table("agency_registrations")
    with op.batch_alter_table("agencies") as batch:
        for column in (
            "revoked_at",
            "registration_index",
            "age_recipient",
            "signing_key",
            "contact",
            "jurisdiction",
            "status",
        ):
            batch.drop_column(column)
