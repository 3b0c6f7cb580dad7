"""The hub index's footage-request and release tables (schema v4), as a `HubStore` part.

Kept apart from `index.py` so each file stays readable; `HubStore` inherits these
methods and provides `_tx` / `_read` (one connection, one lock). Rows become the plain
records of `hub/requests/records.py`; `area`, `cells`, `picks` and `clips` are stored
as JSON, the manifest as the exact bytes the hub signed.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from typing import Any

from frontporch.hub.requests.records import (
    ClipPick,
    FootageRequestRecord,
    ReleasedClip,
    ReleaseRecord,
    ReleaseState,
    RequestState,
)
from frontporch.hub.store.tables import StoreConnections

_REQUEST_COLUMNS = (
    "id, log_index, agency, agency_name, agency_registration_index, recipient, agency_key, "
    "case_number, incident, description, contact, area, cells, window_start, window_end, "
    "expires_at, filed_at, received_at, state, refusal, closed_reason"
)
_RELEASE_COLUMNS = (
    "id, request_id, created_at, state, error, manifest, signature, manifest_sha256, "
    "log_index, picks, clips"
)


def _request(row: sqlite3.Row) -> FootageRequestRecord:
    return FootageRequestRecord(
        id=row["id"],
        log_index=row["log_index"],
        agency=row["agency"],
        agency_name=row["agency_name"],
        agency_registration_index=row["agency_registration_index"],
        recipient=row["recipient"],
        agency_key=row["agency_key"],
        case_number=row["case_number"],
        incident=row["incident"],
        description=row["description"],
        contact=row["contact"],
        area=json.loads(row["area"]),
        cells=tuple(json.loads(row["cells"])),
        window_start=row["window_start"],
        window_end=row["window_end"],
        expires_at=row["expires_at"],
        filed_at=row["filed_at"],
        received_at=row["received_at"],
        state=RequestState(row["state"]),
        refusal=row["refusal"],
        closed_reason=row["closed_reason"],
    )


def _release(row: sqlite3.Row) -> ReleaseRecord:
    manifest = row["manifest"]
    return ReleaseRecord(
        id=row["id"],
        request_id=row["request_id"],
        created_at=row["created_at"],
        state=ReleaseState(row["state"]),
        error=row["error"],
        manifest=bytes(manifest) if manifest is not None else None,
        signature=row["signature"],
        manifest_sha256=row["manifest_sha256"],
        log_index=row["log_index"],
        picks=tuple(ClipPick(**item) for item in json.loads(row["picks"])),
        clips=tuple(ReleasedClip(**item) for item in json.loads(row["clips"])),
    )


class RequestTables(StoreConnections):
    """Footage requests and releases; mixed into `HubStore`."""

    def save_footage_request(self, record: FootageRequestRecord) -> None:
        """Insert a request, or replace the stored one with the same id."""
        values: dict[str, Any] = asdict(record)
        values["area"] = json.dumps(record.area)
        values["cells"] = json.dumps(list(record.cells))
        values["state"] = record.state.value
        with self._tx() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO footage_requests ({_REQUEST_COLUMNS}) VALUES "  # noqa: S608
                f"({', '.join(':' + c.strip() for c in _REQUEST_COLUMNS.split(','))})",
                values,
            )

    def get_footage_request(self, request_id: str) -> FootageRequestRecord | None:
        """One request, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_REQUEST_COLUMNS} FROM footage_requests WHERE id = ?",  # noqa: S608
                (request_id,),
            ).fetchone()
        return None if row is None else _request(row)

    def list_footage_requests(self) -> list[FootageRequestRecord]:
        """Every request, newest received first."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_REQUEST_COLUMNS} FROM footage_requests "  # noqa: S608
                "ORDER BY received_at DESC, id"
            ).fetchall()
        return [_request(row) for row in rows]

    def set_footage_request_state(
        self,
        request_id: str,
        state: RequestState,
        *,
        refusal: str | None = None,
        closed_reason: str | None = None,
    ) -> bool:
        """Change a request's state (and why); whether it existed."""
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE footage_requests SET state = ?, refusal = coalesce(?, refusal), "
                "closed_reason = coalesce(?, closed_reason) WHERE id = ?",
                (state.value, refusal, closed_reason, request_id),
            )
        return cursor.rowcount > 0

    def save_release(self, record: ReleaseRecord) -> None:
        """Insert a release, or replace the stored one with the same id."""
        with self._tx() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO releases ({_RELEASE_COLUMNS}) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.request_id,
                    record.created_at,
                    record.state.value,
                    record.error,
                    record.manifest,
                    record.signature,
                    record.manifest_sha256,
                    record.log_index,
                    json.dumps([asdict(pick) for pick in record.picks]),
                    json.dumps([asdict(clip) for clip in record.clips]),
                ),
            )

    def get_release(self, release_id: str) -> ReleaseRecord | None:
        """One release, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_RELEASE_COLUMNS} FROM releases WHERE id = ?",  # noqa: S608
                (release_id,),
            ).fetchone()
        return None if row is None else _release(row)

    def list_releases(self, request_id: str | None = None) -> list[ReleaseRecord]:
        """Every release (of one request if given), newest first."""
        with self._read() as conn:
            if request_id is None:
                rows = conn.execute(
                    f"SELECT {_RELEASE_COLUMNS} FROM releases "  # noqa: S608
                    "ORDER BY created_at DESC, id"
                ).fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {_RELEASE_COLUMNS} FROM releases WHERE request_id = ? "  # noqa: S608
                    "ORDER BY created_at DESC, id",
                    (request_id,),
                ).fetchall()
        return [_release(row) for row in rows]


__all__ = ["RequestTables"]
