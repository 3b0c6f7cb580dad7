"""`frontporch hub` and `frontporch server`, started as commands under the common umask
022, keep what they write to themselves: directories 0700, files 0600; and they warn,
naming the fix, when an existing data directory is open to other users."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from frontporch.scenes import write_scene
from hubtools import (
    HubProcess,
    camera,
    free_port,
    frontporch_command,
    hub_config,
    wait_until,
    write_config,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def default_umask() -> Iterator[None]:
    """Children started inside inherit the usual umask 022 (files 0644 unless told)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def hubs() -> Iterator[list[HubProcess]]:
    started: list[HubProcess] = []
    yield started
    for hub in started:
        hub.cleanup()


@pytest.mark.timeout(150)
def test_the_hub_writes_footage_and_its_index_for_its_user_only(
    tmp_path: Path, hubs: list[HubProcess]
) -> None:
    video = tmp_path / "porch.mp4"
    write_scene("porch", video, width=640, height=360, duration_s=12, seed=1)
    storage = tmp_path / "data" / "hub"
    config = write_config(
        tmp_path / "hub.yaml", hub_config(storage, {"front": camera(video, loop=True)})
    )
    with default_umask():
        hub = HubProcess(config, tmp_path / "hub.log").start()
    hubs.append(hub)
    hub.wait_ready()
    wait_until(lambda: list((storage / "snapshots").glob("*.jpg")), 90, "an event's snapshot")
    segments = wait_until(
        lambda: list((storage / "recordings").rglob("*.mp4")), 60, "a complete segment"
    )
    assert hub.terminate() == 0

    assert mode(storage) == 0o700
    for path in (storage / "hub.db", *segments, *(storage / "snapshots").glob("*.jpg")):
        assert mode(path) == 0o600, (path, oct(mode(path)))
    for folder in (p for p in storage.rglob("*") if p.is_dir()):
        assert mode(folder) == 0o700, (folder, oct(mode(folder)))
    assert "can be read by other users" not in hub.output()


@pytest.mark.timeout(60)
def test_the_hub_warns_about_a_data_directory_others_can_read(
    tmp_path: Path, hubs: list[HubProcess]
) -> None:
    storage = tmp_path / "hub"
    storage.mkdir(mode=0o755)
    os.chmod(storage, 0o755)
    video = tmp_path / "missing.mp4"  # no camera needed to start the web UI
    config = write_config(tmp_path / "hub.yaml", hub_config(storage, {"front": camera(video)}))
    with default_umask():
        hub = HubProcess(config, tmp_path / "hub.log").start()
    hubs.append(hub)
    hub.wait_ready()
    assert hub.terminate() == 0
    output = hub.output()
    assert f"{storage} can be read by other users of this machine (mode 755)" in output
    assert f"run: chmod -R go-rwx {storage}" in output
    assert mode(storage) == 0o755, "an existing directory is the owner's to change"
    assert mode(storage / "hub.db") == 0o600


@pytest.mark.timeout(90)
def test_the_server_keeps_its_database_and_secret_to_itself(tmp_path: Path) -> None:
    data_dir = tmp_path / "srv" / "data"
    port = free_port()
    env = {
        **os.environ,
        "FRONTPORCH_ENVIRONMENT": "development",
        "NO_COLOR": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FRONTPORCH_DATABASE_URL", None)
    command = [
        *frontporch_command(),
        *("server", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port)),
    ]
    log_path = tmp_path / "server.log"
    with default_umask(), log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:

        def answering() -> bool:
            assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(answering, 60, "the server to answer")
    finally:
        process.terminate()
        process.wait(timeout=30)

    assert mode(data_dir) == 0o700
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert data_dir / "server.db" in files
    assert data_dir / "secret_key" in files
    for path in files:
        assert mode(path) == 0o600, (path, oct(mode(path)))
    assert "can be read by other users" not in log_path.read_text(errors="replace")
