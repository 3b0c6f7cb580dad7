"""Agreements with agencies, and agency statements kept as submitted (agreements area).

`agreements` (published once, never edited or deleted), `agency_statements` (an agency
post's or request's text as submitted, with its `statement` entry), `statement_hides`
(each `statement_hidden` entry) and `agencies.partner` (shown as the operator's partner,
only with a published agreement). See `server/agreements/models.py`.

Triggers, on SQLite and PostgreSQL alike, make "an agency's words are never edited" a
property of the database rather than of the code that happens to exist today: they
refuse UPDATE of an agency post's title and body, of a footage request's case number,
description and contact, of a statement's submitted text and hash, and of a published
agreement (or its deletion); and setting `agencies.partner` without an agreement. As
with the log's tables (0004), someone with raw database access can still drop a trigger;
the `statement` and `agreement_published` entries in the public log are what catch that.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PG_FUNCTION = "frontporch_refuse_change"
PG_PARTNER_FUNCTION = "frontporch_partner_needs_agreement"
AGREEMENT_COLUMNS = (
    "id, agency_id, kind, title, parties, starts_on, ends_on, document_key, "
    "document_sha256, document_size, log_index, published_at"
)
STATEMENT_COLUMNS = "id, kind, agency_id, submitted, sha256, log_index, created_at"
HIDE_COLUMNS = "log_index, statement_id, category, reason_sha256, hidden_at"

# (name, event, table, SQLite WHEN condition or None, PostgreSQL WHEN condition or None,
#  message)
_POST_CHANGED = (
    "OLD.agency_id IS NOT NULL AND (NEW.title {ne} OLD.title OR NEW.body {ne} OLD.body "
    "OR NEW.agency_id {ne} OLD.agency_id)"
)
_REQUEST_CHANGED = (
    "NEW.case_number {ne} OLD.case_number OR NEW.description {ne} OLD.description "
    "OR NEW.contact {ne} OLD.contact"
)
TRIGGERS: tuple[tuple[str, str, str, str | None, str], ...] = (
    (
        "posts_agency_text_kept",
        "UPDATE OF title, body, agency_id",
        "posts",
        _POST_CHANGED,
        "an agency post is kept as submitted: its title and body are never edited",
    ),
    (
        "footage_requests_text_kept",
        "UPDATE OF case_number, description, contact",
        "footage_requests",
        _REQUEST_CHANGED,
        "a footage request is kept as filed: its case number, description and contact "
        "are never edited",
    ),
    (
        "agency_statements_kept",
        f"UPDATE OF {STATEMENT_COLUMNS}",
        "agency_statements",
        None,
        "an agency statement is kept as submitted: UPDATE refused",
    ),
    (
        "statement_hides_kept",
        f"UPDATE OF {HIDE_COLUMNS}",
        "statement_hides",
        None,
        "a logged hide is kept: UPDATE refused",
    ),
    (
        "agreements_kept",
        f"UPDATE OF {AGREEMENT_COLUMNS}",
        "agreements",
        None,
        "a published agreement is never edited: publish a new one that supersedes it",
    ),
    (
        "agreements_not_deleted",
        "DELETE",
        "agreements",
        None,
        "a published agreement is never deleted: publish a new one that supersedes it",
    ),
)
PARTNER_MESSAGE = "an agency is a partner only with a published agreement"
PG_PARTNER_SQL = """
CREATE FUNCTION frontporch_partner_needs_agreement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.partner AND NOT EXISTS (SELECT 1 FROM agreements WHERE agency_id = NEW.id) THEN
        RAISE EXCEPTION 'an agency is a partner only with a published agreement'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.add_column(
        "agencies", sa.Column("partner", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("parties", sa.String(length=1000), nullable=False),
        sa.Column("starts_on", sa.DateTime(), nullable=False),
        sa.Column("ends_on", sa.DateTime(), nullable=True),
        sa.Column("document_key", sa.String(length=100), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_size", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('mou', 'data_sharing', 'pilot', 'other')", name=op.f("ck_agreements_kind")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agreements_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["users.id"],
            name=op.f("fk_agreements_published_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("log_index", name=op.f("uq_agreements_log_index")),
    )
    op.create_index(op.f("ix_agreements_agency_id"), "agreements", ["agency_id"])
    op.create_table(
        "agency_statements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("submitted", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('post', 'request')", name=op.f("ck_agency_statements_kind")),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_statements_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_agency_statements_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["footage_requests.id"],
            name=op.f("fk_agency_statements_request_id_footage_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_statements")),
        sa.UniqueConstraint("post_id", name=op.f("uq_agency_statements_post_id")),
        sa.UniqueConstraint("request_id", name=op.f("uq_agency_statements_request_id")),
        sa.UniqueConstraint("log_index", name=op.f("uq_agency_statements_log_index")),
    )
    op.create_index(op.f("ix_agency_statements_agency_id"), "agency_statements", ["agency_id"])
    op.create_table(
        "statement_hides",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=48), nullable=False),
        sa.Column("reason_sha256", sa.String(length=64), nullable=False),
        sa.Column("hidden_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["agency_statements.id"],
            name=op.f("fk_statement_hides_statement_id_agency_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_statement_hides")),
    )
    op.create_index(op.f("ix_statement_hides_statement_id"), "statement_hides", ["statement_id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for name, event, table, condition, message in TRIGGERS:
        when = f" WHEN {condition.format(ne='IS NOT')}" if condition else ""
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
    no_agreement = "NOT EXISTS (SELECT 1 FROM agreements WHERE agency_id = NEW.id)"
    for event in ("INSERT", "UPDATE OF partner"):
        suffix = "insert" if event == "INSERT" else "update"
        op.execute(
            f"CREATE TRIGGER agencies_partner_{suffix} BEFORE {event} ON agencies "
            f"FOR EACH ROW WHEN NEW.partner AND {no_agreement} "
            f"BEGIN SELECT RAISE(ABORT, '{PARTNER_MESSAGE}'); END"
        )


def _postgresql_triggers() -> None:
    op.execute(
        f"""
        CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'check_violation', DETAIL = TG_ARGV[0];
        END
        $$
        """
    )
    for name, event, table, condition, message in TRIGGERS:
        when = f" WHEN ({condition.format(ne='IS DISTINCT FROM')})" if condition else ""
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
            f"EXECUTE FUNCTION {PG_FUNCTION}('{message}')"
        )
    op.execute(PG_PARTNER_SQL)
    op.execute(
        f"CREATE TRIGGER agencies_partner BEFORE INSERT OR UPDATE OF partner ON agencies "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_PARTNER_FUNCTION}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS agencies_partner ON agencies")
        for name, _, table, _, _ in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_PARTNER_FUNCTION}()")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        for name, _, _, _, _ in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TRIGGER IF EXISTS agencies_partner_insert")
        op.execute("DROP TRIGGER IF EXISTS agencies_partner_update")
    op.drop_index(op.f("ix_statement_hides_statement_id"), table_name="statement_hides")
    op.drop_table("statement_hides")
    op.drop_index(op.f("ix_agency_statements_agency_id"), table_name="agency_statements")
    op.drop_table("agency_statements")
    op.drop_index(op.f("ix_agreements_agency_id"), table_name="agreements")
    op.drop_table("agreements")
    op.drop_column("agencies", "partner")
