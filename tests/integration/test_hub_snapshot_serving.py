"""Serving an event's snapshot while the camera worker replaces it (an open event's best
frame changes): every download, over real HTTP, is one whole JPEG of the length its
headers declare, the old picture or the new one, never a mix or a broken response."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from fakes import OWNER_PASSWORD, WebHarness, cheap_password_hashing, make_event, web_harness
from frontporch.hub.store.snapshots import write_atomically
from server_live import serving

DOWNLOADS = 300


def _jpeg(size: tuple[int, int], seed: int) -> bytes:
    noise = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), np.uint8)
    ok, encoded = cv2.imencode(".jpg", noise)
    assert ok
    return bytes(encoded)


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WebHarness:
    cheap_password_hashing(monkeypatch)
    web = web_harness()
    snapshot = tmp_path / "snapshots" / "e1.jpg"
    snapshot.parent.mkdir()
    web.store.add_event(make_event("e1", snapshot="snapshots/e1.jpg", length=None))
    web.runtime.snapshots["e1"] = snapshot
    return web


@pytest.fixture
def owner(harness: WebHarness) -> Iterator[httpx.Client]:
    with serving(harness.app) as base_url, httpx.Client(base_url=base_url) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        signed_in = client.post(
            "/login", data={"password": OWNER_PASSWORD, "csrf_token": token.group(1)}
        )
        assert signed_in.status_code in (200, 303), signed_in.text
        yield client


def test_a_snapshot_replaced_while_it_is_served_arrives_whole(
    harness: WebHarness, owner: httpx.Client
) -> None:
    snapshot = harness.runtime.snapshots["e1"]
    small, large = _jpeg((160, 90), 1), _jpeg((640, 360), 2)
    assert len(large) > 10 * len(small)
    write_atomically(snapshot, small)
    stop = threading.Event()

    def replace_again_and_again() -> None:  # as the worker does while the event is open
        while not stop.is_set():
            write_atomically(snapshot, large)
            write_atomically(snapshot, small)

    writer = threading.Thread(target=replace_again_and_again, daemon=True)
    writer.start()
    seen = set()
    try:
        for _ in range(DOWNLOADS):
            response = owner.get("/api/events/e1/snapshot.jpg")
            assert response.status_code == 200
            assert int(response.headers["content-length"]) == len(response.content)
            assert response.content in (small, large), "one whole picture, old or new"
            seen.add(response.content)
    finally:
        stop.set()
        writer.join(timeout=10)
    assert len(seen) == 2, "both versions were served while the file was being replaced"
