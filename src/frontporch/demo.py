"""`make demo`: a hub on generated scenes that loop as live cameras, and the community
server of its neighborhood.

Renders three scenes once (cached under the data folder), writes the hub configuration
it runs with next to them so a user can read and copy it (the server's log key pinned),
sets a fresh owner password; starts the community server on embedded defaults (SQLite
and files under the data folder) with a seeded neighborhood (`demo_neighborhood`: a
verified agency whose keys are in `<data>/agency/`), pairs the hub with the porch home
through the real pairing API, shares a clip from the porch camera with its privacy mask
burned in, and prints where to look and how to sign in.

The agency's footage request for the porch home: a request left open from an earlier
run that the owner can still answer is kept; otherwise stale ones are withdrawn and a
fresh one is filed once the hub has recorded for `REQUEST_AFTER_S` (the cameras are
live, so a request filed at start would find no footage), its window from the hub's
start to just before filing.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import typer
import uvicorn
import yaml
from fastapi import FastAPI

from frontporch import demo_neighborhood as hood
from frontporch import scenes
from frontporch.crypto.keys import KeyMaterialError
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
from frontporch.hub.requests.records import RequestState
from frontporch.hub.serve import serve
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import INDEX_FILE
from frontporch.hub.web.auth import set_owner_password
from frontporch.hub.web.listen import listen_urls, listens_everywhere
from frontporch.server.app import create_app
from frontporch.server.context import ServerContext
from frontporch.server.errors import ServerError
from frontporch.server.requests.views import RequestView
from frontporch.server.serve import prepare_database
from frontporch.server.transparency.keys import LogKeys

DEMO_CAMERAS = {"front_door": "porch", "driveway": "driveway", "backyard_night": "night"}
WIDTH, HEIGHT, FPS, SECONDS = 1280, 720, 15.0, 60.0
# The front door camera also sees the house across the street: blacked out in anything
# that leaves the hub (relative polygon, 0..1 of the frame).
FRONT_DOOR_PRIVACY_MASK = [[0.0, 0.0], [0.34, 0.0], [0.34, 0.42], [0.0, 0.42]]
SHARED_CLIP_S = 12.0
RECORD_RETAIN_DAYS = 1
# The agency files its request once the hub has recorded this long, for the window from
# the hub's start to REQUEST_WINDOW_LAG before filing (the last segment is written).
REQUEST_AFTER_S = 120.0
REQUEST_WINDOW_LAG = timedelta(seconds=5)
# A request from an earlier run is kept only with this much time left to answer it,
# and only while its whole window is still in the hub's recordings.
REQUEST_MIN_LEFT = timedelta(hours=1)
RETENTION_MARGIN = timedelta(hours=1)
# Where a kept request may stand on the hub: not arrived yet (None), being checked, or
# answerable. Declined, refused, closed or expired ones are withdrawn and filed anew.
KEPT_HUB_STATES = frozenset(
    {None, RequestState.VERIFYING, RequestState.OPEN, RequestState.RELEASED}
)


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


def demo_config(
    data: Path, port: int, log_key: str | None = None, host: str = "127.0.0.1"
) -> HubConfig:
    """The demo hub's configuration, also written to `<data>/hub.yaml`; `log_key` is
    the community server's log verifier key, pinned for checking footage requests;
    `host` the address the hub listens on."""
    videos = _render_scenes(data / "scenes")
    raw: dict[str, object] = {
        "storage": {"path": str(data / "hub"), "min_free_gb": 0.5},
        "web": {"host": host, "port": port},
        "cameras": {
            camera: {
                "inputs": [{"url": str(path.resolve()), "loop": True, "realtime": True}],
                "detect": {"fps": 5, "width": 640, "height": 360},
                "events": {"pre_capture_s": 3, "post_capture_s": 3, "quiet_s": 4},
                "record": {
                    "segment_s": 10,
                    "retain": {
                        "all_days": RECORD_RETAIN_DAYS,
                        "motion_days": 1,
                        "event_days": 3,
                    },
                },
                **({"privacy_masks": [FRONT_DOOR_PRIVACY_MASK]} if camera == "front_door" else {}),
            }
            for camera, path in videos.items()
        },
    }
    if log_key is not None:
        raw["requests"] = {"log_key": log_key}
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


def keep_request(
    *,
    window_start: datetime,
    expires_at: datetime,
    hub_state: RequestState | None,
    hub_paired: bool,
    now: datetime,
    footage_since: datetime,
) -> bool:
    """Whether an open request from an earlier run is still one the owner can answer:
    time left to do it, its window still in the hub's recordings, and on the hub not
    declined, refused, closed or expired (`hub_state` None: not delivered yet, which
    counts only for a hub paired already; a hub paired anew never gets old messages)."""
    return (
        expires_at - now >= REQUEST_MIN_LEFT
        and window_start >= footage_since
        and hub_state in KEPT_HUB_STATES
        and (hub_paired or hub_state is not None)
    )


def _hub_states(config: HubConfig, ids: list[str]) -> dict[str, RequestState | None]:
    store = HubStore(config.storage.path / INDEX_FILE)
    try:
        records = {request_id: store.get_footage_request(request_id) for request_id in ids}
    finally:
        store.close()
    return {request_id: r.state if r else None for request_id, r in records.items()}


def _standing_request(
    context: ServerContext, keys: LogKeys, neighborhood: hood.Neighborhood, config: HubConfig
) -> RequestView | None:
    """The agency's open request the owner can still answer, if an earlier run left one;
    every other open request of the agency is withdrawn (so the policy's limit on open
    requests is never reached by running the demo again and again)."""
    views = hood.open_requests(context, keys, neighborhood)
    states = _hub_states(config, [str(view.id) for view in views])
    paired = (config.storage.path / LINK_FILE).exists()
    now = context.clock()
    footage_since = now - timedelta(days=RECORD_RETAIN_DAYS) + RETENTION_MARGIN
    kept = None
    for view in views:  # newest first
        if kept is None and keep_request(
            window_start=view.window_start,
            expires_at=view.expires_at,
            hub_state=states[str(view.id)],
            hub_paired=paired,
            now=now,
            footage_since=footage_since,
        ):
            kept = view
        else:
            hood.withdraw_request(context, keys, neighborhood, view.id)
    return kept


class _RequestTimer:
    """Files the agency's request (`file`) once the hub has recorded for REQUEST_AFTER_S,
    and says where the owner finds it; `stop` before then files nothing."""

    def __init__(self, file: Callable[[], RequestView], hub_url: str) -> None:
        self.file = file
        self.hub_url = hub_url
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="demo-request", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def _run(self) -> None:
        if self.stopping.wait(REQUEST_AFTER_S):
            return
        try:
            view = self.file()
        except ServerError as exc:
            typer.secho(f"The agency's demo request was not filed: {exc.detail}", err=True)
            return
        typer.echo(
            f"\nThe agency filed a footage request (log entry {view.filed_index}); it is on "
            f"the hub's Requests page: {self.hub_url}/requests/{view.id}\n"
        )


def _agency_lines(
    server_url: str,
    hub_url: str,
    neighborhood: hood.Neighborhood,
    keys: LogKeys,
    standing: RequestView | None,
) -> list[str]:
    agency = neighborhood.agency
    officer = next(login for login in neighborhood.logins if login.email.startswith("officer@"))
    log_key = keys.verifier_keys[0]
    if standing is not None:
        request = (
            f"open since {standing.filed_at:%Y-%m-%d %H:%M} UTC (log entry "
            f"{standing.filed_index}): {hub_url}/requests/{standing.id}"
        )
    else:
        minutes = round(REQUEST_AFTER_S / 60)
        request = (
            "An agency's footage request reaches the hub's Requests page about "
            f"{minutes} minutes after start ({hub_url}/requests)"
        )
    return [
        f"Agency ({hood.AGENCY_NAME}, verified; its keys are in the log):",
        f"  Portal:    {server_url}/agency/requests   (sign in as {officer.email}, below)",
        f"  Request:   {request}",
        f"  Identity:  {agency.age_identity_file}   (keys in {agency.folder}, log entry "
        f"{agency.registration_index})",
        f"  Log key:   {log_key}   (as {server_url}/api/log/key states it)",
        "  Check a downloaded evidence package (clips decrypted with --out DIR):",
        f"    frontporch evidence verify evidence-<id>.zip --identity {agency.age_identity_file} "
        f"--log-key '{log_key}'",
    ]


def _phone_lines(host: str, port: int) -> list[str]:
    """Where a phone on this network opens the hub, when it listens on every address.
    The community server stays on 127.0.0.1: its origin (base_url) is bound into sign-in
    and pairing, and the demo's transparency log is named after it."""
    if not listens_everywhere(host):
        return []
    phone = [url for url in listen_urls(host, port) if not url.startswith("http://127.")]
    return [f"  Phone:     {url}   (same network)" for url in phone] or [
        "  Phone:     no network address found on this machine"
    ]


