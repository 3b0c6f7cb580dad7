"""Deleting an event on the real store and the real disk. The JSON API, the event page's
form and expiry all go through one service, which removes the snapshot, its clean copy
and the cached clip first, and the event's row after; another event keeps its files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    sign_in,
)
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.recording.expiry import DAY_S, expire_event_media
from frontporch.hub.services.event_media import delete_event
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import clip_name
from frontporch.hub.store.snapshots import clean_name, snapshot_name, write_atomically
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password

NOW = 1_800_000_000.0
EVENT_DAYS = 10


@pytest.fixture
def root(tmp_path: Path) -> Path:
    storage = tmp_path / "hub"
    for folder in ("snapshots", "clips"):
        (storage / folder).mkdir(parents=True)
    return storage


@pytest.fixture
def config(root: Path) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(root)},
            "cameras": {
                "front": {
                    "inputs": [{"url": "/videos/front.mp4"}],
                    "record": {"retain": {"event_days": EVENT_DAYS}},
                }
            },
        }
    )


@pytest.fixture
def store(root: Path) -> Iterator[HubStore]:
    with HubStore(root / "hub.db") as store:
        yield store


@pytest.fixture
def signed_in(
    config: HubConfig, store: HubStore, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, str]]:
    cheap_password_hashing(monkeypatch)
    clock = FakeClock(NOW)
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    runtime = FakeRuntime({"front": camera_status("front")})
    with TestClient(create_hub_app(config, store, runtime, clock=clock)) as client:
        yield client, sign_in(client)


def add_event(store: HubStore, root: Path, event_id: str, ended: float) -> list[Path]:
    """An ended event with both snapshot copies and a cached clip, as the hub keeps them;
    the paths of its files."""
    store.upsert_event(
        event_id, camera="front", labels=("person",), top_score=0.9, start=ended - 20, end=ended
    )
    snapshot = snapshot_name(event_id)
    write_atomically(root / clean_name(snapshot), b"c" * 50)
    write_atomically(root / snapshot, b"j" * 100)
    write_atomically(root / clip_name(event_id), b"m" * 1000)
    store.set_event_media(event_id, snapshot=snapshot, clip=clip_name(event_id))
    return [root / snapshot, root / clean_name(snapshot), root / clip_name(event_id)]


def test_the_api_deletes_the_files_and_then_the_event(
    signed_in: tuple[TestClient, str], store: HubStore, root: Path
) -> None:
    client, csrf = signed_in
    files = add_event(store, root, "e1", NOW)
    kept = add_event(store, root, "e2", NOW)
    response = client.delete("/api/events/e1", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    assert response.json() == {"deleted": "e1"}
    assert store.get_event("e1") is None
    assert [path for path in files if path.exists()] == []
    assert all(path.exists() for path in kept), "another event keeps its files"
    again = client.delete("/api/events/e1", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 404


def test_the_event_pages_form_deletes_the_files_and_then_the_event(
    signed_in: tuple[TestClient, str], store: HubStore, root: Path
) -> None:
    client, csrf = signed_in
    files = add_event(store, root, "e1", NOW)
    response = client.post("/events/e1/delete", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/events?deleted=1"
    assert store.get_event("e1") is None
    assert [path for path in files if path.exists()] == []
    gone = client.post("/events/e1/delete", data={"csrf_token": csrf}, follow_redirects=False)
    assert gone.status_code == 404


def test_expiry_deletes_through_the_same_service(
    config: HubConfig, store: HubStore, root: Path
) -> None:
    expired = add_event(store, root, "old", NOW - (EVENT_DAYS + 1) * DAY_S)
    kept = add_event(store, root, "recent", NOW - (EVENT_DAYS - 1) * DAY_S)
    rules = {name: camera.record.retain for name, camera in config.cameras.items()}
    report = expire_event_media(store, root, rules, NOW, clip_cache_s=1e12)
    assert report.events_deleted == 1
    assert report.bytes_freed == 1150
    assert store.get_event("old") is None
    assert [path for path in expired if path.exists()] == []
    assert store.get_event("recent") is not None
    assert all(path.exists() for path in kept)


def test_a_file_that_cannot_be_deleted_keeps_the_events_row(store: HubStore, root: Path) -> None:
    files = add_event(store, root, "e1", NOW)
    clip = files[2]
    clip.unlink()
    clip.mkdir()  # unlinking a folder fails, as a file on a read-only disk would
    (clip / "inside").write_bytes(b"x")
    with pytest.raises(OSError, match="directory"):
        delete_event(store, root, "e1")
    assert store.get_event("e1") is not None, "the row goes only after every file"
    assert [path for path in files[:2] if path.exists()] == [], "the snapshots went first"
    clip.joinpath("inside").unlink()
    clip.rmdir()
    deleted = delete_event(store, root, "e1")
    assert deleted is not None, "asking again finishes the deletion"
    assert deleted.bytes_freed == 0
    assert store.get_event("e1") is None
