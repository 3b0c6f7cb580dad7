"""The hub's index: one SQLite file for segments, motion, outages, events, publications,
settings, sessions, API tokens, footage requests and releases (`request_tables.py`), and
legal notices (`notice_tables.py`).

Why stdlib `sqlite3` and not SQLAlchemy: the hub is a small embedded device with one
process and a fixed, small schema; the community server is where SQLAlchemy pays off.

Choices and hazards:
- **One connection, one lock.** Every call takes a re-entrant lock around a single
  connection. The hub's writers (recorders, event state, the janitor, the web UI) make
  short indexed statements, so serialising them costs microseconds, while a
  connection per thread would leak a file handle for every short-lived web worker
  thread and could not all be closed by `close()`. WAL mode still lets *other*
  processes (a CLI, a backup) read while the hub writes.
- **Durability.** WAL with `synchronous=NORMAL`: a power cut may lose the last few
  commits but never corrupts the file; the janitor's `reconcile` re-indexes segment
  files whose row was lost.
- **Paths are stored as passed and must be relative** POSIX paths (segments: relative
  to the recordings root, e.g. `front/2024-05-01/13/1714568400.mp4`; snapshots and
  clips: relative to the storage directory). Absolute paths and `..` are refused, so
  moving the data directory keeps the index valid and a row cannot name a file
  elsewhere. Readers must still confine paths to their root (`layout.confine`).
- **Schema** versions live in `PRAGMA user_version`; `MIGRATIONS[i]` takes version i
  to i + 1, each in one transaction. Migrations only move forward: a database written
  by a newer Frontporch is refused rather than guessed at.
- **Errors**: every SQLite failure is raised as `StoreError` whose message names the
  file and what to do (disk full, locked by another program, corrupt, read-only).
- **Overlap queries** ("segments between a and b") bound the index range from both
  sides with the longest row of that camera (kept cheap by an expression index), so
  a window query stays fast with a million segments.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePath, PurePosixPath

from frontporch.hub.store.alert_tables import AlertTables
from frontporch.hub.store.backup_tables import BackupTables
from frontporch.hub.store.control_tables import ControlTables
from frontporch.hub.store.export_tables import ExportTables
from frontporch.hub.store.member_tables import MemberTables
from frontporch.hub.store.notice_tables import NoticeTables
from frontporch.hub.store.push_tables import PushTables
from frontporch.hub.store.records import (
    ApiToken,
    Event,
    EventPage,
    EventWindow,
    InvalidCursorError,
    MotionSpan,
    Outage,
    Publication,
    Segment,
    Session,
    StoreError,
    UnknownEventError,
)
from frontporch.hub.store.request_tables import RequestTables
from frontporch.hub.store.review_tables import ReviewTables
from frontporch.hub.store.rows import event_from_row, segment_from_row
from frontporch.hub.store.schema import MIGRATIONS

BUSY_TIMEOUT_MS = 5_000
MOTION_MERGE_GAP_S = 2.0

_ERROR_ADVICE = {
    "SQLITE_FULL": "disk full; free some space (or lower retention) and restart the hub",
    "SQLITE_BUSY": "another program holds it locked; stop other Frontporch processes",
    "SQLITE_LOCKED": "another program holds it locked; stop other Frontporch processes",
    "SQLITE_READONLY": "it is read-only; check the file's and the directory's permissions",
    "SQLITE_CANTOPEN": "it cannot be opened; check that the directory exists and is writable",
    "SQLITE_CORRUPT": "it is corrupt; restore it from a backup or move it away to start afresh",
    "SQLITE_NOTADB": "it is not a SQLite database; check storage.path in the configuration",
    "SQLITE_IOERR": "the disk reported an I/O error; check the drive and its free space",
}


def _relative_path(path: str | PurePath, what: str) -> str:
    posix = PurePosixPath(PurePath(path).as_posix())
    if not posix.parts or posix.is_absolute() or ".." in posix.parts:
        raise StoreError(
            f"{what} path {str(path)!r} must be relative to its storage root, "
            "without '..' (for example 'front/2024-05-01/13/1714568400.mp4')"
        )
    return posix.as_posix()


def _statements(script: str) -> list[str]:
    # executescript() would commit on its own; running statements one by one keeps a
    # migration and its version bump in a single transaction.
    return [part.strip() for part in script.split(";") if part.strip()]


def _api_token(row: sqlite3.Row) -> ApiToken:
    return ApiToken(
        row["id"], row["token_hash"], row["name"], row["scope"], row["created"], row["last_used"]
    )


def _outage(row: sqlite3.Row) -> Outage:
    return Outage(row["id"], row["camera"], row["start_ts"], row["end_ts"], row["reason"])


def _encode_cursor(event: Event) -> str:
    return f"{event.start!r}|{event.id}"


def _decode_cursor(cursor: str) -> tuple[float, str]:
    start, sep, event_id = cursor.partition("|")
    try:
        if not sep:
            raise ValueError(cursor)
        return float(start), event_id
    except ValueError:
        raise InvalidCursorError(f"not a valid events cursor: {cursor!r}") from None


__all__ = [
    "ApiToken",
    "Event",
    "EventPage",
    "EventWindow",
    "HubStore",
    "InvalidCursorError",
    "MotionSpan",
    "Outage",
    "Publication",
    "Segment",
    "Session",
    "StoreError",
    "UnknownEventError",
]


class HubStore(
    RequestTables,
    NoticeTables,
    ControlTables,
    AlertTables,
    PushTables,
    BackupTables,
    ExportTables,
    MemberTables,
    ReviewTables,
):
    """The hub's SQLite index. Safe to share between threads; call `close()` when done."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self._lock = threading.RLock()
        self._conn = self._connect()
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # -- plumbing -------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.db_path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # autocommit; transactions are explicit in _tx
                check_same_thread=False,  # guarded by self._lock instead
            )
        except sqlite3.Error as exc:
            raise self._explain(exc) from exc
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            conn.close()
            raise self._explain(exc) from exc
        return conn

    def _migrate(self) -> None:
        with self._read() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the hub database at {self.db_path} has schema version {version}, newer than "
                f"this Frontporch knows ({len(MIGRATIONS)}); upgrade Frontporch"
            )
        for target, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._tx() as conn:
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")

    def _explain(self, exc: sqlite3.Error) -> StoreError:
        name = getattr(exc, "sqlite_errorname", "")
        advice = next((text for code, text in _ERROR_ADVICE.items() if name.startswith(code)), None)
        return StoreError(f"the hub database at {self.db_path} cannot be used: {advice or exc}")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock; rolled back on any error."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise self._explain(exc) from exc

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise self._explain(exc) from exc

    def close(self) -> None:
        """Close the connection; further calls fail with StoreError."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> HubStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _longest(self, conn: sqlite3.Connection, table: str, camera: str) -> float:
        # Served from the (camera, end_ts - start_ts) index: O(log n).
        row = conn.execute(
            f"SELECT max(end_ts - start_ts) FROM {table} WHERE camera = ?",  # noqa: S608
            (camera,),
        ).fetchone()
        return float(row[0] or 0.0)

    # -- segments -------------------------------------------------------------------

    def add_segment(
        self, camera: str, path: str | PurePath, start: float, end: float, size_bytes: int
    ) -> Segment:
        """Index a finished segment file; adding the same path again updates its row.

        Idempotent on `path`, so the recorder and `reconcile` may both index a file.
        """
        if end < start or size_bytes < 0:
            raise StoreError(
                f"segment {path} has end {end} before start {start} or a negative size"
            )
        with self._tx() as conn:
            row = conn.execute(
                "INSERT INTO segments (camera, path, start_ts, end_ts, size_bytes) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
                "camera = excluded.camera, start_ts = excluded.start_ts, "
                "end_ts = excluded.end_ts, size_bytes = excluded.size_bytes RETURNING *",
                (camera, _relative_path(path, "segment"), start, end, size_bytes),
            ).fetchone()
        return segment_from_row(row)

    def segments(self, camera: str, start: float, end: float) -> list[Segment]:
        """A camera's segments that overlap (start, end), ordered by start."""
        with self._read() as conn:
            earliest = start - self._longest(conn, "segments", camera)
            rows = conn.execute(
                "SELECT * FROM segments WHERE camera = ? AND start_ts >= ? AND start_ts < ? "
                "AND end_ts > ? ORDER BY start_ts, id",
                (camera, earliest, end, start),
            ).fetchall()
        return [segment_from_row(row) for row in rows]

    def all_segments(self, camera: str | None = None) -> list[Segment]:
        """Every segment (of one camera, if given), ordered by start."""
        with self._read() as conn:
            if camera is None:
                rows = conn.execute("SELECT * FROM segments ORDER BY start_ts, id")
            else:
                rows = conn.execute(
                    "SELECT * FROM segments WHERE camera = ? ORDER BY start_ts, id", (camera,)
                )
            return [segment_from_row(row) for row in rows]

    def delete_segments(self, ids: Iterable[int]) -> int:
        """Remove these rows (not their files); returns how many existed."""
        with self._tx() as conn:
            before = conn.total_changes
            conn.executemany("DELETE FROM segments WHERE id = ?", ((i,) for i in ids))
            return conn.total_changes - before

    def total_size(self, camera: str | None = None) -> int:
        """Bytes of all indexed segments (of one camera, if given)."""
        with self._read() as conn:
            if camera is None:
                row = conn.execute("SELECT total(size_bytes) FROM segments").fetchone()
            else:
                row = conn.execute(
                    "SELECT total(size_bytes) FROM segments WHERE camera = ?", (camera,)
                ).fetchone()
        return int(row[0])

    def oldest_segments(self, limit: int) -> list[Segment]:
        """The `limit` segments that start earliest, across all cameras, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM segments ORDER BY start_ts, id LIMIT ?", (limit,)
            ).fetchall()
        return [segment_from_row(row) for row in rows]

    # -- motion ---------------------------------------------------------------------

    def add_motion(self, camera: str, start: float, end: float) -> MotionSpan:
        """Record motion in [start, end], merged with the camera's spans within 2 s of it.

        Returns the merged span, so the number of rows grows with distinct bursts of
        motion rather than with frames.
        """
        start, end = min(start, end), max(start, end)
        gap = MOTION_MERGE_GAP_S
        with self._tx() as conn:
            earliest = start - gap - self._longest(conn, "motion", camera)
            near = conn.execute(
                "SELECT id, start_ts, end_ts FROM motion WHERE camera = ? AND start_ts >= ? "
                "AND start_ts <= ? AND end_ts >= ? ORDER BY start_ts",
                (camera, earliest, end + gap, start - gap),
            ).fetchall()
            start = min([start, *(row["start_ts"] for row in near)])
            end = max([end, *(row["end_ts"] for row in near)])
            if not near:
                conn.execute(
                    "INSERT INTO motion (camera, start_ts, end_ts) VALUES (?, ?, ?)",
                    (camera, start, end),
                )
            else:
                keep, *merged = (row["id"] for row in near)
                conn.execute(
                    "UPDATE motion SET start_ts = ?, end_ts = ? WHERE id = ?", (start, end, keep)
                )
                conn.executemany("DELETE FROM motion WHERE id = ?", ((i,) for i in merged))
        return MotionSpan(camera, start, end)

    def motion_spans(self, camera: str, start: float, end: float) -> list[MotionSpan]:
        """A camera's motion spans touching [start, end] (inclusive), ordered by start."""
        with self._read() as conn:
            earliest = start - self._longest(conn, "motion", camera)
            rows = conn.execute(
                "SELECT start_ts, end_ts FROM motion WHERE camera = ? AND start_ts >= ? "
                "AND start_ts <= ? AND end_ts >= ? ORDER BY start_ts",
                (camera, earliest, end, start),
            ).fetchall()
        return [MotionSpan(camera, row["start_ts"], row["end_ts"]) for row in rows]

    # -- outages --------------------------------------------------------------------

    def add_outage(self, camera: str, start: float, end: float | None, reason: str) -> Outage:
        """Record a gap in recording; end None while it lasts (close it with end_outage)."""
        with self._tx() as conn:
            row = conn.execute(
                "INSERT INTO outages (camera, start_ts, end_ts, reason) VALUES (?, ?, ?, ?) "
                "RETURNING *",
                (camera, start, end, reason),
            ).fetchone()
        return _outage(row)

    def end_outage(self, camera: str, t: float) -> int:
        """Close the camera's open outages at `t`; returns how many were open."""
        with self._tx() as conn:
            return conn.execute(
                "UPDATE outages SET end_ts = max(start_ts, ?) WHERE camera = ? AND end_ts IS NULL",
                (t, camera),
            ).rowcount

    def outages(self, camera: str, start: float, end: float) -> list[Outage]:
        """A camera's outages touching [start, end] (an open one reaches to now)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM outages WHERE camera = ? AND start_ts <= ? "
                "AND (end_ts IS NULL OR end_ts >= ?) ORDER BY start_ts",
                (camera, end, start),
            ).fetchall()
        return [_outage(row) for row in rows]

    # -- events ---------------------------------------------------------------------

    def upsert_event(
        self,
        id: str,  # mirrors Event.id
        *,
        camera: str,
        labels: Sequence[str],
        top_score: float,
        start: float,
        end: float | None = None,
        zones: Sequence[str] = (),
        now: float | None = None,
    ) -> Event:
        """Create or update an event. Media (snapshot, clip) are kept; see set_event_media."""
        labels = tuple(dict.fromkeys(labels))
        stamp = time.time() if now is None else now
        with self._tx() as conn:
            row = conn.execute(
                "INSERT INTO events (id, camera, labels, top_score, start_ts, end_ts, zones, "
                "created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
                "SET camera = excluded.camera, labels = excluded.labels, "
                "top_score = excluded.top_score, start_ts = excluded.start_ts, "
                "end_ts = excluded.end_ts, zones = excluded.zones, updated = excluded.updated "
                "RETURNING *",
                (
                    id,
                    camera,
                    json.dumps(labels),
                    top_score,
                    start,
                    end,
                    json.dumps(tuple(zones)),
                    stamp,
                    stamp,
                ),
            ).fetchone()
            conn.execute("DELETE FROM event_labels WHERE event_id = ?", (id,))
            conn.executemany(
                "INSERT INTO event_labels (event_id, label) VALUES (?, ?)",
                ((id, label) for label in labels),
            )
        return event_from_row(row)

    def get_event(self, event_id: str) -> Event | None:
        """The event with this id, or None."""
        with self._read() as conn:
            row = conn.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else event_from_row(row)

    def list_events(
        self,
        camera: str | None = None,
        label: str | None = None,
        after: float | None = None,
        before: float | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> EventPage:
        """Events newest first (by start), filtered; `after <= start < before`.

        Keyset pagination: pass the page's `next_cursor` to get the following page; it
        stays correct while new events arrive.
        """
        if not 1 <= limit <= 1000:
            raise StoreError(f"limit must be between 1 and 1000, got {limit}")
        where: list[str] = []
        params: list[object] = []
        for clause, value in (
            ("camera = ?", camera),
            ("id IN (SELECT event_id FROM event_labels WHERE label = ?)", label),
            ("start_ts >= ?", after),
            ("start_ts < ?", before),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        if cursor is not None:
            where.append("(start_ts, id) < (?, ?)")
            params.extend(_decode_cursor(cursor))
        sql = "SELECT * FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY start_ts DESC, id DESC LIMIT ?"
        with self._read() as conn:
            rows = conn.execute(sql, (*params, limit + 1)).fetchall()
        events = tuple(event_from_row(row) for row in rows[:limit])
        more = len(rows) > limit
        return EventPage(events, _encode_cursor(events[-1]) if more else None)

    def delete_event(self, event_id: str) -> bool:
        """Remove an event (not its media files); returns whether it existed."""
        with self._tx() as conn:
            return conn.execute("DELETE FROM events WHERE id = ?", (event_id,)).rowcount > 0

    def set_event_media(
        self,
        event_id: str,
        snapshot: str | PurePath | None = None,
        clip: str | PurePath | None = None,
        now: float | None = None,
    ) -> Event:
        """Set an event's snapshot and/or clip path (None leaves that one unchanged)."""
        snap = None if snapshot is None else _relative_path(snapshot, "snapshot")
        clip_path = None if clip is None else _relative_path(clip, "clip")
        with self._tx() as conn:
            row = conn.execute(
                "UPDATE events SET snapshot = coalesce(?, snapshot), clip = coalesce(?, clip), "
                "updated = ? WHERE id = ? RETURNING *",
                (snap, clip_path, time.time() if now is None else now, event_id),
            ).fetchone()
        if row is None:
            raise UnknownEventError(f"no event with id {event_id!r}")
        return event_from_row(row)

    def event_windows(self, camera: str | None = None) -> list[EventWindow]:
        """Every event's (camera, start, end) for retention; end None while open."""
        with self._read() as conn:
            if camera is None:
                rows = conn.execute("SELECT camera, start_ts, end_ts FROM events")
            else:
                rows = conn.execute(
                    "SELECT camera, start_ts, end_ts FROM events WHERE camera = ?", (camera,)
                )
            return [EventWindow(r["camera"], r["start_ts"], r["end_ts"]) for r in rows]

    # -- publications ---------------------------------------------------------------

    def record_publication(
        self,
        event_id: str,
        *,
        post_id: str,
        url: str,
        media: str,
        category: str,
        title: str,
        now: float | None = None,
    ) -> Publication:
        """Remember that an event was published as a post; publishing it again replaces
        the record. UnknownEventError if the event is gone."""
        stamp = time.time() if now is None else now
        with self._tx() as conn:
            if conn.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone() is None:
                raise UnknownEventError(f"no event with id {event_id!r}")
            conn.execute(
                "INSERT INTO publications (event_id, post_id, url, media, category, title, "
                "published) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET "
                "post_id = excluded.post_id, url = excluded.url, media = excluded.media, "
                "category = excluded.category, title = excluded.title, "
                "published = excluded.published",
                (event_id, post_id, url, media, category, title, stamp),
            )
        return Publication(event_id, post_id, url, media, category, title, stamp)

    def get_publication(self, event_id: str) -> Publication | None:
        """The post this event was published as, or None if it was not."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM publications WHERE event_id = ?", (event_id,)
            ).fetchone()
        if row is None:
            return None
        return Publication(
            row["event_id"],
            row["post_id"],
            row["url"],
            row["media"],
            row["category"],
            row["title"],
            row["published"],
        )

    # -- settings -------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        """A stored setting (the owner's password hash, secrets), or None."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_setting(self, key: str, value: str) -> None:
        """Store or replace a setting."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- owner sessions -------------------------------------------------------------

    def create_session(
        self, token_hash: str, created: float, expires: float, user_agent: str
    ) -> Session:
        """Store a new login session, keyed by the hash of its token."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sessions (token_hash, created, expires, user_agent) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, created, expires, user_agent),
            )
        return Session(token_hash, created, expires, user_agent)

    def get_session(self, token_hash: str, now: float | None = None) -> Session | None:
        """The session with this token hash, or None if there is none or it has expired."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM sessions WHERE token_hash = ? AND expires > ?",
                (token_hash, time.time() if now is None else now),
            ).fetchone()
        if row is None:
            return None
        return Session(row["token_hash"], row["created"], row["expires"], row["user_agent"])

    def delete_session(self, token_hash: str) -> bool:
        """Log a session out; returns whether it existed."""
        with self._tx() as conn:
            return (
                conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,)).rowcount
                > 0
            )

    def delete_expired_sessions(self, now: float) -> int:
        """Remove sessions that expired at or before `now`; returns how many."""
        with self._tx() as conn:
            return conn.execute("DELETE FROM sessions WHERE expires <= ?", (now,)).rowcount

    # -- API tokens -----------------------------------------------------------------

    def create_api_token(
        self, token_id: str, token_hash: str, name: str, scope: str, created: float
    ) -> ApiToken:
        """Store a new API token, keyed by the hash of its secret."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO api_tokens (id, token_hash, name, scope, created, last_used) "
                "VALUES (?, ?, ?, ?, ?, NULL)",
                (token_id, token_hash, name, scope, created),
            )
        return ApiToken(token_id, token_hash, name, scope, created, None)

    def get_api_token(self, token_hash: str) -> ApiToken | None:
        """The API token whose secret has this hash, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM api_tokens WHERE token_hash = ?", (token_hash,)
            ).fetchone()
        return None if row is None else _api_token(row)

    def list_api_tokens(self) -> list[ApiToken]:
        """Every API token, newest first."""
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM api_tokens ORDER BY created DESC, id").fetchall()
        return [_api_token(row) for row in rows]

    def touch_api_token(self, token_id: str, now: float) -> None:
        """Record that a token was used at `now`."""
        with self._tx() as conn:
            conn.execute("UPDATE api_tokens SET last_used = ? WHERE id = ?", (now, token_id))

    def delete_api_token(self, token_id: str) -> bool:
        """Revoke one API token; returns whether it existed."""
        with self._tx() as conn:
            return conn.execute("DELETE FROM api_tokens WHERE id = ?", (token_id,)).rowcount > 0