def run_demo(data: Path, port: int, server_port: int, host: str = "127.0.0.1") -> None:
    restrict_umask()  # footage, keys and databases: this user's only (filemodes.py)
    settings = hood.server_settings(data / "server", server_port)
    prepare_database(settings)
    app = create_app(settings)
    context: ServerContext = app.state.server
    keys: LogKeys = app.state.log_keys
    config = demo_config(data, port, log_key=keys.verifier_keys[0], host=host)
    password = secrets.token_urlsafe(12)
    config.storage.path.mkdir(parents=True, exist_ok=True)
    store = HubStore(config.storage.path / INDEX_FILE)
    try:
        set_owner_password(store, password)
    finally:
        store.close()

    try:
        neighborhood = hood.seed(context, (data / "agency").resolve())
    except KeyMaterialError as exc:
        typer.secho(
            f"The demo agency's keys cannot be used: {exc}. Delete {data / 'agency'} to make "
            "new ones (the demo registers them again).",
            err=True,
        )
        raise typer.Exit(1) from None
    standing = _standing_request(context, keys, neighborhood, config)
    server = _ServerThread(app, settings.host, server_port)
    server.start()
    server_url = settings.base_url
    hub_url = f"http://127.0.0.1:{port}"
    try:
        shared = _pair_and_share(
            config,
            server_url,
            lambda: hood.new_pairing_code(context, neighborhood),
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
            f"  Open:      {hub_url}/",
            *_phone_lines(host, port),
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
            "",
            *_agency_lines(server_url, hub_url, neighborhood, keys, standing),
            "",
            "Sign in with (passwords are new each run):",
            *logins,
            "",
            f"The hub is paired with '{neighborhood.porch_home_name}' (porch@…); share more "
            "from an event's page on the hub. Ctrl-C stops the demo.",
            "",
        ]
    )
    timer = None
    if standing is None:
        started = context.clock()  # the hub records from about now
        timer = _RequestTimer(
            lambda: hood.file_request(
                context, keys, neighborhood, started, context.clock() - REQUEST_WINDOW_LAG
            ),
            hub_url,
        )
        timer.start()
    try:
        serve(config, banner=banner, config_path=data / "hub.yaml")
    finally:
        if timer is not None:
            timer.stop()
        server.stop()
