"""The hub's SQLite store remembers which events were published (schema v2), and an index
written by an older hub (v1) is migrated in place, keeping its events."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from frontporch.hub.store.index import HubStore, UnknownEventError
from frontporch.hub.store.schema import MIGRATIONS, SCHEMA_V1


def test_a_publication_is_kept_and_read_back(tmp_path: Path) -> None:
    with HubStore(tmp_path / "hub.db") as store:
        store.upsert_event("e1", camera="front", labels=["person"], top_score=0.9, start=10.0)
        assert store.get_publication("e1") is None
        store.record_publication(
            "e1",
            post_id="p-1",
            url="https://feed.example/posts/p-1",
            media="clip",
            category="crime",
            title="Parcel taken",
            now=100.0,
        )
    with HubStore(tmp_path / "hub.db") as store:
        record = store.get_publication("e1")
    assert record is not None
    assert (record.post_id, record.url, record.media) == (
        "p-1",
        "https://feed.example/posts/p-1",
        "clip",
    )
    assert (record.category, record.title, record.published) == ("crime", "Parcel taken", 100.0)


def test_a_publication_goes_with_its_event(tmp_path: Path) -> None:
    with HubStore(tmp_path / "hub.db") as store:
        store.upsert_event("e1", camera="front", labels=["person"], top_score=0.9, start=10.0)
        store.record_publication(
            "e1", post_id="p", url="http://x/posts/p", media="snapshot", category="c", title="t"
        )
        store.delete_event("e1")
        assert store.get_publication("e1") is None
        with pytest.raises(UnknownEventError):
            store.record_publication(
                "e1", post_id="p", url="http://x/posts/p", media="clip", category="c", title="t"
            )


def test_a_version_1_index_is_migrated_keeping_its_events(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    raw = sqlite3.connect(path)
    for statement in SCHEMA_V1.split(";"):
        if statement.strip():
            raw.execute(statement)
    raw.execute(
        "INSERT INTO events (id, camera, labels, top_score, start_ts, zones, created, updated) "
        "VALUES ('old', 'front', '[\"person\"]', 0.8, 5.0, '[]', 5.0, 5.0)"
    )
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with HubStore(path) as store:
        assert store.get_event("old") is not None
        store.record_publication(
            "old", post_id="p", url="http://x/posts/p", media="clip", category="c", title="t"
        )
        assert store.get_publication("old") is not None
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    check.close()
