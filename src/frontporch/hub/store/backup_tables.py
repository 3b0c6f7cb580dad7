"""The hub index's off-site backup tables (schema v9), as a `HubStore` part.

- `backup_recipients`: recovery keys' public halves. Only the recipient is ever stored;
  a row is pending until the owner confirms they saved the key, and one confirmed row
  is current (older ones are retired, their backups uploaded again under the new one).
- `backup_items`: what is on the target, one row per file or event record, with the
  random keys of its parts (JSON). `done` 0 marks an upload in progress, so a pass
  that was cut off resumes with the parts it already stored (resumable by object).
- `backup_runs`: each pass, what it moved and the error that stopped it, for the page.
- `backup_meta`: small values the uploader keeps (the index's continuation parts).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from frontporch.hub.backup.index import BackupItem, ItemKind
from frontporch.hub.backup.ports import BackupRun, RecoveryRecipient
from frontporch.hub.store.records import Event, Segment
from frontporch.hub.store.rows import event_from_row, segment_from_row
from frontporch.hub.store.tables import StoreConnections

SCHEMA = """
CREATE TABLE backup_recipients (
    recipient TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    confirmed_at REAL,
    retired_at REAL
) WITHOUT ROWID;

CREATE TABLE backup_items (
    kind TEXT NOT NULL CHECK (kind IN ('segment', 'event-clip', 'snapshot', 'event-record')),
    path TEXT NOT NULL,
    camera TEXT NOT NULL,
    start_ts REAL NOT NULL,
    end_ts REAL NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    parts TEXT NOT NULL,
    record TEXT,
    done INTEGER NOT NULL CHECK (done IN (0, 1)),
    uploaded_at REAL NOT NULL,
    PRIMARY KEY (kind, path)
) WITHOUT ROWID;
CREATE INDEX backup_items_end ON backup_items (end_ts);

CREATE TABLE backup_runs (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    finished REAL,
    uploaded INTEGER NOT NULL DEFAULT 0,
    uploaded_bytes INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    error TEXT
);

CREATE TABLE backup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""

_KEEP_RUNS = 200


def _recipient(row: sqlite3.Row) -> RecoveryRecipient:
    return RecoveryRecipient(row["recipient"], row["created_at"], row["confirmed_at"])


def _item(row: sqlite3.Row) -> BackupItem:
    record = row["record"]
    return BackupItem(
        kind=ItemKind(row["kind"]),
        camera=row["camera"],
        start=row["start_ts"],
        end=row["end_ts"],
        path=row["path"],
        sha256=row["sha256"],
        size=row["size"],
        parts=tuple(json.loads(row["parts"])),
        record=json.loads(record) if record is not None else None,
    )


def _cameras(cameras: Sequence[str] | None) -> tuple[str, list[object]]:
    if cameras is None:
        return "", []
    marks = ", ".join("?" for _ in cameras)
    return f" AND camera IN ({marks})", list(cameras)


