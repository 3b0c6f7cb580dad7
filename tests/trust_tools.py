"""A neighbourhood for the trust-model tests, every part real and talking over HTTP.

`neighborhood(folder)` serves a community server (SQLite, real HTTP, mail to a local
SMTP server) with a recorder of every HTTP request that reaches it; registers an
agency the way the issue says (keys made offline, an application through the API, an
operator with two-factor reading both fingerprints back); gives it a member with
two-factor; adds a home and pairs a hub with it through `community.link.pair`; records
real H.264 segments into the hub's store; and builds the hub's `RequestDesk` with its
defaults: the server's log API and release API reached over HTTP with urllib.

Nothing here is a stand-in for our own code. The server's clock is a settable
`FakeClock` and the hub's desk reads the same time (hub and server clocks agree).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update
from starlette.types import ASGIApp, Receive, Scope, Send

from agency_tools import apply_and_register
from fakes import FakeRuntime, camera_status
from feed_tools import user_id
from frontporch.crypto.keys import AgencyIdentity, HubIdentity
from frontporch.hub.community import link
from frontporch.hub.community.link import HubLink, JsonObject, ServerLink, dispatch
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.requests.records import FootageRequestRecord, RequestState
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import RECORDINGS_DIR
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from frontporch.protocol import MessageKind
from frontporch.server.accounts.models import Role
from frontporch.server.app import create_app
from frontporch.server.hubs.models import HubMessage
from frontporch.server.migrations import upgrade_to_head
from http_tools import HttpClients
from server_fixtures import Account, FakeClock, free_port, make_settings, smtp_server
from server_harness import ServerHarness
from server_live import serving
from videotools import make_h264, record_segments

OWNER_PASSWORD = "a long owner passphrase for the porch hub"
CASE_NUMBER = "2026-CR-0042"
HOME_AT = (41.878113, -87.629799)  # Chicago
CAMERA = "front"
MASK = [[0.5, 0.5], [1.0, 0.5], [1.0, 1.0], [0.5, 1.0]]  # the bottom-right quarter


@dataclass(frozen=True)
class Seen:
    """One HTTP request that reached the server."""

    method: str
    path: str
    bearer: bool  # sent with a bearer credential (a hub)


class RequestRecorder:
    """ASGI middleware that notes every HTTP request reaching the server, in order."""

    def __init__(self, app: ASGIApp, seen: list[Seen]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            bearer = headers.get(b"authorization", b"").lower().startswith(b"bearer ")
            self.seen.append(Seen(scope["method"], scope["path"], bearer))
        await self.app(scope, receive, send)


@dataclass
class AgencyKeys:
    """A registered agency: its private keys (as keygen writes them) and its member."""

    identity: AgencyIdentity
    folder: Path
    agency_id: str
    registration_index: int
    member: Account

    @property
    def age_key_file(self) -> Path:
        return self.folder / "agency-age.key"


@dataclass
class Neighborhood:
    """A served server, an operator, a registered agency and a home with a paired hub."""

    base: str
    server: ServerHarness
    http: HttpClients
    seen: list[Seen]
    server_dir: Path
    operator: Account
    agency: AgencyKeys
    owner: Account
    home_id: str
    home_name: str
    storage: Path
    store: HubStore
    desk: RequestDesk
    recording_start: float
    recording_end: float

    # -- the server --------------------------------------------------------------------

    def now(self) -> datetime:
        return self.server.clock()

    def log_key(self) -> str:
        """The log's verifier key as the server states it (`/api/log/key`)."""
        answer = self.http.client().get("/api/log/key")
        assert answer.status_code == 200, answer.text
        return str(answer.json()["verifier_keys"][0])

    def file(self, agency: AgencyKeys | None = None, **changes: Any) -> dict[str, Any]:
        """File a request over HTTP as the agency's member; the server's answer."""
        answer = (agency or self.agency).member.client.post(
            "/api/agency/requests", json=self.filing(**changes)
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def filing(self, **changes: Any) -> dict[str, Any]:
        """A request body around the home, its window covering the recordings."""
        now = self.now()
        body: dict[str, Any] = {
            "case_number": CASE_NUMBER,
            "incident": "burglary",
            "description": "A break-in on the 100 block; a grey van seen leaving.",
            "contact": "Records desk, +1 312 555 0100",
            "area": {"type": "circle", "center": list(HOME_AT), "radius_m": 200},
            "window_start": (now - timedelta(hours=2)).isoformat(),
            "window_end": (now - timedelta(minutes=10)).isoformat(),
            "expires_at": (now + timedelta(days=7)).isoformat(),
            "attestation": True,
        }
        body.update(changes)
        return body

    def agency_view(self, request_id: str, agency: AgencyKeys | None = None) -> dict[str, Any]:
        answer = (agency or self.agency).member.client.get(f"/api/agency/requests/{request_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def queued(self) -> list[HubMessage]:
        """The messages waiting for this hub on the server (the `hub_messages` rows)."""
        with self.server.app.state.server.sessions() as db:
            rows = list(
                db.scalars(
                    select(HubMessage)
                    .where(HubMessage.hub_id == uuid.UUID(self.link.hub_id))
                    .order_by(HubMessage.seq)
                )
            )
            for row in rows:
                db.expunge(row)
        return rows

    def rewrite_queued(self, request_id: str, **changes: Any) -> None:
        """What a server operator could do: change the queued FOOTAGE_REQUEST message for
        `request_id` before the hub fetches it."""
        for row in self.queued():
            body = json.loads(row.body)
            if row.kind == MessageKind.FOOTAGE_REQUEST.value and body["request"] == request_id:
                body.update(changes)
                with self.server.app.state.server.sessions.begin() as db:
                    db.execute(
                        update(HubMessage)
                        .where(HubMessage.hub_id == row.hub_id, HubMessage.seq == row.seq)
                        .values(body=json.dumps(body))
                    )
                return
        raise AssertionError(f"no queued message for request {request_id}")

    # -- the hub -----------------------------------------------------------------------

    @property
    def link(self) -> ServerLink:
        return ServerLink.load(self.storage)

    @property
    def hub_identity(self) -> HubIdentity:
        return HubIdentity.load_or_create(self.storage)

    def poll(
        self, on_message: Callable[[JsonObject], None] | None = None
    ) -> list[FootageRequestRecord]:
        """One long-poll of the hub's real link; each message goes to the desk's real
        handlers (or `on_message`). Waits until every request received is checked; the
        requests received, in order."""
        received: list[JsonObject] = []

        def handle(message: JsonObject) -> None:
            received.append(message)
            if on_message is not None:
                on_message(message)
            dispatch(
                message,
                {
                    MessageKind.FOOTAGE_REQUEST: self.desk.on_footage_request,
                    MessageKind.REQUEST_CLOSED: self.desk.on_request_closed,
                },
            )

        HubLink(self.storage, handle, wait_s=0.5).poll_once(self.link)
        ids = [
            str(body["request"])
            for message in received
            if message.get("kind") == MessageKind.FOOTAGE_REQUEST.value
            and isinstance(body := message.get("body"), dict)
        ]
        return [self.checked(request_id) for request_id in ids]

    def checked(self, request_id: str, timeout: float = 30.0) -> FootageRequestRecord:
        """The hub's request once its intake (thread `hub-intake`) has decided."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.desk.get(request_id)
            if record is not None and record.state is not RequestState.VERIFYING:
                return record
            assert time.monotonic() < deadline, f"the hub never decided on {request_id}"
            time.sleep(0.02)


@contextmanager
def _served(
    folder: Path, clock: FakeClock, seen: list[Seen]
) -> Iterator[tuple[str, ServerHarness]]:
    """A server on a migrated SQLite database in `folder` (also its data folder), mail to
    a local SMTP server, every request noted in `seen`, served over HTTP."""
    url = f"sqlite:///{folder / 'server.db'}"
    upgrade_to_head(url)
    port = free_port()
    with contextmanager(smtp_server)() as smtp:
        settings = make_settings(url, folder, smtp, base_url=f"http://127.0.0.1:{port}")
        app = create_app(settings, clock=clock)
        app.add_middleware(RequestRecorder, seen=seen)
        harness = ServerHarness(app, smtp.mailbox, clock)
        try:
            with serving(app, port) as base:
                yield base, harness
        finally:
            harness.close()
            app.state.server.engine.dispose()


def register_agency(
    server: ServerHarness, http: HttpClients, operator: Account, folder: Path, name: str
) -> AgencyKeys:
    """An agency as the issue has it: keys made offline, an application through the API
    (no account), registered by an operator reading back both fingerprints; a member
    with two-factor attached by the operator, signed in over HTTP."""
    identity = AgencyIdentity.generate()
    identity.save(folder)
    agency_id, registration_index = apply_and_register(
        http.client(), operator.client, identity, name, "Cook County", "records@agency.example.gov"
    )
    member = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    attached = operator.client.put(
        f"/api/operator/users/{user_id(member)}/agency", json={"agency_id": agency_id}
    )
    assert attached.status_code == 200, attached.text
    return AgencyKeys(
        identity,
        folder,
        agency_id,
        registration_index,
        http.signed_in(member),
    )


def pair_hub(owner: Account, home_id: str, storage: Path, base: str) -> ServerLink:
    """Pair a hub in `storage` with the home through the real `link.pair` over HTTP."""
    code = owner.client.post(f"/api/homes/{home_id}/pairing-code")
    assert code.status_code == 201, code.text
    return link.pair(storage, base, str(code.json()["code"]), "Porch hub")


def hub_config(storage: Path, owner_policy: dict[str, Any] | None = None) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(storage)},
            "cameras": {
                CAMERA: {"inputs": [{"url": "rtsp://camera.test/1"}], "privacy_masks": [MASK]}
            },
            "requests": owner_policy or {},
        }
    )


@contextmanager
def neighborhood(
    folder: Path,
    *,
    owner_policy: dict[str, Any] | None = None,
    record_s: float = 0.0,
) -> Iterator[Neighborhood]:
    """The whole scene (module docstring). With `record_s`, the hub's camera recorded
    that many seconds (3-second segments) starting 60 minutes before now."""
    clock = FakeClock()
    seen: list[Seen] = []
    server_dir = folder / "server"
    server_dir.mkdir()
    with _served(server_dir, clock, seen) as (base, server):
        http = HttpClients(server, base)
        operator = http.signed_in(server.account(Role.OPERATOR, mfa_on=True))
        agency = register_agency(
            server, http, operator, folder / "agency-keys", "Chicago Police Department"
        )
        owner = http.signed_in(server.account())
        home_name = "Maple St 1428"
        home = owner.client.post(
            "/api/homes", json={"name": home_name, "latitude": HOME_AT[0], "longitude": HOME_AT[1]}
        )
        assert home.status_code == 201, home.text
        home_id = str(home.json()["id"])
        storage = folder / "hub"
        pair_hub(owner, home_id, storage, base)
        start = clock().timestamp() - 3600
        with HubStore(storage / "index.sqlite3") as store:
            set_owner_password(store, OWNER_PASSWORD)
            if record_s:
                record(store, storage, folder / "camera.mp4", record_s, start)
            desk = RequestDesk(
                hub_config(storage, owner_policy),
                store,
                storage,
                clock=lambda: clock().timestamp(),
            )
            try:
                yield Neighborhood(
                    base=base,
                    server=server,
                    http=http,
                    seen=seen,
                    server_dir=server_dir,
                    operator=operator,
                    agency=agency,
                    owner=owner,
                    home_id=home_id,
                    home_name=home_name,
                    storage=storage,
                    store=store,
                    desk=desk,
                    recording_start=start,
                    recording_end=start + record_s,
                )
            finally:
                desk.stop(timeout=30)
                http.close()


def record(store: HubStore, storage: Path, source: Path, seconds: float, start: float) -> None:
    """The camera's recordings: a real H.264 clip recorded by stream copy into 3-second
    segments from `start`, indexed in the hub's store as the camera worker does."""
    make_h264(source, seconds=seconds, fps=15, size=(320, 240))
    recordings = storage / RECORDINGS_DIR
    for segment in record_segments(source, CAMERA, recordings, 3.0, start):
        relative = segment.path.relative_to(recordings)
        store.add_segment(CAMERA, relative, segment.start, segment.end, segment.size_bytes)


@dataclass
class HubWeb:
    """The hub's web app served over HTTP, and a browser signed in as its owner."""

    app: FastAPI
    url: str
    browser: httpx.Client
    csrf: str

    def sign_in(self) -> None:
        """Sign in again through the real /login form (after a route signed us out)."""
        form = self.browser.get("/login")
        found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert found, "the sign-in form has no CSRF field"
        answer = self.browser.post(
            "/login",
            data={"password": OWNER_PASSWORD, "csrf_token": found.group(1), "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        page = self.browser.get("/account")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token, "the account page has no CSRF token"
        self.csrf = token.group(1)
        self.browser.headers["X-CSRF-Token"] = self.csrf

    def signed_in(self) -> bool:
        return self.browser.get("/requests", follow_redirects=False).status_code == 200


@contextmanager
def hub_web(n: Neighborhood) -> Iterator[HubWeb]:
    """The hub's real web app over the neighbourhood's desk and store, served on a free
    port (its camera runtime is the suite's in-memory stand-in: no camera is needed to
    answer a request), with the owner signed in."""
    app = create_hub_app(
        n.desk.config,
        n.store,
        FakeRuntime({CAMERA: camera_status(CAMERA)}),
        clock=lambda: n.now().timestamp(),
        desk=n.desk,
    )
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as browser:
        web = HubWeb(app, url, browser, "")
        web.sign_in()
        yield web
