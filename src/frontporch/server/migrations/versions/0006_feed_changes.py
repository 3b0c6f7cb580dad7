"""The feed's change counter: `feed_counters` row 'changes', raised by triggers on every
write to `posts` (insert, update, delete — cascades included) and to `agencies` (an
agency's name signs its posts).

A server process keeps recent feed pages in memory (feed/posts/pagecache.py) and serves one
only while the counter still reads what it read with the page. Triggers rather than
application code, so that no way of changing a post (moderation, comments, a deleted
account's cascade, another process, a script) can leave a stale page behind.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PG_FUNCTION = "frontporch_feed_changed"
BUMP = "UPDATE feed_counters SET value = value + 1 WHERE name = 'changes'"
# (table, the SQLite events): an agency's rows are only ever renamed or removed.
WATCHED = (
    ("posts", ("INSERT", "UPDATE", "DELETE")),
    ("agencies", ("UPDATE", "DELETE")),
)


def upgrade() -> None:
    op.execute("INSERT INTO feed_counters (name, value) VALUES ('changes', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {BUMP};
                RETURN NULL;
            END
            $$
            """
        )
        for table, _ in WATCHED:
            # Once per statement: a bulk change raises the counter once.
            op.execute(
                f"CREATE TRIGGER {table}_feed_changed AFTER INSERT OR UPDATE OR DELETE OR "
                f"TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )
        return
    for table, events in WATCHED:  # SQLite triggers fire per row
        for event in events:
            op.execute(
                f"CREATE TRIGGER {table}_feed_changed_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_changed ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        for table, events in WATCHED:
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_changed_{event.lower()}")
    op.execute("DELETE FROM feed_counters WHERE name = 'changes'")
