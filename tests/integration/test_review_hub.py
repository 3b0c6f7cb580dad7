"""Review items on a real hub: a camera worker detects the people of the generated porch
scene, the index writer stores their events, and the review desk groups them as they
come. The items it built incrementally are the ones the pure rule makes from the same
events; after a restart the desk finds every event placed and makes no duplicates."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.process.runtime import build_hub
from frontporch.hub.review.grouping import group_events
from frontporch.hub.review.records import ReviewFilter
from frontporch.scenes import write_scene

CAMERA = "porch"
EVENT_TIMEOUT_S = 120.0  # the first event closes ~35 s in; a busy machine gets slack


def _config(scene: Path, storage: Path) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(storage), "min_free_gb": 0},
            "cameras": {
                CAMERA: {
                    "inputs": [{"url": str(scene), "loop": True, "realtime": True}],
                    "detect": {"fps": 5, "width": 640, "height": 360},
                    "events": {"pre_capture_s": 1, "post_capture_s": 1, "quiet_s": 2},
                    "record": {"segment_s": 2},
                }
            },
        }
    )


def test_a_real_hub_groups_its_events_into_review_items(tmp_path: Path) -> None:
    scene = tmp_path / "porch.mp4"
    write_scene("porch", scene, width=640, height=360, fps=15, duration_s=30, seed=1)
    config = _config(scene, tmp_path / "hub")
    hub = build_hub(config)
    hub.start()
    try:
        deadline = time.monotonic() + EVENT_TIMEOUT_S
        while time.monotonic() < deadline:
            events = hub.store.list_events(camera=CAMERA).events
            if any(e.end is not None for e in events):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"no closed event within {EVENT_TIMEOUT_S:.0f} s")
    finally:
        hub.stop()  # indexes what the worker sent last; the desk applies its queue first

    hub = build_hub(config)  # a fresh hub over the same storage
    try:
        events = list(hub.store.list_events(camera=CAMERA, limit=1000).events)
        built = hub.store.list_review_items(ReviewFilter(), 500, None).items
        assert built, "the running hub's review desk made no items"
        expected = group_events(events, config.alerts.join_gap_s)
        assert sorted(item.event_ids for item in built) == sorted(
            tuple(e.id for e in group) for group in expected
        )
        for item in built:
            members = [e for e in events if e.id in item.event_ids]
            assert set(item.labels) == {label for e in members for label in e.labels}
            assert item.start == min(e.start for e in members)
            assert item.severity == "alert"  # people, and person is an alert label
        hub.start()  # backfills: every event is placed already, nothing is made twice
        assert hub.review.wait_idle()
        again = hub.review.items(ReviewFilter(), limit=500).items
        assert [(i.id, i.event_ids) for i in again] == [(i.id, i.event_ids) for i in built]
    finally:
        hub.stop()
