"""Every thread the hub starts is named for it (`hub-…`), in the hub process and in a
camera's worker, so a thread dump or a `py-spy` sample says whose each thread is."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from frontporch.hub.community.link import ServerLink
from frontporch.hub.config import DetectorConfig, parse_config
from frontporch.hub.process.messages import WorkerMessage
from frontporch.hub.process.worker import CameraWorker
from hubtools import camera, free_port, hub_config, running_hub, wait_until
from videotools import make_h264

PREFIX = "hub-"


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264(tmp_path_factory.mktemp("threads") / "porch.mp4", seconds=4)


def started_since(before: set[threading.Thread]) -> list[str]:
    return sorted(t.name for t in threading.enumerate() if t not in before and t.is_alive())


def test_a_running_hubs_threads_are_all_named_for_the_hub(tmp_path: Path, video: Path) -> None:
    storage = tmp_path / "hub"
    # Paired with a server nobody answers for: the link thread runs, retrying.
    ServerLink(
        server_url=f"http://127.0.0.1:{free_port()}",
        hub_id="h",
        home_id="x",
        home_name="Maple St",
        credential="fph_x",
    ).save(storage)
    before = set(threading.enumerate())
    with running_hub(hub_config(storage, {"porch": camera(video, loop=True)})) as hub:
        wait_until(lambda: hub.camera_status("porch").online, 60, "the camera to be online")
        names = started_since(before)
    assert {"hub-index", "hub-supervisor", "hub-janitor", "hub-link"} <= set(names)
    assert [name for name in names if not name.startswith(PREFIX)] == []


def test_a_camera_workers_threads_are_all_named_for_the_hub(tmp_path: Path, video: Path) -> None:
    config = parse_config(hub_config(tmp_path / "hub", {"porch": camera(video, loop=True)}))
    sent: list[WorkerMessage] = []
    worker = CameraWorker(
        "porch", config.cameras["porch"], DetectorConfig(), tmp_path / "recordings", sent.append
    )
    stop = threading.Event()
    before = set(threading.enumerate())
    runner = threading.Thread(target=worker.run, args=(stop,), name=f"{PREFIX}test-runner")
    runner.start()
    try:
        wait_until(
            lambda: all(reader.stats().connected for reader in worker.readers),
            30,
            "the camera's input to connect",
        )
        names = started_since(before)
    finally:
        stop.set()
        runner.join(timeout=30)
    assert {"hub-capture-porch", "hub-analyse-porch"} <= set(names)
    assert [name for name in names if not name.startswith(PREFIX)] == []
