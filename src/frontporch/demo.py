"""`make demo`: a hub on generated scenes that loop as live cameras, and the community
server of its neighborhood.

Renders three scenes once (cached under the data folder), writes the hub configuration
it runs with next to them so a user can read and copy it, sets a fresh owner password;
starts the community server on embedded defaults (SQLite and files under the data
folder) with a seeded neighborhood (`demo_neighborhood`), pairs the hub with the
porch home through the real pairing API, shares a clip from the porch camera with its
privacy mask burned in, and prints where to look and how to sign in.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import typer
import uvicorn
import yaml
from fastapi import FastAPI

from frontporch import demo_neighborhood as hood
from frontporch import scenes
from frontporch.filemodes import restrict_umask
from frontporch.hub.community.link import LINK_FILE, LinkError, ServerLink, pair
from frontporch.hub.community.publish import (
    EventFootage,
    MediaChoice,
    PostDraft,
    PublishError,
    publish_event,
)
from frontporch.hub.community.reencode import RenderLimits
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.serve import serve
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import INDEX_FILE
from frontporch.hub.web.auth import set_owner_password
from frontporch.server.app import create_app
from frontporch.server.serve import prepare_database

DEMO_CAMERAS = {"front_door": "porch", "driveway": "driveway", "backyard_night": "night"}
WIDTH, HEIGHT, FPS, SECONDS = 1280, 720, 15.0, 60.0
# The front door camera also sees the house across the street: blacked out in anything
# that leaves the hub (relative polygon, 0..1 of the frame).
FRONT_DOOR_PRIVACY_MASK = [[0.0, 0.0], [0.34, 0.0], [0.34, 0.42], [0.0, 0.42]]
SHARED_CLIP_S = 12.0


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
                **({"privacy_masks": [FRONT_DOOR_PRIVACY_MASK]} if camera == "front_door" else {}),
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


class _ServerThread:
    """The community server in a thread of the demo process (uvicorn, lifespan on)."""

    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=False)
        )
        self.thread = threading.Thread(target=self.server.run, name="server", daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                port = self.server.config.port
                typer.secho(f"The community server did not start on port {port}.", err=True)
                raise typer.Exit(1)
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _pair_and_share(
    config: HubConfig, server_url: str, new_code: Callable[[], str], scene: Path
) -> str:
    """Pair the hub with the porch home (once) and share a clip of the porch camera (the
    server keeps one post per event, so a second run finds the first post)."""
    storage = config.storage.path
    if not (storage / LINK_FILE).exists():
        pair(storage, server_url, new_code(), "Demo hub")
    link = ServerLink.load(storage)
    footage = EventFootage(
        event_id="demo-front-door-visit",
        masks=config.cameras["front_door"].privacy_masks,
        clip=lambda: scene,
        snapshot=None,
    )
    draft = PostDraft.of(
        "unexpected_activity",
        "Someone checked our front door this afternoon",
        "Our camera caught a person walking up to the door and leaving again. "
        "Shared from our hub; the house across the street is blacked out.",
    )
    with tempfile.TemporaryDirectory(dir=storage) as work:
        published = publish_event(
            link,
            footage,
            draft,
            choice=MediaChoice.clip,
            workdir=Path(work),
            limits=RenderLimits(max_seconds=SHARED_CLIP_S),
        )
    return published.url


def run_demo(data: Path, port: int, server_port: int) -> None:
    restrict_umask()  # footage, keys and databases: this user's only (filemodes.py)
    config = demo_config(data, port)
    password = secrets.token_urlsafe(12)
    config.storage.path.mkdir(parents=True, exist_ok=True)
    store = HubStore(config.storage.path / INDEX_FILE)
    try:
        set_owner_password(store, password)
    finally:
        store.close()

    settings = hood.server_settings(data / "server", server_port)
    prepare_database(settings)
    app = create_app(settings)
    neighborhood = hood.seed(app.state.server)
    server = _ServerThread(app, settings.host, server_port)
    server.start()
    server_url = settings.base_url
    try:
        shared = _pair_and_share(
            config,
            server_url,
            lambda: hood.new_pairing_code(app.state.server, neighborhood),
            data / "scenes" / "porch.mp4",
        )
    except (LinkError, PublishError) as exc:
        shared = f"(not shared: {exc})"
    who = max(len(login.who) for login in neighborhood.logins)
    email = max(len(login.email) for login in neighborhood.logins)
    logins = [
        f"  {login.who:<{who}}  {login.email:<{email}}  {login.password}"
        + (f"\n  {'':<{who}}  {login.extra}" if login.extra else "")
        for login in neighborhood.logins
    ]
    banner = "\n".join(
        [
            "",
            "Frontporch demo: a hub with three generated cameras, and its neighborhood server.",
            "",
            "Hub (footage stays here):",
            f"  Open:      http://127.0.0.1:{port}/",
            f"  Password:  {password}",
            f"  Config:    {data / 'hub.yaml'}",
            f"  Footage:   {config.storage.path}",
            "",
            "Community server (the Neighbors feed, homes, the transparency log):",
            f"  Open:      {server_url}/",
            f"  Feed:      {server_url}/feed   (sign in as a resident below)",
            f"  Shared:    {shared}",
            f"  Log:       {server_url}/transparency",
            f"  Mail:      {settings.data_dir / 'outbox'} (sign-up links and notices land "
            "here; copy links from the .txt files)",
            "Sign in with (passwords are new each run):",
            *logins,
            "",
            f"The hub is paired with '{neighborhood.porch_home_name}' (porch@…); share more "
            "from an event's page on the hub. Ctrl-C stops the demo.",
            "",
        ]
    )
    try:
        serve(config, banner=banner)
    finally:
        server.stop()
