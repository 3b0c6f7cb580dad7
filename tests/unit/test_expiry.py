import os
import sqlite3
from pathlib import Path

import pytest

from frontporch.hub.config import RetainConfig
from frontporch.hub.recording.expiry import DAY_S, expire_event_media
from frontporch.hub.store.index import HubStore

NOW = 1_800_000_000.0
RULES = {"front": RetainConfig(all_days=1, motion_days=2, event_days=10)}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "clips").mkdir()
    return tmp_path


@pytest.fixture
def store(root: Path):
    with HubStore(root / "hub.db") as store:
        yield store


def add_event(store: HubStore, root: Path, event_id: str, age_days: float, *, clip: bool) -> None:
    end = NOW - age_days * DAY_S
    store.upsert_event(
        event_id, camera="front", labels=("person",), top_score=0.9, start=end - 20, end=end
    )
    (root / "snapshots" / f"{event_id}.jpg").write_bytes(b"j" * 100)
    media = {"snapshot": f"snapshots/{event_id}.jpg"}
    if clip:
        (root / "clips" / f"{event_id}.mp4").write_bytes(b"m" * 1000)
        media["clip"] = f"clips/{event_id}.mp4"
    store.set_event_media(event_id, **media)


def test_events_past_event_days_go_with_their_files(store: HubStore, root: Path) -> None:
    add_event(store, root, "old", age_days=11, clip=True)
    add_event(store, root, "recent", age_days=9, clip=False)
    report = expire_event_media(store, root, RULES, NOW, clip_cache_s=1e12)
    assert report.events_deleted == 1
    assert report.bytes_freed == 1100
    assert store.get_event("old") is None
    assert not (root / "snapshots" / "old.jpg").exists()
    assert not (root / "clips" / "old.mp4").exists()
    assert store.get_event("recent") is not None
    assert (root / "snapshots" / "recent.jpg").exists()


def test_open_events_are_never_expired(store: HubStore, root: Path) -> None:
    store.upsert_event(
        "open", camera="front", labels=("person",), top_score=0.9, start=NOW - 40 * DAY_S, end=None
    )
    assert expire_event_media(store, root, RULES, NOW).events_deleted == 0
    assert store.get_event("open") is not None


def test_cached_clips_are_dropped_when_stale_but_events_stay(store: HubStore, root: Path) -> None:
    add_event(store, root, "a", age_days=2, clip=True)
    add_event(store, root, "b", age_days=2, clip=True)
    stale = root / "clips" / "a.mp4"
    os.utime(stale, (NOW - 2 * DAY_S, NOW - 2 * DAY_S))
    os.utime(root / "clips" / "b.mp4", (NOW - 60, NOW - 60))
    report = expire_event_media(store, root, RULES, NOW)
    assert report.clips_dropped == 1
    assert not stale.exists()
    assert (root / "clips" / "b.mp4").exists()
    assert store.get_event("a") is not None  # the clip can be rebuilt from its segments


def test_an_index_row_pointing_outside_the_storage_root_deletes_nothing(
    store: HubStore, root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "precious.jpg"
    outside.write_bytes(b"keep me")
    add_event(store, root, "old", age_days=30, clip=False)
    # The store refuses such paths; a tampered database file would not.
    with sqlite3.connect(root / "hub.db") as raw:
        raw.execute("UPDATE events SET snapshot = ?", (os.path.relpath(outside, root),))
    expire_event_media(store, root, RULES, NOW)
    assert outside.exists()


def test_many_expired_events_across_pages(store: HubStore, root: Path) -> None:
    for i in range(1203):
        store.upsert_event(
            f"e{i}",
            camera="front",
            labels=("person",),
            top_score=0.5,
            start=NOW - 20 * DAY_S - i,
            end=NOW - 20 * DAY_S - i + 1,
        )
    assert expire_event_media(store, root, RULES, NOW).events_deleted == 1203
