"""Tables of the transparency log (translog/log.py says what is stored and why).

- `log_entries`: one row per entry, `idx` 0, 1, 2, … with no gaps; the canonical bytes,
  their RFC 9162 leaf hash (indexed: proofs by leaf hash), the entry type (for reports)
  and when it was appended.
- `log_subtrees`: the hash of every complete perfect subtree, keyed by (level, idx):
  the 2^level leaves starting at idx * 2^level. Level 0 holds the leaf hashes again, so
  every proof is one primary-key lookup per hash in one table; the level-8L rows are
  also the C2SP tlog-tiles' tiles. About two rows per entry.
- `log_state`: exactly one row (id 1): the size and root. Appenders lock it — the
  sequencer — so indexes are handed out one transaction at a time, in commit order.
- `log_checkpoints`: every signed checkpoint, by tree size.

Entries, subtrees and checkpoints are append-only: no code updates or deletes them, and
triggers (migration 0004) refuse it on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime

# INTEGER on SQLite, so that the primary key is the rowid (no second index).
LogIndex = BigInteger().with_variant(Integer(), "sqlite")
HASH_BYTES = 32
STATE_ROW_ID = 1


class LogEntry(Base):
    """One entry of the log."""

    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(LogIndex, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(HASH_BYTES), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    entry_type: Mapped[str] = mapped_column(String(48))
    appended_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LogSubtree(Base):
    """The hash of the perfect subtree [idx * 2^level, (idx + 1) * 2^level)."""

    __tablename__ = "log_subtrees"
    # Clustered on the key (no rowid) on SQLite: a lookup reads one B-tree, not two.
    __table_args__ = ({"sqlite_with_rowid": False},)

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(HASH_BYTES))


class LogStateRow(Base):
    """The one row holding the tree's size and root; locking it is the sequencer."""

    __tablename__ = "log_state"
    __table_args__ = (CheckConstraint(f"id = {STATE_ROW_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(HASH_BYTES))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LogCheckpoint(Base):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note) of the tree at `size`."""

    __tablename__ = "log_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(HASH_BYTES))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
