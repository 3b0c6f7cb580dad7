"""Rows of the index's `segments` and `events` tables as records: one mapping, for
every table group that reads them (`index.py`, `backup_tables.py`)."""

from __future__ import annotations

import json
import sqlite3

from frontporch.hub.store.records import Event, Segment


def segment_from_row(row: sqlite3.Row) -> Segment:
    return Segment(
        row["id"], row["camera"], row["path"], row["start_ts"], row["end_ts"], row["size_bytes"]
    )


def event_from_row(row: sqlite3.Row) -> Event:
    return Event(
        id=row["id"],
        camera=row["camera"],
        labels=tuple(json.loads(row["labels"])),
        top_score=row["top_score"],
        start=row["start_ts"],
        end=row["end_ts"],
        zones=tuple(json.loads(row["zones"])),
        snapshot=row["snapshot"],
        clip=row["clip"],
        created=row["created"],
        updated=row["updated"],
    )
