"""The janitor on real files in tmp_path: crash repair, retention, disk floor, traversal."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from frontporch.hub.config import RetainConfig
from frontporch.hub.recording.janitor import (
    Janitor,
    JanitorError,
    ReconcileReport,
    apply_retention,
    reconcile,
)
from frontporch.hub.recording.retention import DAY_S
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import confine
from recordings_tools import add_fake, rel_path, write_fake

NOW = 1_714_600_000.0

RULES = {"front": RetainConfig(all_days=1, motion_days=7, event_days=30)}

PADDING = {"front": (5.0, 5.0)}

PLENTY = 10**12


@dataclass(frozen=True)
class FakeUsage:
    free: int


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "recordings"
    path.mkdir()
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as hub_store:
        yield hub_store


def fake_disk(free: int) -> Callable[[Path], FakeUsage]:
    return lambda _path: FakeUsage(free)


# -- reconcile -------------------------------------------------------------------------


def test_periodic_reconcile_leaves_fresh_work_of_the_recorder_alone(
    store: HubStore, root: Path
) -> None:
    start = time.time()
    part = write_fake(root, rel_path("front", start) + ".part")
    renamed = write_fake(root, rel_path("front", start - 10))
    report = reconcile(store, root, grace_s=60)
    assert report == ReconcileReport()
    assert part.exists()
    assert renamed.exists()
    assert store.all_segments() == []


def test_a_missing_root_is_an_error(store: HubStore, tmp_path: Path) -> None:
    unmounted = tmp_path / "unmounted"
    store.add_segment("front", rel_path("front", 0), 0, 10, 100)
    with pytest.raises(JanitorError, match="is the drive mounted"):
        reconcile(store, unmounted)
    with pytest.raises(JanitorError, match="is the drive mounted"):
        apply_retention(store, unmounted, RULES, PADDING, NOW, 0, fake_disk(PLENTY))
    assert len(store.all_segments()) == 1


def test_an_empty_root_does_not_wipe_the_index(store: HubStore, root: Path) -> None:
    store.add_segment("front", rel_path("front", NOW), NOW, NOW + 10, 100)
    assert reconcile(store, root).stale_rows_kept == 1
    assert len(store.all_segments()) == 1


# -- retention -------------------------------------------------------------------------


def test_retention_deletes_exactly_the_planned_files_and_rows(store: HubStore, root: Path) -> None:
    fresh = add_fake(store, root, "front", NOW - 0.5 * DAY_S)
    plain_old = add_fake(store, root, "front", NOW - 2 * DAY_S)
    with_motion = add_fake(store, root, "front", NOW - 3 * DAY_S)
    store.add_motion("front", with_motion.start + 1, with_motion.start + 2)
    stale_motion = add_fake(store, root, "front", NOW - 8 * DAY_S)
    store.add_motion("front", stale_motion.start + 1, stale_motion.start + 2)
    near_event = add_fake(store, root, "front", NOW - 20 * DAY_S)
    store.upsert_event(
        "e1",
        camera="front",
        labels=["person"],
        top_score=0.9,
        start=near_event.end + 3,  # after the segment: only pre-capture reaches it
        end=near_event.end + 20,
    )

    report = apply_retention(store, root, RULES, PADDING, NOW, 0, fake_disk(PLENTY))

    assert (report.expired, report.over_floor, report.bytes_freed) == (2, 0, 200)
    assert (report.failed, report.refused) == ((), ())
    remaining = {s.id for s in store.all_segments()}
    assert remaining == {fresh.id, with_motion.id, near_event.id}
    for segment in (plain_old, stale_motion):
        assert not (root / segment.path).exists()
    for segment in (fresh, with_motion, near_event):
        assert (root / segment.path).exists()


def test_disk_floor_deletes_oldest_until_above_it(store: HubStore, root: Path) -> None:
    segments = [add_fake(store, root, "front", NOW - 3600 + 10 * i, size=1000) for i in range(6)]
    report = apply_retention(store, root, RULES, PADDING, NOW, 5000, fake_disk(2500))
    assert (report.expired, report.over_floor, report.bytes_freed) == (0, 3, 3000)
    assert [s.id for s in store.all_segments()] == [s.id for s in segments[3:]]
    assert [(root / s.path).exists() for s in segments] == [False] * 3 + [True] * 3


def test_disk_floor_spares_an_open_event(store: HubStore, root: Path) -> None:
    segments = [add_fake(store, root, "front", NOW - 3600 + 10 * i, size=1000) for i in range(4)]
    store.upsert_event(
        "live", camera="front", labels=["person"], top_score=0.9, start=segments[2].start + 3
    )
    report = apply_retention(store, root, RULES, PADDING, NOW, 10**9, fake_disk(0))
    assert report.over_floor == 1  # the pre-capture window reaches back into segments[1]
    assert [s.id for s in store.all_segments()] == [s.id for s in segments[1:]]


def test_a_row_whose_file_is_already_gone_is_dropped(store: HubStore, root: Path) -> None:
    gone = add_fake(store, root, "front", NOW - 5 * DAY_S)
    (root / gone.path).unlink()  # a crash between unlinking the file and deleting its row
    report = apply_retention(store, root, RULES, PADDING, NOW, 0, fake_disk(PLENTY))
    assert (report.expired, report.bytes_freed) == (1, 0)
    assert store.all_segments() == []


def test_a_file_that_cannot_be_deleted_keeps_its_row(store: HubStore, root: Path) -> None:
    rel = rel_path("front", NOW - 5 * DAY_S)
    (root / rel).mkdir(parents=True)  # a directory where the file should be: unlink fails
    (root / rel / "keep").write_bytes(b"x")
    store.add_segment("front", rel, NOW - 5 * DAY_S, NOW - 5 * DAY_S + 10, 100)
    report = apply_retention(store, root, RULES, PADDING, NOW, 0, fake_disk(PLENTY))
    assert report.failed == (rel,)
    assert report.expired == 0
    assert len(store.all_segments()) == 1


def insert_raw_row(db: Path, camera: str, path: str, start: float) -> None:
    """Write a row the store itself would refuse: a poisoned index."""
    raw = sqlite3.connect(db)
    raw.execute(
        "INSERT INTO segments (camera, path, start_ts, end_ts, size_bytes) VALUES (?,?,?,?,?)",
        (camera, path, start, start + 10, 100),
    )
    raw.commit()
    raw.close()


def test_a_path_traversal_row_is_refused(store: HubStore, root: Path, tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("do not delete")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "1.mp4").write_text("not ours")
    (root / "front").mkdir()
    (root / "front" / "link").symlink_to(outside, target_is_directory=True)
    old = NOW - 10 * DAY_S
    poisoned = ["../precious.txt", str(victim), "front/link/1.mp4"]
    for path in poisoned:
        insert_raw_row(store.db_path, "front", path, old)

    report = apply_retention(store, root, RULES, PADDING, NOW, 0, fake_disk(PLENTY))

    assert sorted(report.refused) == sorted(poisoned)
    assert report.expired == 0
    assert victim.read_text() == "do not delete"
    assert (outside / "1.mp4").exists()
    assert store.all_segments() == []


def test_confine_keeps_paths_under_the_root(root: Path) -> None:
    real = root.resolve()
    assert confine(real, "front/2024-05-01/13/1.mp4") == real / "front/2024-05-01/13/1.mp4"
    assert confine(real, "front/../../x") is None
    assert confine(real, "/etc/passwd") is None
    assert confine(real, "..") is None


# -- the thread ------------------------------------------------------------------------


def test_janitor_thread_runs_and_stops(store: HubStore, root: Path) -> None:
    old = add_fake(store, root, "front", NOW - 5 * DAY_S)
    janitor = Janitor(
        store,
        root,
        RULES,
        PADDING,
        min_free_bytes=0,
        interval_s=0.05,
        clock=lambda: NOW,
        disk_usage=fake_disk(PLENTY),
    )
    janitor.start()
    deadline = time.monotonic() + 5
    while janitor.last_report is None and time.monotonic() < deadline:
        time.sleep(0.01)
    janitor.stop()
    assert not janitor.is_alive()
    assert janitor.last_report is not None
    assert store.all_segments() == []
    assert not (root / old.path).exists()


def test_janitor_survives_a_failing_pass(root: Path, tmp_path: Path) -> None:
    broken = HubStore(tmp_path / "broken.db")
    broken.close()  # every pass fails with StoreError
    janitor = Janitor(broken, root, RULES, PADDING, 0, interval_s=0.01)
    janitor.start()
    time.sleep(0.1)
    assert janitor.is_alive()
    janitor.stop()
    assert not janitor.is_alive()
    assert os.path.exists(tmp_path / "broken.db")
