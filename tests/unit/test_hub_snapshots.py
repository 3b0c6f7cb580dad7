"""An event's two snapshot files: named together, shared from the clean one, written whole,
and deleted together by expiry and by the owner's delete (on the real disk)."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontporch.hub.config import RetainConfig
from frontporch.hub.recording.expiry import DAY_S, expire_event_media
from frontporch.hub.services.event_media import delete_event
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.snapshots import (
    clean_name,
    public_source,
    snapshot_name,
    write_atomically,
)

NOW = 1_800_000_000.0
RULES = {"front": RetainConfig(all_days=1, motion_days=2, event_days=10)}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "snapshots").mkdir()
    return tmp_path


@pytest.fixture
def store(root: Path):
    with HubStore(root / "hub.db") as store:
        yield store


def test_the_clean_copy_is_named_after_the_owners_copy() -> None:
    assert snapshot_name("1717400000.1-front") == "snapshots/1717400000.1-front.jpg"
    assert (
        clean_name("snapshots/1717400000.1-front.jpg") == "snapshots/1717400000.1-front.clean.jpg"
    )


def test_sharing_uses_the_clean_copy_and_older_events_their_only_one(root: Path) -> None:
    owners = root / "snapshots" / "e1.jpg"
    owners.write_bytes(b"boxes")
    assert public_source(owners) == owners, "an event from before clean copies"
    (root / "snapshots" / "e1.clean.jpg").write_bytes(b"clean")
    assert public_source(owners) == root / "snapshots" / "e1.clean.jpg"


def test_a_snapshot_is_replaced_whole_and_leaves_no_temporary_file(root: Path) -> None:
    target = root / "snapshots" / "e1.jpg"
    write_atomically(target, b"first")
    write_atomically(target, b"second, longer")
    assert target.read_bytes() == b"second, longer"
    assert sorted(p.name for p in (root / "snapshots").iterdir()) == ["e1.jpg"]


def _event_with_snapshots(store: HubStore, root: Path, event_id: str, age_days: float) -> None:
    end = NOW - age_days * DAY_S
    store.upsert_event(
        event_id, camera="front", labels=("person",), top_score=0.9, start=end - 20, end=end
    )
    relative = snapshot_name(event_id)
    write_atomically(root / clean_name(relative), b"c" * 50)
    write_atomically(root / relative, b"j" * 100)
    store.set_event_media(event_id, snapshot=relative)


def test_expiry_deletes_both_copies(store: HubStore, root: Path) -> None:
    _event_with_snapshots(store, root, "old", age_days=11)
    _event_with_snapshots(store, root, "recent", age_days=9)
    report = expire_event_media(store, root, RULES, NOW)
    assert report.events_deleted == 1
    assert report.bytes_freed == 150
    assert sorted(p.name for p in (root / "snapshots").iterdir()) == [
        "recent.clean.jpg",
        "recent.jpg",
    ]


def test_the_owners_delete_removes_the_files_then_the_event(store: HubStore, root: Path) -> None:
    _event_with_snapshots(store, root, "e1", age_days=1)
    deleted = delete_event(store, root, "e1")
    assert deleted is not None
    assert deleted.bytes_freed == 150
    assert store.get_event("e1") is None
    assert list((root / "snapshots").iterdir()) == []
    assert delete_event(store, root, "e1") is None
