"""Power cuts and service stops: what `frontporch hub` leaves on disk, and how it restarts.

The hub runs as the real command in its own process group. A power cut is SIGKILL to
the hub and every camera worker at once: no cleanup code runs. The promise is that at
most the segment being written per camera is lost, everything else stays on disk and
in the index, events survive, and recording carries on after a restart. A service
manager's stop (SIGTERM to the group) must close the segments in progress and exit 0.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from frontporch.hub.recording.janitor import reconcile
from frontporch.hub.store.index import HubStore
from frontporch.scenes import write_scene
from hubtools import (
    HubProcess,
    camera,
    decode,
    hub_config,
    recording_files,
    signed_in_client,
    wait_until,
    write_config,
)
from videotools import make_h264

CAMERAS = ("front", "side")


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("crash")
    front = folder / "porch.mp4"
    write_scene("porch", front, width=640, height=360, duration_s=16, seed=1)
    side = make_h264(folder / "side.mp4", seconds=5, fps=15, size=(320, 240), gop_s=1.0)
    return {"front": front, "side": side}


@pytest.fixture
def hubs() -> Iterator[list[HubProcess]]:
    """Hub processes started by a test; whatever is left of them is killed afterwards."""
    started: list[HubProcess] = []
    yield started
    for hub in started:
        hub.cleanup()


def start_hub(hubs: list[HubProcess], config: Path, log: Path) -> HubProcess:
    hub = HubProcess(config, log).start()
    hubs.append(hub)
    hub.wait_ready()
    return hub


def hub_yaml(tmp_path: Path, videos: dict[str, Path]) -> tuple[Path, Path]:
    storage = tmp_path / "hub"
    cameras = {name: camera(videos[name], loop=True) for name in CAMERAS}
    return write_config(tmp_path / "hub.yaml", hub_config(storage, cameras)), storage


def per_camera(paths: set[str]) -> dict[str, set[str]]:
    return {name: {p for p in paths if p.startswith(f"{name}/")} for name in CAMERAS}


def listed_events(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get("/api/events", params={"limit": 500})
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def check_disk_matches_index(storage: Path) -> None:
    """No `.part` left, every file indexed, every row's file there and playable."""
    complete, parts = recording_files(storage)
    assert not parts, parts
    with HubStore(storage / "hub.db") as store:
        rows = store.all_segments()
    assert {row.path for row in rows} == complete
    for row in rows:
        decoded = decode(storage / "recordings" / row.path)
        assert decoded.starts_with_keyframe, row.path
        assert decoded.frames > 0, row.path


@pytest.mark.timeout(180)
def test_power_cut_loses_at_most_the_segment_being_written(
    tmp_path: Path, videos: dict[str, Path], hubs: list[HubProcess]
) -> None:
    config, storage = hub_yaml(tmp_path, videos)
    first = start_hub(hubs, config, tmp_path / "first.log")
    password = first.first_password()
    wait_until(
        lambda: all(len(files) >= 4 for files in per_camera(recording_files(storage)[0]).values()),
        60,
        "four complete segments from each camera",
    )
    with signed_in_client(first.base_url, password) as owner:
        events_before = wait_until(lambda: listed_events(owner), 60, "an event")

    first.kill_group()
    complete_before, parts_before = recording_files(storage)
    assert parts_before, "the power cut should catch segments being written"
    assert all(len(parts) <= 1 for parts in per_camera(parts_before).values()), parts_before

    restarted_at = time.time()
    second = start_hub(hubs, config, tmp_path / "second.log")
    assert "owner password" not in second.output(), "the password was set on first start"

    # The restart threw away only the unfinished segments; every finished one is kept.
    complete_now, parts_now = recording_files(storage)
    assert not parts_before & parts_now
    assert complete_before <= complete_now

    # Recording continues, and the events from before the power cut are still listed.
    wait_until(
        lambda: all(
            any(int(Path(p).stem.split("-")[0]) >= int(restarted_at) for p in files)
            for files in per_camera(recording_files(storage)[0]).values()
        ),
        60,
        "new segments from each camera after the restart",
    )
    with signed_in_client(second.base_url, password) as owner:
        listed_after = {event["id"]: event for event in listed_events(owner)}
    assert {event["id"] for event in events_before} <= listed_after.keys()
    # An event the power cut interrupted ends where its footage ends, instead of staying
    # "ongoing" forever (which would also exempt all later footage from retention).
    cut_short = [listed_after[event["id"]] for event in events_before]
    assert all(event["end"] is not None for event in cut_short), cut_short
    assert second.healthz() == {"status": "ok"}
    with signed_in_client(second.base_url, password) as owner:
        health = owner.get("/healthz").json()
    assert health == {"status": "ok", "cameras": dict.fromkeys(CAMERAS, True)}

    assert second.terminate() == 0
    check_disk_matches_index(storage)
    with HubStore(storage / "hub.db") as store:
        indexed = {row.path for row in store.all_segments()}
    assert complete_before <= indexed


@pytest.mark.timeout(120)
def test_service_stop_closes_the_segments_in_progress_and_exits_0(
    tmp_path: Path, videos: dict[str, Path], hubs: list[HubProcess]
) -> None:
    config, storage = hub_yaml(tmp_path, videos)
    hub = start_hub(hubs, config, tmp_path / "hub.log")
    wait_until(
        lambda: all(len(files) >= 2 for files in per_camera(recording_files(storage)[0]).values()),
        60,
        "two complete segments from each camera",
    )

    stopped_at = time.time()
    assert hub.terminate() == 0, hub.output()[-3000:]

    check_disk_matches_index(storage)
    with HubStore(storage / "hub.db") as store:
        for name in CAMERAS:
            last = store.all_segments(name)[-1]
            assert last.end >= stopped_at - 1.0, "the segment in progress was kept"
            assert not store.outages(name, 0, 2e9), "stopping the hub is no camera outage"
    assert "Traceback" not in hub.output()


def test_power_cut_cleanup_covers_segments_sharing_a_start_second(tmp_path: Path) -> None:
    # Regression: a quick reconnect names its segment `<start>-1.mp4` (record.py), and
    # reconcile used to skip such names: the `.part` stayed forever, a finished file that
    # missed the index stayed unindexed (and out of retention's reach).
    hour = tmp_path / "recordings" / "front" / "2024-06-01" / "12"
    hour.mkdir(parents=True)
    make_h264(hour / "1717243200.mp4", seconds=2, gop_s=1.0)
    make_h264(hour / "1717243200-1.mp4", seconds=2, gop_s=1.0)
    (hour / "1717243202-1.mp4.part").write_bytes(b"\x00\x00\x00\x18ftypisom")

    with HubStore(tmp_path / "hub.db") as store:
        reconcile(store, tmp_path / "recordings")
        indexed = {row.path for row in store.all_segments()}

    complete, parts = recording_files(tmp_path)
    assert not parts
    assert (
        indexed
        == complete
        == {
            "front/2024-06-01/12/1717243200.mp4",
            "front/2024-06-01/12/1717243200-1.mp4",
        }
    )
