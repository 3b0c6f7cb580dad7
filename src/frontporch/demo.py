"""`make demo`: a hub on generated scenes that loop as live cameras.

Renders three scenes once (cached under the data folder), writes the hub configuration
it runs with next to them so a user can read and copy it, sets a fresh owner password
and prints where to look.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import typer
import yaml

from frontporch import scenes
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.serve import serve
from frontporch.hub.store import HubStore
from frontporch.hub.web.auth import set_owner_password

DEMO_CAMERAS = {"front_door": "porch", "driveway": "driveway", "backyard_night": "night"}
WIDTH, HEIGHT, FPS, SECONDS = 1280, 720, 15.0, 60.0


def _render_scenes(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for camera, scene in DEMO_CAMERAS.items():
        path = folder / f"{scene}.mp4"
        if not path.exists():
            typer.echo(f"Rendering the '{scene}' scene for camera {camera} (once)…")
            scenes.write_scene(
                scene, path, width=WIDTH, height=HEIGHT, fps=FPS, duration_s=SECONDS, seed=1
            )
        paths[camera] = path
    return paths


def demo_config(data: Path, port: int) -> HubConfig:
    """The demo hub's configuration, also written to `<data>/hub.yaml`."""
    videos = _render_scenes(data / "scenes")
    raw = {
        "storage": {"path": str(data / "hub"), "min_free_gb": 0.5},
        "web": {"host": "127.0.0.1", "port": port},
        "cameras": {
            camera: {
                "inputs": [{"url": str(path.resolve()), "loop": True, "realtime": True}],
                "detect": {"fps": 5, "width": 640, "height": 360},
                "events": {"pre_capture_s": 3, "post_capture_s": 3, "quiet_s": 4},
                "record": {
                    "segment_s": 10,
                    "retain": {"all_days": 1, "motion_days": 1, "event_days": 3},
                },
            }
            for camera, path in videos.items()
        },
    }
    (data / "hub.yaml").write_text(
        "# The configuration `make demo` runs with (see docs/configuration.md).\n"
        + yaml.safe_dump(raw, sort_keys=False),
        encoding="utf-8",
    )
    return parse_config(raw, str(data / "hub.yaml"))


def run_demo(data: Path, port: int) -> None:
    config = demo_config(data, port)
    password = secrets.token_urlsafe(12)
    config.storage.path.mkdir(parents=True, exist_ok=True)
    store = HubStore(config.storage.path / "hub.db")
    try:
        set_owner_password(store, password)
    finally:
        store.close()
    banner = "\n".join(
        [
            "",
            "Frontporch demo hub is running with three generated cameras.",
            f"  Open:      http://127.0.0.1:{port}/",
            f"  Password:  {password}",
            f"  Config:    {data / 'hub.yaml'}",
            f"  Footage:   {config.storage.path}",
            "Events appear on the Events page as people walk by; Ctrl-C stops the demo.",
            "",
        ]
    )
    serve(config, banner=banner)
