"""Review items: one row per item, which events it holds, and its reviewed state.

- `review_items` keeps what the item says (span, labels and zones as JSON lists,
  severity) so the review page filters and pages without regrouping events; the
  review desk (`hub/review/service.py`) derives it from the events and saves it.
- `review_item_events` maps each event to its one item. It references `events` with
  ON DELETE CASCADE, so deleting an event (the owner's delete, expiry) drops its
  membership in the same statement; the item's `event_count` then no longer matches
  and the desk recomputes the item, or removes it when no event is left.
- Label and zone filters use `json_each` over the item's lists; an item has a handful,
  and the (camera, start) indexes narrow the rows first.
- Finding the items an event may join is bounded by the camera's longest item (an
  expression index), as the segment queries are, so it stays fast with years of items.
- Paging is keyset on (start, id), newest first, with an opaque cursor, so a page stays
  right while new items arrive.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import sqlite3
from collections.abc import Sequence

from frontporch.hub.review.grouping import Severity
from frontporch.hub.review.records import (
    InvalidReviewCursor,
    ReviewFilter,
    ReviewItemRecord,
    ReviewPage,
)
from frontporch.hub.store.records import Event
from frontporch.hub.store.rows import event_from_row
from frontporch.hub.store.tables import StoreConnections

SCHEMA = """
CREATE TABLE review_items (
    id TEXT PRIMARY KEY,
    camera TEXT NOT NULL,
    start_ts REAL NOT NULL,
    end_ts REAL,
    labels TEXT NOT NULL,
    zones TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('alert', 'detection')),
    reviewed_at REAL,
    event_count INTEGER NOT NULL CHECK (event_count >= 0)
) WITHOUT ROWID;
CREATE INDEX review_items_start ON review_items (start_ts, id);
CREATE INDEX review_items_camera_start ON review_items (camera, start_ts, id);
CREATE INDEX review_items_camera_length ON review_items (camera, (end_ts - start_ts));
CREATE INDEX review_items_open ON review_items (camera) WHERE end_ts IS NULL;

