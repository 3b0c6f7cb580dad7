"""A real hub keeps each event's best frame twice: the owner's copy with the detector's
box and score, and a clean copy; what neighbors would see (the preview) is made from the
clean one, and deleting the event deletes both files from the disk."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from fakes import OWNER_PASSWORD, cheap_password_hashing, sign_in
from frontporch.hub.ports import EventRecord
from frontporch.hub.process.runtime import Hub
from frontporch.hub.store.snapshots import clean_name
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from frontporch.scenes import write_scene
from hubtools import camera, hub_config, running_hub, wait_until

EVENT_TIMEOUT_S = 120.0


def green_pixels(image: np.ndarray) -> int:
    """Pixels of the colour the worker outlines confirmed objects in, (60, 200, 60) BGR."""
    b, g, r = (image[..., i].astype(int) for i in range(3))
    return int(((g > 150) & (g - b > 80) & (g - r > 80)).sum())


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(image)


def _event_with_both_snapshots(hub: Hub) -> EventRecord | None:
    # A closed event: an open one's snapshot may still be replaced while the test looks.
    for event in hub.store.list_events(limit=20).events:
        if event.end is None or event.snapshot is None:
            continue
        if (hub.root / clean_name(event.snapshot)).is_file():
            return event
    return None


def test_the_clean_best_frame_is_what_neighbors_see_and_goes_with_its_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_password_hashing(monkeypatch)
    scene = tmp_path / "porch.mp4"
    write_scene("porch", scene, width=640, height=360, duration_s=20, seed=1)
    raw = hub_config(tmp_path / "hub", {"porch": camera(scene, loop=True)})
    with running_hub(raw) as hub:
        event = wait_until(
            lambda: _event_with_both_snapshots(hub),
            EVENT_TIMEOUT_S,
            "a closed event with its snapshots",
        )
        assert event.snapshot is not None
        owners_copy = hub.root / event.snapshot
        clean_copy = hub.root / clean_name(event.snapshot)
        annotated, clean = decode(owners_copy.read_bytes()), decode(clean_copy.read_bytes())
        assert annotated.shape == clean.shape
        assert green_pixels(annotated) > 100, "the owner's copy shows the detector's box"
        assert green_pixels(clean) == 0, "the clean copy has no box"

        set_owner_password(hub.store, OWNER_PASSWORD)
        client = TestClient(create_hub_app(hub.config, hub.store, hub))
        csrf = sign_in(client)
        preview = client.get(f"/api/events/{event.id}/public-snapshot.jpg")
        assert preview.status_code == 200
        assert green_pixels(decode(preview.content)) == 0, "the preview is the clean frame"

        deleted = client.post(f"/events/{event.id}/delete", data={"csrf_token": csrf})
        assert deleted.status_code == 200
        assert hub.store.get_event(event.id) is None
        assert not owners_copy.exists()
        assert not clean_copy.exists(), "the clean copy is deleted with its event"
