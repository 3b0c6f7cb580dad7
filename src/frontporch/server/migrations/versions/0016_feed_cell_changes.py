"""The feed's change counters per cell: `feed_cell_changes`, one row per cell that ever held
a post, at the home resolution (8) and at resolution 6 (its parent, about 36 km²: what a
wide area is checked by), raised by triggers inside the writer's transaction.

Until now one counter (`feed_counters` row 'changes', 0006) was raised by every write to
`posts` or `agencies`, so a post anywhere dropped every feed page every server process
kept, and on PostgreSQL every posting transaction queued on that one row. Now a write
raises the counter of the cells it touches, and a kept page (feed/posts/pagecache.py)
stays valid while the counters of its area's cells do:

- a post inserted or deleted (cascades included: an account, an agency): its cell;
- a post updated (hidden, restored, a comment counted, an edit): its cell, and its old
  cell too when the cell changed;
- an agency renamed or removed (its name signs its posts): the cells of its posts;

each with its resolution-6 parent. A 2-mile area (39 cells) is checked by its own cells;
a 5-mile one (269) by the 10-12 parents that cover it, one read of a dozen rows instead
of 269 (posts/repository.py). The parent is the H3 index with its resolution field set
to 6 and the digits below set to 7, integer arithmetic that both databases do.

Triggers rather than application code, as in 0006, so no way of changing a post
(moderation, comments, a deleted account's cascade, another process, a script) can leave
a stale page behind. Rows are never deleted, so a counter only grows and the sum over an
area changes exactly when one of its cells did. The 'changes' row stays, raised now only
by TRUNCATE (PostgreSQL), which takes every area at once.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD_PG_FUNCTION = "frontporch_feed_changed"  # 0006: raises 'changes'
OLD_WATCHED = (
    ("posts", ("INSERT", "UPDATE", "DELETE")),
    ("agencies", ("UPDATE", "DELETE")),
)
POSTS_FUNCTION = "frontporch_feed_post_changed"
AGENCIES_FUNCTION = "frontporch_feed_agency_changed"


PARENT_RESOLUTION = 6  # as posts/repository.py's CELL_PARENT_RESOLUTION
_RESOLUTION_FIELD = 15 << 52
_LOWER_DIGITS = (1 << 3 * (15 - PARENT_RESOLUTION)) - 1


# The statements below are built from fixed fragments only (column names, constants).


def _parent(cell: str) -> str:
    """The resolution-6 parent of the cell `cell` (an SQL expression), as an SQL
    expression: the H3 index with its resolution field set and the lower digits all 7."""
    return f"(({cell} & {~_RESOLUTION_FIELD}) | {PARENT_RESOLUTION << 52} | {_LOWER_DIGITS})"


def _raise(cell: str) -> str:
    """The statements that raise the counters of `cell` (an expression) and of its
    parent, making their rows."""
    return "; ".join(
        f"INSERT INTO feed_cell_changes (cell, value) VALUES ({key}, 1) "  # noqa: S608
        "ON CONFLICT (cell) DO UPDATE SET value = feed_cell_changes.value + 1"
        for key in (cell, _parent(cell))
    )


def _raise_agency(agency_id: str) -> str:
    """The statement that raises the counters of the cells of an agency's posts."""
    return (
        "UPDATE feed_cell_changes SET value = value + 1 WHERE cell IN "  # noqa: S608
        f"(SELECT cell FROM posts WHERE agency_id = {agency_id} "
        f"UNION SELECT {_parent('cell')} FROM posts WHERE agency_id = {agency_id})"
    )


SQLITE_TRIGGERS = {
    "posts_feed_cell_insert": f"AFTER INSERT ON posts BEGIN {_raise('NEW.cell')}; END",
    "posts_feed_cell_update": (
        f"AFTER UPDATE ON posts BEGIN {_raise('NEW.cell')}; "  # noqa: S608
        "UPDATE feed_cell_changes SET value = value + 1 "
        f"WHERE cell IN (OLD.cell, {_parent('OLD.cell')}) AND OLD.cell <> NEW.cell; END"
    ),
    "posts_feed_cell_delete": f"AFTER DELETE ON posts BEGIN {_raise('OLD.cell')}; END",
    "agencies_feed_cell_update": f"AFTER UPDATE ON agencies BEGIN {_raise_agency('NEW.id')}; END",
    "agencies_feed_cell_delete": f"AFTER DELETE ON agencies BEGIN {_raise_agency('OLD.id')}; END",
}


def upgrade() -> None:
    op.create_table(
        "feed_cell_changes",
        sa.Column("cell", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("cell", name=op.f("pk_feed_cell_changes")),
    )
    # Every cell that holds a post gets its rows, so that the agency triggers and a
    # moved post's old cell (plain UPDATEs) find one.
    op.execute(
        "INSERT INTO feed_cell_changes (cell, value) "  # noqa: S608
        f"SELECT cell, 1 FROM posts UNION SELECT {_parent('cell')}, 1 FROM posts"
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in OLD_WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_changed ON {table}")
            # TRUNCATE fires no row trigger: it still raises the server-wide counter.
            op.execute(
                f"CREATE TRIGGER {table}_feed_truncated AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {OLD_PG_FUNCTION}()"
            )
        op.execute(
            f"""
            CREATE FUNCTION {POSTS_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'DELETE' THEN
                    {_raise("NEW.cell")};
                END IF;
                IF TG_OP = 'DELETE' OR OLD.cell <> NEW.cell THEN
                    {_raise("OLD.cell")};
                END IF;
                RETURN NULL;
            END
            $$
            """
        )
        op.execute(
            f"""
            CREATE FUNCTION {AGENCIES_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {_raise_agency("OLD.id")};
                RETURN NULL;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER posts_feed_cell_changed AFTER INSERT OR UPDATE OR DELETE ON posts "
            f"FOR EACH ROW EXECUTE FUNCTION {POSTS_FUNCTION}()"
        )
        op.execute(
            "CREATE TRIGGER agencies_feed_cell_changed AFTER UPDATE OR DELETE ON agencies "
            f"FOR EACH ROW EXECUTE FUNCTION {AGENCIES_FUNCTION}()"
        )
        return
    for table, events in OLD_WATCHED:
        for event in events:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_changed_{event.lower()}")
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS posts_feed_cell_changed ON posts")
        op.execute("DROP TRIGGER IF EXISTS agencies_feed_cell_changed ON agencies")
        op.execute(f"DROP FUNCTION IF EXISTS {POSTS_FUNCTION}()")
        op.execute(f"DROP FUNCTION IF EXISTS {AGENCIES_FUNCTION}()")
        for table, _ in OLD_WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_truncated ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_feed_changed AFTER INSERT OR UPDATE OR DELETE OR "
                f"TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {OLD_PG_FUNCTION}()"
            )
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        bump = "UPDATE feed_counters SET value = value + 1 WHERE name = 'changes'"
        for table, events in OLD_WATCHED:
            for event in events:
                op.execute(
                    f"CREATE TRIGGER {table}_feed_changed_{event.lower()} AFTER {event} "
                    f"ON {table} BEGIN {bump}; END"
                )
    op.drop_table("feed_cell_changes")