class BackupTables(StoreConnections):
    """Recovery recipients, backed-up items and passes; mixed into `HubStore`."""

    # -- recovery recipients ------------------------------------------------------------

    def backup_recipient(self) -> RecoveryRecipient | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM backup_recipients WHERE confirmed_at IS NOT NULL "
                "AND retired_at IS NULL ORDER BY confirmed_at DESC LIMIT 1"
            ).fetchone()
        return None if row is None else _recipient(row)

    def backup_pending_recipient(self) -> RecoveryRecipient | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM backup_recipients WHERE confirmed_at IS NULL "
                "AND retired_at IS NULL ORDER BY created_at DESC LIMIT 1"
            ).fetchone()
        return None if row is None else _recipient(row)

    def add_backup_recipient(self, recipient: str, now: float) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE backup_recipients SET retired_at = ? "
                "WHERE confirmed_at IS NULL AND retired_at IS NULL",
                (now,),
            )
            conn.execute(
                "INSERT OR REPLACE INTO backup_recipients (recipient, created_at) VALUES (?, ?)",
                (recipient, now),
            )

    def confirm_backup_recipient(self, recipient: str, now: float) -> bool:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT 1 FROM backup_recipients WHERE recipient = ? AND confirmed_at IS NULL "
                "AND retired_at IS NULL",
                (recipient,),
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                "UPDATE backup_recipients SET retired_at = ? "
                "WHERE confirmed_at IS NOT NULL AND retired_at IS NULL",
                (now,),
            )
            conn.execute(
                "UPDATE backup_recipients SET confirmed_at = ? WHERE recipient = ?",
                (now, recipient),
            )
            # Objects under the old key are left to the next pass: it uploads everything
            # again, rewrites the index, and only then deletes what the index no longer names.
            conn.execute("DELETE FROM backup_items")
            conn.execute("DELETE FROM backup_meta")  # the index too, and a sweep is due
        return True

    # -- items --------------------------------------------------------------------------

    def backup_items(self, partial: bool = False) -> list[BackupItem]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM backup_items WHERE done = ? ORDER BY start_ts, kind, path",
                (0 if partial else 1,),
            ).fetchall()
        return [_item(row) for row in rows]

    def save_backup_item(self, item: BackupItem, *, done: bool, now: float) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO backup_items (kind, path, camera, start_ts, end_ts, "
                "sha256, size, parts, record, done, uploaded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item.kind.value,
                    item.path,
                    item.camera,
                    item.start,
                    item.end,
                    item.sha256,
                    item.size,
                    json.dumps(list(item.parts)),
                    None if item.record is None else json.dumps(item.record),
                    int(done),
                    now,
                ),
            )

    def forget_backup_items(self, idents: Iterable[tuple[str, str]]) -> None:
        with self._tx() as conn:
            conn.executemany("DELETE FROM backup_items WHERE kind = ? AND path = ?", list(idents))

    # -- meta ---------------------------------------------------------------------------

    def backup_meta(self, key: str) -> str | None:
        with self._read() as conn:
            row = conn.execute("SELECT value FROM backup_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_backup_meta(self, key: str, value: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO backup_meta (key, value) VALUES (?, ?)", (key, value)
            )

    # -- passes -------------------------------------------------------------------------

    def start_backup_run(self, now: float) -> int:
        with self._tx() as conn:
            cursor = conn.execute("INSERT INTO backup_runs (started) VALUES (?)", (now,))
            run_id = int(cursor.lastrowid or 0)
            conn.execute("DELETE FROM backup_runs WHERE id <= ?", (run_id - _KEEP_RUNS,))
        return run_id

    def finish_backup_run(
        self,
        run_id: int,
        now: float,
        uploaded: int,
        uploaded_bytes: int,
        deleted: int,
        error: str | None,
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE backup_runs SET finished = ?, uploaded = ?, uploaded_bytes = ?, "
                "deleted = ?, error = ? WHERE id = ?",
                (now, uploaded, uploaded_bytes, deleted, error, run_id),
            )

    def backup_runs(self, limit: int = 10) -> list[BackupRun]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM backup_runs ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [
            BackupRun(
                row["id"],
                row["started"],
                row["finished"],
                row["uploaded"],
                row["uploaded_bytes"],
                row["deleted"],
                row["error"],
            )
            for row in rows
        ]

    # -- what a pass reads ----------------------------------------------------------------

    def backup_segments(self, since: float, cameras: Sequence[str] | None) -> list[Segment]:
        where, params = _cameras(cameras)
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT * FROM segments WHERE end_ts >= ?{where} ORDER BY start_ts, id",  # noqa: S608
                (since, *params),
            ).fetchall()
        return [segment_from_row(row) for row in rows]

    def backup_events(self, since: float, cameras: Sequence[str] | None) -> list[Event]:
        where, params = _cameras(cameras)
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM events WHERE end_ts IS NOT NULL AND end_ts >= ?"  # noqa: S608
                f"{where} ORDER BY start_ts, id",
                (since, *params),
            ).fetchall()
        return [event_from_row(row) for row in rows]


__all__ = ["SCHEMA", "BackupTables"]
