"""The hub's SQLite index, on a real database file in tmp_path."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontporch.hub.store import index as store_module
from frontporch.hub.store.index import (
    EventWindow,
    HubStore,
    InvalidCursorError,
    MotionSpan,
    StoreError,
    UnknownEventError,
)
from frontporch.hub.store.schema import MIGRATIONS


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "hub.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[HubStore]:
    with HubStore(db_path) as hub_store:
        yield hub_store


def seg_path(camera: str, start: int) -> str:
    return f"{camera}/2024-05-01/13/{start}.mp4"


def add_segments(store: HubStore, camera: str, starts: range, length: float = 10.0) -> None:
    for start in starts:
        store.add_segment(camera, seg_path(camera, start), start, start + length, 1000)


# -- opening and schema -------------------------------------------------------------


def test_open_creates_schema_in_wal_mode(db_path: Path) -> None:
    HubStore(db_path).close()
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_reopening_keeps_data(db_path: Path) -> None:
    with HubStore(db_path) as first:
        first.set_setting("owner", "hash")
    with HubStore(db_path) as second:
        assert second.get_setting("owner") == "hash"


def test_a_database_from_a_newer_version_is_refused(db_path: Path) -> None:
    HubStore(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(StoreError, match="newer than this Frontporch knows"):
        HubStore(db_path)


def test_a_file_that_is_not_a_database_is_explained(db_path: Path) -> None:
    db_path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"hub\.db cannot be used: it is not a SQLite database"):
        HubStore(db_path)


def test_a_locked_database_is_explained(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 50)
    with HubStore(db_path) as hub_store:
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(StoreError, match="another program holds it locked"):
                hub_store.set_setting("k", "v")
        finally:
            other.execute("ROLLBACK")
            other.close()
        hub_store.set_setting("k", "v")  # usable again once the lock is gone
        assert hub_store.get_setting("k") == "v"


def test_a_closed_store_raises_store_error(db_path: Path) -> None:
    hub_store = HubStore(db_path)
    hub_store.close()
    with pytest.raises(StoreError):
        hub_store.total_size()


# -- segments -----------------------------------------------------------------------


def test_segments_overlapping_a_window_in_start_order(store: HubStore) -> None:
    add_segments(store, "front", range(0, 100, 10))
    add_segments(store, "back", range(0, 100, 10))
    found = store.segments("front", 25, 45)
    assert [s.start for s in found] == [20, 30, 40]
    assert {s.camera for s in found} == {"front"}
    # Touching at an instant is not overlapping: [20, 30) does not overlap (30, 40).
    assert [s.start for s in store.segments("front", 30, 40)] == [30]


def test_a_long_segment_is_found_from_inside(store: HubStore) -> None:
    add_segments(store, "front", range(0, 100, 10))
    store.add_segment("front", seg_path("front", 1000), 1000, 1600, 5)
    assert [s.start for s in store.segments("front", 1500, 1501)] == [1000]


def test_segment_fields_round_trip(store: HubStore) -> None:
    added = store.add_segment("front", Path(seg_path("front", 5)), 5.5, 15.25, 1234)
    assert added.path == "front/2024-05-01/13/5.mp4"
    assert store.all_segments() == [added]
    assert (added.camera, added.start, added.end, added.size_bytes) == ("front", 5.5, 15.25, 1234)


def test_adding_the_same_path_again_updates_one_row(store: HubStore) -> None:
    first = store.add_segment("front", seg_path("front", 0), 0, 10, 100)
    again = store.add_segment("front", seg_path("front", 0), 0, 10.5, 120)
    assert again.id == first.id
    assert store.all_segments() == [again]


@pytest.mark.parametrize("bad", ["/etc/passwd", "../outside.mp4", "front/../../x.mp4", ""])
def test_segment_paths_must_be_relative_and_inside(store: HubStore, bad: str) -> None:
    with pytest.raises(StoreError, match="must be relative"):
        store.add_segment("front", bad, 0, 10, 1)
    assert store.all_segments() == []


def test_a_segment_ending_before_it_starts_is_refused(store: HubStore) -> None:
    with pytest.raises(StoreError, match="before start"):
        store.add_segment("front", seg_path("front", 0), 10, 5, 1)


def test_sizes_oldest_and_deletion(store: HubStore) -> None:
    add_segments(store, "front", range(100, 130, 10))
    add_segments(store, "back", range(95, 125, 10))
    assert store.total_size() == 6000
    assert store.total_size("back") == 3000
    oldest = store.oldest_segments(2)
    assert [(s.camera, s.start) for s in oldest] == [("back", 95), ("front", 100)]
    assert store.delete_segments([s.id for s in oldest] + [999_999]) == 2
    assert len(store.all_segments()) == 4
    assert [s.start for s in store.all_segments("front")] == [110, 120]


def test_window_query_uses_the_index_on_a_large_table(db_path: Path) -> None:
    HubStore(db_path).close()
    raw = sqlite3.connect(db_path)
    rows = (
        (f"cam{i % 4}", f"cam{i % 4}/d/h/{i}.mp4", i * 2.5, i * 2.5 + 10, 1) for i in range(300_000)
    )
    raw.executemany(
        "INSERT INTO segments (camera, path, start_ts, end_ts, size_bytes) VALUES (?,?,?,?,?)",
        rows,
    )
    raw.commit()
    raw.close()
    with HubStore(db_path) as hub_store:
        began = time.perf_counter()
        for offset in range(0, 100_000, 1000):
            found = hub_store.segments("cam1", 400_000 + offset, 400_000 + offset + 60)
            assert len(found) == 7
        # A scan of 300k rows takes tens of ms per query; an index range a few µs.
        assert (time.perf_counter() - began) / 100 < 0.003


# -- motion -------------------------------------------------------------------------


def test_motion_merges_spans_close_in_time(store: HubStore) -> None:
    store.add_motion("front", 10, 12)
    merged = store.add_motion("front", 13.5, 15)  # 1.5 s after: merged
    assert merged == MotionSpan("front", 10, 15)
    store.add_motion("front", 30, 31)  # far: a new span
    store.add_motion("back", 15, 16)  # another camera: never merged
    assert store.motion_spans("front", 0, 100) == [
        MotionSpan("front", 10, 15),
        MotionSpan("front", 30, 31),
    ]


def test_motion_bridging_two_spans_joins_them(store: HubStore) -> None:
    store.add_motion("front", 10, 12)
    store.add_motion("front", 20, 22)
    assert store.add_motion("front", 13, 19) == MotionSpan("front", 10, 22)
    assert store.motion_spans("front", 0, 100) == [MotionSpan("front", 10, 22)]


def test_motion_spans_touching_the_window(store: HubStore) -> None:
    store.add_motion("front", 0, 100)
    store.add_motion("front", 200, 200)
    assert store.motion_spans("front", 50, 60) == [MotionSpan("front", 0, 100)]
    assert store.motion_spans("front", 200, 300) == [MotionSpan("front", 200, 200)]
    assert store.motion_spans("front", 101, 199) == []


# -- outages ------------------------------------------------------------------------


def test_outages_open_close_and_query(store: HubStore) -> None:
    store.add_outage("front", 100, 110, "input lost")
    open_outage = store.add_outage("front", 500, None, "reconnecting")
    assert open_outage.end is None
    assert [o.reason for o in store.outages("front", 0, 10_000)] == ["input lost", "reconnecting"]
    assert store.end_outage("front", 520) == 1
    assert store.end_outage("front", 530) == 0
    assert [(o.start, o.end) for o in store.outages("front", 515, 600)] == [(500, 520)]
    assert store.outages("back", 0, 10_000) == []


# -- events -------------------------------------------------------------------------


def add_event(store: HubStore, event_id: str, start: float, **kw: object) -> None:
    fields: dict[str, object] = {"camera": "front", "labels": ["person"], "top_score": 0.9}
    fields.update(kw)
    store.upsert_event(event_id, start=start, **fields)  # type: ignore[arg-type]


def test_upsert_creates_then_updates_keeping_media_and_created(store: HubStore) -> None:
    created = store.upsert_event(
        "e1", camera="front", labels=["person"], top_score=0.6, start=100, now=1000
    )
    assert created.end is None
    assert created.created == created.updated == 1000
    store.set_event_media("e1", snapshot="snapshots/e1.jpg", now=1001)
    updated = store.upsert_event(
        "e1",
        camera="front",
        labels=["person", "car", "person"],
        top_score=0.8,
        start=100,
        end=130,
        zones=["porch"],
        now=1002,
    )
    assert updated.labels == ("person", "car")
    assert updated.zones == ("porch",)
    assert (updated.end, updated.top_score, updated.snapshot) == (130, 0.8, "snapshots/e1.jpg")
    assert (updated.created, updated.updated) == (1000, 1002)
    assert store.get_event("e1") == updated


def test_set_event_media_sets_only_what_is_given(store: HubStore) -> None:
    add_event(store, "e1", 100)
    store.set_event_media("e1", snapshot="snapshots/e1.jpg")
    event = store.set_event_media("e1", clip="clips/e1.mp4")
    assert (event.snapshot, event.clip) == ("snapshots/e1.jpg", "clips/e1.mp4")
    with pytest.raises(UnknownEventError):
        store.set_event_media("nope", clip="clips/x.mp4")
    with pytest.raises(StoreError, match="must be relative"):
        store.set_event_media("e1", clip="/tmp/x.mp4")


def test_list_events_newest_first_with_filters(store: HubStore) -> None:
    add_event(store, "a", 100)
    add_event(store, "b", 200, labels=["car"])
    add_event(store, "c", 300, camera="back")
    add_event(store, "d", 400, labels=["person", "car"])
    assert [e.id for e in store.list_events().events] == ["d", "c", "b", "a"]
    assert [e.id for e in store.list_events(camera="front").events] == ["d", "b", "a"]
    assert [e.id for e in store.list_events(label="car").events] == ["d", "b"]
    assert [e.id for e in store.list_events(after=200, before=400).events] == ["c", "b"]
    assert store.list_events(label="dog").events == ()


def test_keyset_pagination_walks_every_event_once(store: HubStore) -> None:
    for i in range(23):
        add_event(store, f"e{i:02d}", float(i // 3))  # ties on start: broken by id
    seen: list[str] = []
    cursor = None
    while True:
        page = store.list_events(limit=5, cursor=cursor)
        seen += [e.id for e in page.events]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        add_event(store, f"new{len(seen)}", 1000.0)  # newer events do not shift pages
    assert (
        seen == sorted((f"e{i:02d}" for i in range(23)), key=lambda x: (int(x[1:]) // 3, x))[::-1]
    )


def test_a_bad_cursor_or_limit_is_refused(store: HubStore) -> None:
    with pytest.raises(InvalidCursorError):
        store.list_events(cursor="garbage")
    with pytest.raises(StoreError, match="limit"):
        store.list_events(limit=0)


def test_delete_event_and_windows(store: HubStore) -> None:
    add_event(store, "a", 100, end=110)
    add_event(store, "b", 200, camera="back")
    assert store.event_windows() == [
        EventWindow("front", 100, 110),
        EventWindow("back", 200, None),
    ]
    assert store.event_windows("back") == [EventWindow("back", 200, None)]
    assert store.delete_event("a") is True
    assert store.delete_event("a") is False
    assert store.get_event("a") is None
    assert store.list_events(label="person").events == (store.get_event("b"),)


# -- settings and sessions ----------------------------------------------------------


def test_settings_are_replaced(store: HubStore) -> None:
    assert store.get_setting("owner_password") is None
    store.set_setting("owner_password", "argon2-1")
    store.set_setting("owner_password", "argon2-2")
    assert store.get_setting("owner_password") == "argon2-2"


def test_sessions_expire(store: HubStore) -> None:
    store.create_session("h1", created=100, expires=200, user_agent="firefox")
    store.create_session("h2", created=100, expires=300, user_agent="phone")
    assert store.get_session("h1", now=150) is not None
    assert store.get_session("h1", now=200) is None  # expired, though still stored
    assert store.delete_expired_sessions(250) == 1
    assert store.delete_session("h2") is True
    assert store.get_session("h2", now=150) is None


# -- threads ------------------------------------------------------------------------


def test_many_threads_write_and_read_at_once(store: HubStore) -> None:
    errors: list[BaseException] = []

    def record(camera: str) -> None:
        try:
            for i in range(200):
                store.add_segment(camera, seg_path(camera, i), i, i + 1, 10)
                store.add_motion(camera, i, i + 0.5)
                store.segments(camera, 0, i)
                store.list_events(camera=camera)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(f"cam{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.all_segments()) == 1600
    assert store.total_size() == 16_000
    assert store.motion_spans("cam3", 0, 1000) == [MotionSpan("cam3", 0, 199.5)]
