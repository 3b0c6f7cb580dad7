"""Backup passes on the real store and disk, against a bucket in memory: incremental,
resumable, retried, bandwidth-limited, retention with checked deletion, key
replacement; and a restore that brings every file back byte for byte."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pyrage
import pytest

from backup_tools import DAY, MemoryTarget, add_event, add_segment, backup_config
from fakes import FakeClock
from frontporch.hub.backup.crypt import MIB, WrongKey, open_sealed
from frontporch.hub.backup.index import INDEX_KEY, ItemKind
from frontporch.hub.backup.recovery import parse_identity
from frontporch.hub.backup.restore import RestoreError, choose, read_index, restore
from frontporch.hub.backup.service import BackupDesk
from frontporch.hub.backup.target import TargetError
from frontporch.hub.backup.uploader import PART_MAX, TokenBucket, Uploader
from frontporch.hub.changes import ChangeType, EventChange
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import RECORDINGS_DIR

HEX_KEY = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "storage"
    path.mkdir()
    return path


@pytest.fixture
def store(root: Path) -> Iterator[HubStore]:
    with HubStore(root / "hub.db") as store:
        yield store


@pytest.fixture
def target() -> MemoryTarget:
    return MemoryTarget()


def make_desk(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock, **backup: object
) -> BackupDesk:
    config = backup_config(root, backup={"enabled": True, "target": {"type": "server"}, **backup})
    desk = BackupDesk(config, store, root, clock=clock, target=target)
    desk.retry_delays = ()
    return desk


def confirmed_key(desk: BackupDesk) -> pyrage.x25519.Identity:
    key = desk.new_key()
    desk.confirm_key(key.recipient)
    return parse_identity(key.secret)


def footage(store: HubStore, root: Path, now: float) -> dict[str, bytes]:
    """Two events on 'front' with segments, one on 'back'; returns files by path."""
    files: dict[str, bytes] = {}
    for i in range(6):
        data = bytes([i]) * (1000 + i)
        rel = add_segment(store, root, "front", now - 600 + 10 * i, data)
        files[f"{RECORDINGS_DIR}/{rel}"] = data
    back = add_segment(store, root, "back", now - 600, b"back-segment")
    files[f"{RECORDINGS_DIR}/{back}"] = b"back-segment"
    add_event(store, root, "e1", "front", now - 590, now - 575, clip=b"clip-bytes-e1")
    add_event(store, root, "e2", "back", now - 598, now - 595)
    for name in ("e1", "e2"):
        files[f"snapshots/{name}.jpg"] = (root / f"snapshots/{name}.jpg").read_bytes()
        files[f"snapshots/{name}.clean.jpg"] = (root / f"snapshots/{name}.clean.jpg").read_bytes()
    files["clips/e1.mp4"] = b"clip-bytes-e1"
    return files


def test_nothing_is_uploaded_before_the_owner_confirms_a_key(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    footage(store, root, clock.now)
    assert desk.run_pass() is None
    desk.new_key()  # shown, not confirmed
    assert desk.run_pass() is None
    assert target.objects == {}
    assert "No recovery key" in (desk.view().problem or "")


def test_a_pass_uploads_sealed_padded_objects_under_random_names(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    identity = confirmed_key(desk)
    files = footage(store, root, clock.now)
    run = desk.run_pass()
    assert run is not None
    assert run.error is None
    # e1 covers front 0..2 (padded), e2 back's one segment; 2 snapshots each; one clip.
    assert run.uploaded == 3 + 1 + 4 + 1
    keys = set(target.objects) - {INDEX_KEY}
    assert all(HEX_KEY.match(key) for key in keys)
    sizes = {len(data) for data in target.objects.values()}
    assert len(sizes) == 1  # every object here fits the smallest bucket
    for data in target.objects.values():
        for name in ("front", "back-segment", "clip-bytes", "snapshots", "person"):
            assert name.encode() not in data
        with pytest.raises(WrongKey):
            open_sealed(data, pyrage.x25519.Identity.generate())
    items = read_index(target, identity)
    by_path = {item.path: item for item in items}
    assert by_path["clips/e1.mp4"].sha256 == hashlib.sha256(files["clips/e1.mp4"]).hexdigest()
    assert {item.kind for item in items} == set(ItemKind)


def test_the_next_pass_uploads_only_what_is_new(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    confirmed_key(desk)
    footage(store, root, clock.now)
    desk.run_pass()
    before = dict(target.objects)
    again = desk.run_pass()
    assert again is not None
    assert again.uploaded == 0
    assert again.deleted == 0
    assert target.objects == before  # not even the index was rewritten
    add_segment(store, root, "front", clock.now - 200, b"new")
    add_event(store, root, "e3", "front", clock.now - 195, clock.now - 190)
    third = desk.run_pass()
    assert third is not None
    assert third.uploaded == 3
    assert target.objects[INDEX_KEY] != before[INDEX_KEY]


def test_an_interrupted_upload_resumes_with_the_next_part(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock, mode="continuous", cameras=["front"])
    identity = confirmed_key(desk)
    big = bytes(range(256)) * ((PART_MAX * 2 + 1000) // 256)  # three parts
    rel = add_segment(store, root, "front", clock.now - 100, big)
    target.writes_left = 2  # the third part's PUT fails: the network dropped
    run = desk.run_pass()
    assert run is not None
    assert run.error is not None
    assert "cannot reach" in run.error
    assert len(target.objects) == 2
    stored_first = dict(target.objects)
    target.writes_left = None
    run = desk.run_pass()
    assert run is not None
    assert run.error is None, run.error
    assert all(target.objects[k] == v for k, v in stored_first.items())  # not sent again
    assert len(target.objects) == 3 + 2  # three parts, the index's chunk and head
    [item] = read_index(target, identity)
    assert item.path == rel
    assert len(item.parts) == 3
    assert set(item.parts) == set(stored_first) | (set(item.parts) - set(stored_first))


def test_a_bucket_refusing_writes_is_reported_and_nothing_at_home_changes(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    confirmed_key(desk)
    files = footage(store, root, clock.now)
    target.refuse_writes = True
    run = desk.run_pass()
    assert run is not None
    assert run.error == "the bucket 'memory' refuses writes (AccessDenied)"
    assert desk.view().runs[0].error == run.error
    for rel, data in files.items():
        assert (root / rel).read_bytes() == data
    assert len(store.all_segments()) == 7
    target.refuse_writes = False
    later = desk.run_pass()
    assert later is not None
    assert later.error is None
    assert later.uploaded == 9


def test_retention_deletes_old_objects_and_checks_the_deletion(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock, days=1)
    identity = confirmed_key(desk)
    footage(store, root, clock.now)
    desk.run_pass()
    count = len(target.objects)
    clock.advance(2 * DAY)
    target.sticky_deletes = True
    failed = desk.run_pass()
    assert failed is not None
    assert failed.error is not None
    assert "still lists" in failed.error
    target.sticky_deletes = False
    run = desk.run_pass()
    assert run is not None
    assert run.error is None
    assert run.deleted == count - 1
    assert list(target.objects) == [INDEX_KEY]
    assert read_index(target, identity) == []


def test_objects_the_index_does_not_name_are_deleted_but_not_foreign_ones(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    confirmed_key(desk)
    footage(store, root, clock.now)
    target.objects["0" * 32] = b"left over from a crash"
    target.objects["notes/readme.txt"] = b"someone else's"
    run = desk.run_pass()
    assert run is not None
    assert run.deleted == 1
    assert "0" * 32 not in target.objects
    assert "notes/readme.txt" in target.objects


def test_a_new_key_uploads_everything_again_and_the_old_objects_go(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    old = confirmed_key(desk)
    footage(store, root, clock.now)
    desk.run_pass()
    old_keys = set(target.objects) - {INDEX_KEY}
    new = confirmed_key(desk)
    run = desk.run_pass()
    assert run is not None
    assert run.uploaded == 9
    assert run.deleted == len(old_keys)
    assert not old_keys & set(target.objects)
    assert len(read_index(target, new)) == 11
    with pytest.raises(WrongKey):
        read_index(target, old)


def test_restore_brings_back_every_file_and_row(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock, tmp_path: Path
) -> None:
    desk = make_desk(store, root, target, clock)
    identity = confirmed_key(desk)
    files = footage(store, root, clock.now)
    desk.run_pass()
    new_root = tmp_path / "new-hub"
    items = read_index(target, identity)
    seen: list[int] = []
    report = restore(target, identity, new_root, items, seen.append)
    assert report.failed == []
    assert (report.segments, report.events, report.snapshots, report.clips) == (4, 2, 4, 1)
    assert sum(seen) == sum(item.size for item in items)
    not_in_policy = {
        f"{RECORDINGS_DIR}/front/{int(clock.now - 600 + 10 * i)}.mp4" for i in range(3, 6)
    }
    expected = {rel: data for rel, data in files.items() if rel not in not_in_policy}
    assert len(expected) == 9
    for rel, data in expected.items():
        assert (new_root / rel).read_bytes() == data, rel
    with HubStore(new_root / "hub.db") as restored:
        event = restored.get_event("e1")
        assert event is not None
        assert event.clip == "clips/e1.mp4"
        assert event.snapshot == "snapshots/e1.jpg"
        assert event.labels == ("person",)
        assert len(restored.all_segments("front")) == 3
    with pytest.raises(RestoreError, match="already holds"):
        restore(target, identity, new_root, items)


def test_restore_filters_by_camera_and_time(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    identity = confirmed_key(desk)
    footage(store, root, clock.now)
    desk.run_pass()
    items = read_index(target, identity)
    assert {i.camera for i in choose(items, camera="back")} == {"back"}
    late = choose(items, start=clock.now - 580)
    assert {i.path for i in late if i.kind is ItemKind.event_record} == {"e1"}


def test_a_corrupted_object_is_reported_not_written(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock, tmp_path: Path
) -> None:
    desk = make_desk(store, root, target, clock)
    identity = confirmed_key(desk)
    footage(store, root, clock.now)
    desk.run_pass()
    items = read_index(target, identity)
    clip = next(item for item in items if item.kind is ItemKind.event_clip)
    del target.objects[clip.parts[0]]
    report = restore(target, identity, tmp_path / "new", items)
    assert report.clips == 0
    assert len(report.failed) == 1
    assert not (tmp_path / "new/clips/e1.mp4").exists()
    with HubStore(tmp_path / "new/hub.db") as restored:
        event = restored.get_event("e1")
        assert event is not None
        assert event.clip is None


def test_the_desk_thread_runs_a_pass_when_an_event_ends(
    store: HubStore, root: Path, target: MemoryTarget
) -> None:
    config = backup_config(
        root, backup={"enabled": True, "target": {"type": "server"}, "interval_s": 3600}
    )
    desk = BackupDesk(config, store, root, target=target)
    confirmed_key(desk)
    footage(store, root, FakeClock().now)
    event = store.get_event("e1")
    assert event is not None
    desk.start()
    try:
        desk.on_change(EventChange(ChangeType.end, event, event))
        deadline = threading.Event()
        for _ in range(100):
            if store.backup_runs(1) and store.backup_runs(1)[0].finished:
                break
            deadline.wait(0.05)
        assert store.backup_runs(1)[0].finished is not None
        assert INDEX_KEY in target.objects
    finally:
        desk.stop()


def test_the_token_bucket_holds_the_average_rate() -> None:
    now = [0.0]
    waited: list[float] = []

    class Stop(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waited.append(timeout or 0.0)
            now[0] += timeout or 0.0
            return False

    bucket = TokenBucket(1000, Stop(), clock=lambda: now[0])
    for _ in range(5):
        bucket.spend(1000)
    assert sum(waited) == pytest.approx(4.0)  # the first object goes at once


def test_an_uploader_without_a_key_refuses(store: HubStore, root: Path) -> None:
    config = backup_config(root).backup
    uploader = Uploader(store, MemoryTarget(), root, config, {})
    with pytest.raises(Exception, match="no recovery key"):
        uploader.run_pass()
    assert isinstance(TargetError("x"), Exception)
    assert MIB == 1024 * 1024


def test_a_transient_failure_is_retried_within_the_pass(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    desk.retry_delays = (0.0, 0.0)
    confirmed_key(desk)
    footage(store, root, clock.now)
    target.failures_left = 2
    run = desk.run_pass()
    assert run is not None
    assert run.error is None
    assert run.uploaded == 9


def test_a_key_confirmed_during_a_pass_stops_it(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    confirmed_key(desk)
    footage(store, root, clock.now)
    replacement = desk.new_key()
    target.on_put = lambda: store.confirm_backup_recipient(replacement.recipient, clock.now)
    run = desk.run_pass()
    assert run is not None
    assert run.error is not None
    assert "new recovery key" in run.error
    assert store.backup_items() == []  # nothing is counted as backed up under the old key
    assert store.backup_items(partial=True) == []
    target.on_put = None
    again = desk.run_pass()
    assert again is not None
    assert again.error is None
    assert again.uploaded == 9
    new_key = parse_identity(replacement.secret)
    report = restore(target, new_key, root.parent / "restored", read_index(target, new_key))
    assert report.failed == []


def test_the_bucket_is_listed_and_swept_at_most_hourly_and_stale_chunks_go_at_once(
    store: HubStore, root: Path, target: MemoryTarget, clock: FakeClock
) -> None:
    desk = make_desk(store, root, target, clock)
    identity = confirmed_key(desk)
    footage(store, root, clock.now)
    desk.run_pass()
    orphan = "f" * 32
    target.objects[orphan] = b"left over"
    for n in range(3):  # new events on the same day: the day's chunk is rewritten
        clock.advance(60)
        add_event(store, root, f"later-{n}", "front", clock.now - 20, clock.now - 10)
        run = desk.run_pass()
        assert run is not None
        assert run.error is None
        named = {key for item in read_index(target, identity) for key in item.parts}
        # the parts, the one chunk, the head and the orphan: no stale chunk is left
        assert set(target.objects) == named | {INDEX_KEY, orphan, _chunk_key(target, named)}
    clock.advance(3600)
    swept = desk.run_pass()
    assert swept is not None
    assert swept.deleted == 1
    assert orphan not in target.objects


def _chunk_key(target: MemoryTarget, named: set[str]) -> str:
    [key] = set(target.objects) - named - {INDEX_KEY, "f" * 32}
    return key
