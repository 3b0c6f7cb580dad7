"""All SQL of the transparency log: `SqlLogStorage` (the `translog.log.LogStorage` port
over the server's database) and the checkpoint queries.

The log is public, so no query here takes a caller: every reader may read it all.

**The sequencer.** `read_state(lock=True)` locks the one `log_state` row until the
caller's transaction ends: `SELECT … FOR UPDATE` on PostgreSQL; on SQLite, whose
database has a single writer, a no-op `UPDATE` of the row, which takes the write lock
as the transaction's first write (so it waits in the busy timeout rather than failing
on a stale snapshot). Appenders in several processes therefore run one at a time, each
seeing the size the previous one committed, and indexes follow commit order with no gaps.

**Reads are index lookups.** `read_subtrees` asks for all the ranges a proof needs in
one query, an OR of primary-key equalities that SQLite runs as a MULTI-INDEX OR and
PostgreSQL as a BitmapOr of index scans (a row-value `IN (VALUES …)` would make SQLite
scan the table). Entries are read by primary-key range, and by leaf hash through
`ix_log_entries_leaf_hash`.

Nothing here updates or deletes a row of `log_entries`, `log_subtrees` or
`log_checkpoints`; the migration's triggers would refuse it anyway.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import cast

from sqlalchemy import Table, TextClause, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontporch.server.kit.repository import Repository
from frontporch.server.transparency.models import (
    STATE_ROW_ID,
    LogCheckpoint,
    LogEntry,
    LogStateRow,
    LogSubtree,
)
from frontporch.translog.log import Leaf, LogState, StorageDamaged
from frontporch.translog.merkle import Range

# Core tables: bulk inserts without the ORM's per-row bookkeeping.
ENTRIES = cast(Table, LogEntry.__table__)
SUBTREES = cast(Table, LogSubtree.__table__)
STATE = cast(Table, LogStateRow.__table__)
_READ_STATE = select(STATE.c.size, STATE.c.root).where(STATE.c.id == STATE_ROW_ID)
_LOCK_STATE = _READ_STATE.with_for_update()  # a plain SELECT on SQLite (see read_state)
UNKNOWN_TYPE = "unknown"
TYPE_LENGTH = 48


def entry_type(data: bytes) -> str:
    """The `type` field of a canonical entry, for the `entry_type` column ('unknown' if none)."""
    try:
        value = json.loads(data).get("type")
    except (ValueError, AttributeError):
        return UNKNOWN_TYPE
    return value[:TYPE_LENGTH] if isinstance(value, str) and value else UNKNOWN_TYPE


def subtree_key(start: int, end: int) -> tuple[int, int]:
    """(level, idx) of the perfect subtree [start, end)."""
    level = (end - start).bit_length() - 1
    return level, start >> level


@lru_cache(maxsize=256)
def _subtrees_query(count: int) -> TextClause:
    """SELECT the subtrees (level = :l0 AND idx = :i0) OR … for `count` keys.

    Written as text and kept per count: building the same OR as an expression tree
    costs more than the query itself (a proof in a log of 1M entries has ~40 terms).
    """
    terms = " OR ".join(f"(level = :l{n} AND idx = :i{n})" for n in range(count))
    return text(f"SELECT level, idx, hash FROM log_subtrees WHERE {terms}")  # noqa: S608


class SqlLogStorage:
    """The log's storage in the server's database, inside the session's transaction."""

    def __init__(self, db: Session, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def read_state(self, *, lock: bool = False) -> LogState:
        """The size and root; with `lock`, the sequencer's lock until the transaction ends."""
        if lock and self.db.get_bind().dialect.name != "postgresql":
            self.db.execute(
                update(STATE).where(STATE.c.id == STATE_ROW_ID).values(size=STATE.c.size)
            )
        row = self.db.connection().execute(_LOCK_STATE if lock else _READ_STATE).one()
        return LogState(int(row.size), bytes(row.root))

    def read_subtrees(self, ranges: Collection[Range]) -> Mapping[Range, bytes]:
        """The stored hashes of these perfect subtrees, in one query."""
        if not ranges:
            return {}
        wanted = {subtree_key(start, end): (start, end) for start, end in ranges}
        params: dict[str, int] = {}
        for number, (level, idx) in enumerate(wanted):
            params[f"l{number}"], params[f"i{number}"] = level, idx
        rows = self.db.connection().execute(_subtrees_query(len(wanted)), params)
        return {wanted[(int(level), int(idx))]: bytes(value) for level, idx, value in rows}

    def write(
        self, leaves: Sequence[Leaf], subtrees: Mapping[Range, bytes], state: LogState
    ) -> None:
        """Insert the leaves and subtrees, and move the state row (locked by `read_state`)."""
        try:
            self._insert(leaves, subtrees, state)
        except IntegrityError as exc:
            # The sequencer row is locked, so no other append can be here: a row already
            # where the next one goes was put there outside the log.
            first = leaves[0].index if leaves else state.size
            raise StorageDamaged(
                f"an entry or subtree already exists where entry {first} goes; the log's "
                "storage was changed outside the log"
            ) from exc

    def _insert(
        self, leaves: Sequence[Leaf], subtrees: Mapping[Range, bytes], state: LogState
    ) -> None:
        now = self.clock()
        self.db.execute(
            insert(ENTRIES),
            [
                {
                    "idx": leaf.index,
                    "leaf_hash": leaf.hash,
                    "data": leaf.data,
                    "entry_type": entry_type(leaf.data),
                    "appended_at": now,
                }
                for leaf in leaves
            ],
        )
        self.db.execute(
            insert(SUBTREES),
            [
                dict(zip(("level", "idx"), subtree_key(start, end), strict=True), hash=value)
                for (start, end), value in subtrees.items()
            ],
        )
        self.db.execute(
            update(STATE)
            .where(STATE.c.id == STATE_ROW_ID)
            .values(size=state.size, root=state.root, updated_at=now)
        )

    def read_leaves(self, start: int, end: int) -> Sequence[Leaf]:
        """Entries [start, end) in order."""
        rows = self.db.execute(
            select(LogEntry.idx, LogEntry.data, LogEntry.leaf_hash)
            .where(LogEntry.idx >= start, LogEntry.idx < end)
            .order_by(LogEntry.idx)
        )
        return [Leaf(int(row.idx), bytes(row.data), bytes(row.leaf_hash)) for row in rows]

    def find_leaf(self, leaf_hash: bytes, size: int) -> int | None:
        """The first index below `size` holding `leaf_hash`."""
        found = self.db.scalar(
            select(func.min(LogEntry.idx)).where(
                LogEntry.leaf_hash == leaf_hash, LogEntry.idx < size
            )
        )
        return None if found is None else int(found)

    def read_level(self, level: int, first: int, count: int) -> list[bytes]:
        """The stored hashes of level `level`, indexes [first, first + count), in order.

        Fewer come back where the tree has not grown that far (a tlog-tiles tile).
        """
        rows = self.db.scalars(
            select(LogSubtree.hash)
            .where(
                LogSubtree.level == level,
                LogSubtree.idx >= first,
                LogSubtree.idx < first + count,
            )
            .order_by(LogSubtree.idx)
        )
        return [bytes(value) for value in rows]


class CheckpointRepository(Repository[LogCheckpoint]):
    """Signed checkpoints: insert once per size, read the latest and recent ones."""

    def latest(self) -> LogCheckpoint | None:
        """The checkpoint of the largest tree, or None before the first one."""
        return self.db.scalars(
            select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1)
        ).one_or_none()

    def get(self, size: int) -> LogCheckpoint | None:
        """The checkpoint of the tree of `size` entries, if one was signed."""
        return self.db.get(LogCheckpoint, size)

    def add_if_absent(self, size: int, root: bytes, note: str, created_at: datetime) -> None:
        """Insert a checkpoint; nothing happens if one for `size` exists (another process)."""
        values = {"size": size, "root": root, "note": note, "created_at": created_at}
        dialect = self.db.get_bind().dialect.name
        if dialect == "postgresql":
            self.db.execute(pg_insert(LogCheckpoint).values(values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            self.db.execute(sqlite_insert(LogCheckpoint).values(values).on_conflict_do_nothing())
        elif self.get(size) is None:
            self.db.execute(insert(LogCheckpoint).values(values))

    def before(self, size: int | None, limit: int) -> list[LogCheckpoint]:
        """Up to `limit` checkpoints of trees smaller than `size` (or all), largest first."""
        statement = select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(limit)
        if size is not None:
            statement = statement.where(LogCheckpoint.size < size)
        return list(self.db.scalars(statement))
