"""Saving camera settings applies to a real running hub without touching other cameras.

A real hub (`build_hub`, camera workers as processes) runs from a hand-written YAML.
Through the settings service (the one the pages and API call), a camera is added (its
worker starts and it records), changed (only its worker restarts), disabled, and
removed (its worker stops, its recordings stay indexed and on disk); the first camera's
worker keeps the same pid throughout.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

from frontporch.hub.config import load_config
from frontporch.hub.process.runtime import build_hub
from frontporch.hub.settings.cameras import CameraSettings
from frontporch.hub.settings.forms import CameraForm, form_of
from hubtools import HubProcess, free_port, signed_in_client, wait_until
from settings_tools import Holder
from videotools import make_h264

CONFIG = """\
# A hub for the live-apply test.
storage:
  path: {storage}   # scratch
  min_free_gb: 0
cameras:
  # The one that must never restart.
  steady:
    inputs:
      - url: {video}
        loop: true
    record:
      segment_s: 2
"""


def _pid(hub: object, name: str) -> int | None:
    slot = hub.slots.get(name)  # type: ignore[attr-defined]
    process = slot.process if slot else None
    return process.pid if process is not None and process.is_alive() else None


def test_add_change_disable_remove_a_camera_while_the_other_keeps_running(
    tmp_path: Path,
) -> None:
    video = make_h264(tmp_path / "loop.mp4", seconds=4)
    path = tmp_path / "hub.yaml"
    path.write_text(CONFIG.format(storage=tmp_path / "data", video=video), encoding="utf-8")
    hub = build_hub(load_config(path))
    hub.start()
    try:
        holder = Holder(path, hub.config)
        service = CameraSettings(holder, hub.apply_config)
        steady = wait_until(lambda: _pid(hub, "steady"), 30, "the first camera's worker")

        version = service.version()
        assert version is not None
        saved = service.add_camera(
            version, "added", CameraForm(record_url=str(video), name="Added", loop=True)
        )
        assert saved.report is not None
        assert saved.report.added == ("added",)
        assert saved.report.unchanged == ("steady",)
        wait_until(
            lambda: hub.store.segments("added", 0, math.inf), 60, "a segment of the new camera"
        )
        first = _pid(hub, "added")
        assert first is not None
        assert hub.camera_status("added").name == "added"
        assert hub.controls.switches("added").record is True

        changed = replace(
            form_of(holder.config.cameras["added"]), detect_fps=2, record_url=str(video)
        )
        saved = service.edit_camera(saved.version, "added", changed)
        assert saved.report is not None
        assert saved.report.restarted == ("added",)
        second = wait_until(lambda: _pid(hub, "added"), 30, "the changed camera's new worker")
        assert second != first
        assert hub.slots["added"].config.detect.fps == 2

        saved = service.set_enabled(saved.version, "added", False)
        assert _pid(hub, "added") is None
        assert str(hub.camera_status("added").state) == "disabled"

        segments = hub.store.segments("added", 0, math.inf)
        saved = service.remove_camera(saved.version, "added")
        assert saved.report is not None
        assert saved.report.removed == ("added",)
        assert "added" not in hub.camera_names()
        kept = hub.store.segments("added", 0, math.inf)
        assert [s.path for s in kept] == [s.path for s in segments]
        assert all((hub.recordings / s.path).exists() for s in kept)

        assert _pid(hub, "steady") == steady  # never restarted
        assert set(load_config(path).cameras) == {"steady"}
        assert "# The one that must never restart." in path.read_text(encoding="utf-8")
    finally:
        hub.stop()


def test_frontporch_hub_config_lets_the_settings_api_save_to_that_file(tmp_path: Path) -> None:
    video = make_h264(tmp_path / "loop.mp4", seconds=4)
    path = tmp_path / "hub.yaml"
    port = free_port()
    text = CONFIG.format(storage=tmp_path / "data", video=video)
    path.write_text(text + f"web:\n  host: 127.0.0.1\n  port: {port}\n", encoding="utf-8")
    hub = HubProcess(path, tmp_path / "hub.log").start()
    try:
        hub.wait_ready()
        with signed_in_client(hub.base_url, hub.first_password()) as client:
            listed = client.get("/api/settings/cameras")
            assert listed.json()["editable"] is True
            page = client.get("/account")
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
            assert csrf is not None
            saved = client.put(
                "/api/settings/cameras/steady",
                json={"record_url": str(video), "name": "Steady one", "loop": True},
                headers={"If-Match": listed.headers["etag"], "X-CSRF-Token": csrf.group(1)},
            )
            assert saved.status_code == 200, saved.text
            assert saved.json()["unchanged"] == ["steady"]  # a new name restarts nothing
        assert load_config(path).cameras["steady"].name == "Steady one"
        assert "# The one that must never restart." in path.read_text(encoding="utf-8")
        assert hub.terminate() == 0
    finally:
        hub.cleanup()
