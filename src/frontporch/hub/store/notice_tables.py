"""The hub index's legal-notice table (schema v5), as a `HubStore` part.

Kept apart from `index.py` like `request_tables.py`: `HubStore` inherits these methods
and provides `_tx` / `_read` (one connection, one lock). Rows become the plain
`LegalNoticeRecord`s of `hub/notices/records.py`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from typing import Any

from frontporch.hub.notices.records import LegalNoticeRecord
from frontporch.hub.store.tables import StoreConnections

_COLUMNS = (
    "demand",
    "kind",
    "authority",
    "received_on",
    "scope",
    "log_index",
    "notice_index",
    "delayed_until",
    "server_answer",
    "received_at",
    "confirmed",
    "problem",
    "read_at",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM legal_notices"  # noqa: S608 (fixed names)


def _notice(row: sqlite3.Row) -> LegalNoticeRecord:
    values = {name: row[name] for name in _COLUMNS}
    values["confirmed"] = bool(values["confirmed"])
    return LegalNoticeRecord(**values)


class NoticeTables(StoreConnections):
    """Legal notices; mixed into `HubStore`."""

    def save_legal_notice(self, record: LegalNoticeRecord) -> None:
        """Insert a notice, or replace the stored one of the same demand."""
        values: dict[str, Any] = asdict(record)
        values["confirmed"] = int(record.confirmed)
        with self._tx() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO legal_notices ({', '.join(_COLUMNS)}) "  # noqa: S608
                f"VALUES ({', '.join(':' + name for name in _COLUMNS)})",
                values,
            )

    def get_legal_notice(self, demand: str) -> LegalNoticeRecord | None:
        """The notice of one demand, or None."""
        with self._read() as conn:
            row = conn.execute(f"{_SELECT} WHERE demand = ?", (demand,)).fetchone()
        return None if row is None else _notice(row)

    def list_legal_notices(self) -> list[LegalNoticeRecord]:
        """Every notice, newest received first."""
        with self._read() as conn:
            rows = conn.execute(f"{_SELECT} ORDER BY received_at DESC, demand").fetchall()
        return [_notice(row) for row in rows]

    def mark_legal_notice_read(self, demand: str, now: float) -> bool:
        """Mark a notice read at `now` (kept if already read); whether it exists."""
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE legal_notices SET read_at = coalesce(read_at, ?) WHERE demand = ?",
                (now, demand),
            )
        return cursor.rowcount > 0

    def count_unread_legal_notices(self) -> int:
        """How many notices the owner has not marked read."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT count(*) FROM legal_notices WHERE read_at IS NULL"
            ).fetchone()
        return int(row[0])


__all__ = ["NoticeTables"]