CREATE TABLE review_item_events (
    event_id TEXT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL REFERENCES review_items (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX review_item_events_item ON review_item_events (item_id, event_id);
"""

# The member event with a snapshot and the highest score: the item's picture.
_THUMBNAIL = (
    "(SELECT e.id FROM review_item_events m JOIN events e ON e.id = m.event_id "
    "WHERE m.item_id = r.id AND e.snapshot IS NOT NULL "
    "ORDER BY e.top_score DESC, e.start_ts LIMIT 1) AS thumbnail_event"
)
_SELECT = f"SELECT r.*, {_THUMBNAIL} FROM review_items r"  # noqa: S608 (constant)
# The planner would rather walk (camera, start) than the small partial index of open items.
_SELECT_OPEN = f"{_SELECT} INDEXED BY review_items_open"


def encode_cursor(item: ReviewItemRecord) -> str:
    """An opaque cursor after `item` (its start and id)."""
    raw = json.dumps([item.start, item.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    """The (start, id) a cursor stands for; InvalidReviewCursor if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        start, item_id = json.loads(raw)
        if isinstance(start, bool) or not isinstance(start, int | float):
            raise ValueError(start)
        if not isinstance(item_id, str):
            raise ValueError(item_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidReviewCursor(f"not a review cursor this hub handed out: {cursor!r}") from None
    return float(start), item_id


def _where(where: ReviewFilter) -> tuple[list[str], list[object]]:
    clauses = ["r.event_count > 0"]
    params: list[object] = []
    for clause, value in (
        ("r.camera = ?", where.camera),
        ("EXISTS (SELECT 1 FROM json_each(r.labels) WHERE value = ?)", where.label),
        ("EXISTS (SELECT 1 FROM json_each(r.zones) WHERE value = ?)", where.zone),
        ("(r.end_ts IS NULL OR r.end_ts >= ?)", where.after),
        ("r.start_ts < ?", where.before),
        ("r.severity = ?", None if where.severity is None else str(where.severity)),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if where.reviewed is not None:
        clauses.append("r.reviewed_at IS NOT NULL" if where.reviewed else "r.reviewed_at IS NULL")
    return clauses, params


def _item(row: sqlite3.Row, event_ids: Sequence[str]) -> ReviewItemRecord:
    keys = row.keys()
    return ReviewItemRecord(
        id=row["id"],
        camera=row["camera"],
        start=row["start_ts"],
        end=row["end_ts"],
        labels=tuple(json.loads(row["labels"])),
        zones=tuple(json.loads(row["zones"])),
        severity=Severity(row["severity"]),
        reviewed_at=row["reviewed_at"],
        event_ids=tuple(event_ids),
        event_count=row["event_count"],
        thumbnail_event=row["thumbnail_event"] if "thumbnail_event" in keys else None,
    )


class ReviewTables(StoreConnections):
    """Review items and their membership (see the module docstring)."""

    def _members(self, conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, list[str]]:
        members: dict[str, list[str]] = {item_id: [] for item_id in ids}
        for start in range(0, len(ids), 500):  # stay under SQLite's variable limit
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                "SELECT m.item_id, m.event_id FROM review_item_events m "  # noqa: S608
                f"JOIN events e ON e.id = m.event_id WHERE m.item_id IN ({marks}) "
                "ORDER BY e.start_ts, e.id",
                chunk,
            ).fetchall()
            for row in rows:
                members[row["item_id"]].append(row["event_id"])
        return members

    def _items(self, conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[ReviewItemRecord]:
        members = self._members(conn, [row["id"] for row in rows])
        return [_item(row, members[row["id"]]) for row in rows]

    def save_review_item(self, item: ReviewItemRecord) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO review_items (id, camera, start_ts, end_ts, labels, zones, "
                "severity, reviewed_at, event_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET camera = excluded.camera, "
                "start_ts = excluded.start_ts, end_ts = excluded.end_ts, "
                "labels = excluded.labels, zones = excluded.zones, "
                "severity = excluded.severity, reviewed_at = excluded.reviewed_at, "
                "event_count = excluded.event_count",
                (
                    item.id,
                    item.camera,
                    item.start,
                    item.end,
                    json.dumps(list(item.labels)),
                    json.dumps(list(item.zones)),
                    str(item.severity),
                    item.reviewed_at,
                    item.event_count,
                ),
            )
            marks = ",".join("?" * len(item.event_ids))
            conn.execute(
                f"DELETE FROM review_item_events WHERE item_id = ? "  # noqa: S608
                f"AND event_id NOT IN ({marks})",
                (item.id, *item.event_ids),
            )
            # An event deleted meanwhile is skipped rather than breaking the reference.
            conn.executemany(
                "INSERT INTO review_item_events (event_id, item_id) "
                "SELECT id, ? FROM events WHERE id = ? "
                "ON CONFLICT (event_id) DO UPDATE SET item_id = excluded.item_id",
                ((item.id, event_id) for event_id in item.event_ids),
            )

    def delete_review_item(self, item_id: str) -> bool:
        with self._tx() as conn:
            return conn.execute("DELETE FROM review_items WHERE id = ?", (item_id,)).rowcount > 0

    def get_review_item(self, item_id: str) -> ReviewItemRecord | None:
        with self._read() as conn:
            row = conn.execute(f"{_SELECT} WHERE r.id = ?", (item_id,)).fetchone()
            return None if row is None else self._items(conn, [row])[0]

    def review_item_of_event(self, event_id: str) -> ReviewItemRecord | None:
        with self._read() as conn:
            row = conn.execute(
                f"{_SELECT} WHERE r.id = "  # noqa: S608
                "(SELECT item_id FROM review_item_events WHERE event_id = ?)",
                (event_id,),
            ).fetchone()
            return None if row is None else self._items(conn, [row])[0]

    def review_items_near(
        self, camera: str, start: float, end: float | None, gap_s: float
    ) -> list[ReviewItemRecord]:
        # Bounded on both sides like the segment queries (index.py): a closed item that
        # reaches `start - gap` began at most the camera's longest item before it. Open
        # items come from their own partial index; there are few.
        with self._read() as conn:
            longest = conn.execute(
                "SELECT max(end_ts - start_ts) FROM review_items WHERE camera = ?", (camera,)
            ).fetchone()[0]
            earliest = start - gap_s - float(longest or 0.0)
            reach = math.inf if end is None else end + gap_s
            closed = conn.execute(
                f"{_SELECT} WHERE r.camera = ? AND r.start_ts >= ? AND r.start_ts <= ? "
                "AND r.end_ts >= ?",
                (camera, earliest, reach, start - gap_s),
            ).fetchall()
            still_open = [
                row
                for row in conn.execute(
                    f"{_SELECT_OPEN} WHERE r.camera = ? AND r.end_ts IS NULL", (camera,)
                ).fetchall()
                if row["start_ts"] <= reach
            ]
            rows = sorted([*closed, *still_open], key=lambda row: (row["start_ts"], row["id"]))
            return self._items(conn, rows)

    def review_item_events(self, item_id: str) -> list[Event]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT e.* FROM review_item_events m JOIN events e ON e.id = m.event_id "
                "WHERE m.item_id = ? ORDER BY e.start_ts, e.id",
                (item_id,),
            ).fetchall()
        return [event_from_row(row) for row in rows]

    def events_without_review_item(self, limit: int) -> list[Event]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT e.* FROM events e WHERE NOT EXISTS "
                "(SELECT 1 FROM review_item_events m WHERE m.event_id = e.id) "
                "ORDER BY e.start_ts, e.id LIMIT ?",
                (limit,),
            ).fetchall()
        return [event_from_row(row) for row in rows]

    def stale_review_items(self, limit: int) -> list[str]:
        """Items that lost events since they were saved, and open items none of whose
        events is open any more (a crash's leftovers, ended at start without a change)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT r.id FROM review_items r WHERE r.event_count != "
                "(SELECT count(*) FROM review_item_events m WHERE m.item_id = r.id) "
                "OR (r.end_ts IS NULL AND NOT EXISTS (SELECT 1 FROM review_item_events m "
                "JOIN events e ON e.id = m.event_id WHERE m.item_id = r.id "
                "AND e.end_ts IS NULL)) LIMIT ?",
                (limit,),
            ).fetchall()
        return [row["id"] for row in rows]

    def list_review_items(self, where: ReviewFilter, limit: int, cursor: str | None) -> ReviewPage:
        clauses, params = _where(where)
        if cursor is not None:
            clauses.append("(r.start_ts, r.id) < (?, ?)")
            params.extend(decode_cursor(cursor))
        sql = f"{_SELECT} WHERE {' AND '.join(clauses)} ORDER BY r.start_ts DESC, r.id DESC LIMIT ?"
        with self._read() as conn:
            rows = conn.execute(sql, (*params, limit + 1)).fetchall()
            items = tuple(self._items(conn, rows[:limit]))
        more = len(rows) > limit
        return ReviewPage(items, encode_cursor(items[-1]) if more else None)

    def set_review_item_reviewed(self, item_id: str, reviewed_at: float | None) -> bool:
        with self._tx() as conn:
            return (
                conn.execute(
                    "UPDATE review_items SET reviewed_at = ? WHERE id = ? AND event_count > 0",
                    (reviewed_at, item_id),
                ).rowcount
                > 0
            )

    def mark_review_items(self, where: ReviewFilter, reviewed_at: float | None) -> int:
        clauses, params = _where(where)
        # Only items whose state changes, so the count says what the owner's click did.
        clauses.append(
            "r.reviewed_at IS NULL" if reviewed_at is not None else "r.reviewed_at IS NOT NULL"
        )
        with self._tx() as conn:
            return conn.execute(
                "UPDATE review_items SET reviewed_at = ? WHERE id IN "  # noqa: S608
                f"(SELECT r.id FROM review_items r WHERE {' AND '.join(clauses)})",
                (reviewed_at, *params),
            ).rowcount
