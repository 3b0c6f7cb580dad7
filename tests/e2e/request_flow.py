"""Both sites of the footage-request flow, set up with real parts, for
tests/e2e/test_footage_request_browser.py.

The community server is served over real HTTP on SQLite (`server_live.py`). Its
people are made the way they are in production: an operator with two-factor; an agency
that applied through `POST /api/agency-applications` with keys made here (its
`AgencyIdentity` saved in the test's folder, `agency-age.key` among them) and that the
operator registered by reading back both fingerprints (which logs
`agency_registered`); a member of that agency with two-factor; a resident with a home
in Chicago.

The hub is the real thing without camera workers: `Hub(config)` (not started: its
store, layout and runtime port, nothing capturing) over a generated porch scene
recorded by stream copy into segments that cover part of the request's window, an
event row with its snapshot where a person walks by, and a privacy mask on the camera.
It is paired with the resident's home through `hub.community.link.pair` (what
`frontporch hub pair` runs); a real `HubLink` thread long-polls the server and hands
FOOTAGE_REQUEST messages to the hub's `RequestDesk`, which proves them into the
server's log over HTTP (the log key pinned in the hub's config), releases through the
server's release API and serves its pages from `create_hub_app`.

Time: the server runs on a settable clock that two-factor sign-ins move forward; the
hub reads the same clock, so a window, an expiry and a consent mean the same instant on
both sides. The footage is recorded a quarter of an hour before the server's "now", so
every window the agency files ends in the past.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
from playwright.sync_api import Browser, BrowserContext, ViewportSize

from agency_tools import apply_and_register
from fakes import OWNER_PASSWORD
from feed_tools import user_id
from frontporch import geo
from frontporch.crypto.keys import AGENCY_AGE_KEY_FILE, AgencyIdentity
from frontporch.hub.community import link as hub_link
from frontporch.hub.community.link import HubLink, JsonObject, dispatch
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.process.runtime import Hub
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.store.layout import SNAPSHOT_DIR
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from frontporch.protocol import MessageKind
from frontporch.scenes import write_scene
from frontporch.server.accounts.models import Role
from homes_tools import CHICAGO, add_home, pairing_code
from server_fixtures import PASSWORD, Account
from server_harness import ServerHarness
from server_live import served_sqlite_server, serving
from videotools import record_segments

VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
AGENCY_NAME = "Springfield Police Department"
CAMERA = "porch"
# The top-right corner of the picture (the neighbour's windows), blacked out in
# everything that leaves the hub.
MASK = [[0.6, 0.0], [1.0, 0.0], [1.0, 0.4], [0.6, 0.4]]
SCENE_S = 30.0
FPS = 15
SEGMENT_S = 4.0
PRE_S = POST_S = 2.0
RECORDED_AGO_S = 15 * 60  # the recording starts this long before the server's "now"
EVENT_S = (7.0, 12.0)  # into the recording: the scene's first person walks past
SNAPSHOT_AT_S = 9.0
WINDOW_S = (-10.0, 40.0)  # the window agencies ask for, around the recording
EVENT_ID = "porch-person-1"


@dataclass
class ServerSide:
    """The served community server and the people on it."""

    url: str
    harness: ServerHarness
    operator: Account
    member: Account  # of the registered agency, with two-factor
    resident: Account
    home_id: str
    agency_id: str
    identity_file: Path  # the agency's age identity (`agency-age.key`)
    log_key: str  # the log's verifier key, as the server's /api/log/key states it


@dataclass
class HubSide:
    """The served hub: its storage, runtime, desk and link, and its recorded footage."""

    url: str
    config: HubConfig
    hub: Hub
    desk: RequestDesk
    link: HubLink
    recording: tuple[float, float]  # Unix times the segments cover
    event: tuple[float, float]  # the event's start and end
    window: tuple[float, float]  # the window the agency files


@dataclass
class Sites:
    server: ServerSide
    hub: HubSide


def _apply_and_register(harness: ServerHarness, operator: Account, folder: Path) -> str:
    """The agency applies with keys made offline; the operator registers it with both
    fingerprints read back. The agency's id."""
    identity = AgencyIdentity.generate()
    identity.save(folder)
    agency_id, _ = apply_and_register(
        harness.new_client(),
        operator.client,
        identity,
        AGENCY_NAME,
        "City of Springfield",
        "records@springfield.example.gov",
    )
    return agency_id


@contextmanager
def server_side(folder: Path) -> Iterator[ServerSide]:
    (folder / "server").mkdir()
    with served_sqlite_server(folder / "server", map_center=CHICAGO) as (url, harness):
        operator = harness.account(Role.OPERATOR, mfa_on=True)
        agency_id = _apply_and_register(harness, operator, folder / "agency")
        member = harness.account(Role.AGENCY_MEMBER, mfa_on=True)
        attached = operator.client.put(
            f"/api/operator/users/{user_id(member)}/agency", json={"agency_id": agency_id}
        )
        assert attached.status_code == 200, attached.text
        resident = harness.account()
        home = add_home(resident, "Maple St", CHICAGO)
        key = harness.new_client().get("/api/log/key")
        assert key.status_code == 200, key.text
        yield ServerSide(
            url=url,
            harness=harness,
            operator=operator,
            member=member,
            resident=resident,
            home_id=str(home["id"]),
            agency_id=agency_id,
            identity_file=folder / "agency" / AGENCY_AGE_KEY_FILE,
            log_key=str(key.json()["verifier_keys"][0]),
        )


def _record_footage(hub: Hub, scene: Path, start: float) -> tuple[float, float]:
    """The scene recorded into segments from `start`, the event row and its snapshot."""
    segments = record_segments(scene, CAMERA, hub.recordings, SEGMENT_S, start)
    for segment in segments:
        relative = segment.path.relative_to(hub.recordings)
        hub.store.add_segment(CAMERA, relative, segment.start, segment.end, segment.size_bytes)
    event = (start + EVENT_S[0], start + EVENT_S[1])
    hub.store.upsert_event(
        EVENT_ID,
        camera=CAMERA,
        labels=["person"],
        top_score=0.91,
        start=event[0],
        end=event[1],
        zones=("porch",),
        now=event[1],
    )
    with av.open(str(scene)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= SNAPSHOT_AT_S:
                picture = frame.to_ndarray(format="bgr24")
                break
    snapshot = Path(SNAPSHOT_DIR) / f"{EVENT_ID}.jpg"
    ok, jpeg = cv2.imencode(".jpg", picture)
    assert ok
    (hub.root / snapshot).write_bytes(jpeg.tobytes())
    hub.store.set_event_media(EVENT_ID, snapshot=snapshot, now=event[1])
    return segments[0].start, segments[-1].end


@contextmanager
def request_flow_sites(folder: Path) -> Iterator[Sites]:
    """Both sites, served until the block ends (the hub's link thread stopped first)."""
    with ExitStack() as stack:
        server = stack.enter_context(server_side(folder))
        clock = server.harness.clock

        def hub_clock() -> float:  # the hub reads the server's clock
            return float(clock().timestamp())

        scene = folder / "porch.mp4"
        write_scene("porch", scene, width=640, height=360, fps=FPS, duration_s=SCENE_S, seed=1)
        root = folder / "hub"
        config = parse_config(
            {
                "storage": {"path": str(root), "min_free_gb": 0},
                "cameras": {
                    CAMERA: {
                        "inputs": [{"url": str(scene)}],
                        "privacy_masks": [MASK],
                        "events": {"pre_capture_s": PRE_S, "post_capture_s": POST_S},
                        "record": {"segment_s": SEGMENT_S},
                    }
                },
                "requests": {"log_key": server.log_key},
            }
        )
        hub = Hub(config)
        stack.callback(hub.store.close)
        start = float(int(hub_clock() - RECORDED_AGO_S))
        recording = _record_footage(hub, scene, start)
        set_owner_password(hub.store, OWNER_PASSWORD, now=hub_clock() - 60)

        code = pairing_code(server.resident, server.home_id)
        hub_link.pair(hub.root, server.url, code, "Porch hub")
        desk = RequestDesk(config, hub.store, hub.root, clock=hub_clock)
        stack.callback(desk.stop, 30.0)
        handlers = {
            MessageKind.PING: lambda message: None,
            MessageKind.FOOTAGE_REQUEST: desk.on_footage_request,
            MessageKind.REQUEST_CLOSED: desk.on_request_closed,
        }

        def on_message(message: JsonObject) -> None:
            dispatch(message, handlers)

        link = HubLink(hub.root, on_message, wait_s=1.0)
        link.start()
        stack.callback(link.stop, 10.0)
        app = create_hub_app(config, hub.store, hub, clock=hub_clock, desk=desk)
        url = stack.enter_context(serving(app))
        window = (start + WINDOW_S[0], start + WINDOW_S[1])
        event = (start + EVENT_S[0], start + EVENT_S[1])
        yield Sites(server, HubSide(url, config, hub, desk, link, recording, event, window))


def signed_in_agency(browser: Browser, server: ServerSide, size: str) -> BrowserContext:
    """A browser context of the agency member, signed in through the sign-in page and its
    two-factor step (the code computed from the enrolled seed)."""
    context = browser.new_context(viewport=VIEWPORTS[size], accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server.url}/sign-in", wait_until="domcontentloaded")
    page.get_by_label("Email").fill(server.member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")
    assert server.member.totp_secret is not None
    page.get_by_label("Code from your authenticator app").fill(
        server.harness.next_code(server.member.totp_secret)
    )
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("domcontentloaded")
    assert "/sign-in" not in page.url, f"the agency member was not signed in: {page.url}"
    page.close()
    return context


def signed_in_owner(browser: Browser, hub: HubSide, size: str) -> BrowserContext:
    """A browser context signed in to the hub through its sign-in page."""
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    page.goto(f"{hub.url}/login", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{hub.url}/", wait_until="domcontentloaded")
    page.close()
    return context


def home_cell() -> str:
    """The hexagon of the resident's home (the hub's)."""
    return geo.home_cell(*CHICAGO)


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll `predicate()` until it is true; AssertionError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
