"""Footage requests: the time from an agency filing a request to the hub showing it, next
to a PING through the same link.

A filed request reaches a hub through the same message queue as every other server
message: the server queues FOOTAGE_REQUEST in the filing's transaction, the hub's
long-poll (`hub.community.link.HubLink`) picks it up, and the hub's `RequestDesk` proves
it into the server's transparency log over HTTP before the request is `open`. The
baseline is the cheapest message on the same link (a PING, the owner's "test
connection"), so the difference is what filing and the hub's log checks add.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.isolate import in_child
from bench.result import Result, best, median, ratio

NAME = "requests"
TITLE = "Footage requests (filing to the hub showing the request)"
FILINGS = 20
QUICK_FILINGS = 5
POLL_S = 0.005  # how often the hub's store is read while waiting for the request
TARGET_S = 1.0
TIMEOUT_S = 30.0
SEED = 11
HOME = (41.878113, -87.629799)  # Chicago
METHOD = f"""\
- Server: the real app, `create_app(settings)` with its lifespan jobs, under uvicorn in a
  thread of the measuring process (a fresh spawned one), on a migrated SQLite file in a
  temporary folder; the real clock. Its people are rows (an operator, an agency member
  and a resident, each with an API token from the server's token repository); the rest
  goes through the HTTP API: the agency applies (`POST /api/agency-applications`, keys
  made here), the operator registers it with both fingerprints (which logs
  `agency_registered`) and attaches the member, raises `max_open_requests` to 50; the
  resident adds a home in Chicago and takes a pairing code.
- Hub: paired with that home by `hub.community.link.pair` (what `frontporch hub pair`
  runs); its real SQLite store (`HubStore`), a real `HubLink` thread long-polling `GET
  /api/hub/messages` (the default 25 s wait; the server checks the queue every 0.5 s
  while a poll waits), FOOTAGE_REQUEST messages handed to a real `RequestDesk` whose
  intake fetches the checkpoint, the entries and their inclusion proofs over HTTP, the
  log key pinned in the hub's config as `GET /api/log/key` states it.
- Figure: from just before `POST /api/agency/requests` (an API token, a 300 m circle
  round the home, a 4-hour window) to the request being `open` in the hub's store, read
  every {POLL_S * 1000:g} ms. {FILINGS} filings (`--quick` {QUICK_FILINGS}), after one
  of each kind not counted (the hub's first intake also takes its first checkpoint).
- Baseline, same run, same link, interleaved with the filings: from just before `POST
  /api/homes/{{home}}/hubs/{{hub}}/ping` (the owner's "test connection", `HubService.ping`)
  to the hub's PING handler running.
- Before each message a random pause of 0-0.5 s (seeded), so the messages land at
  every phase of the server's 0.5 s queue check rather than just after one (which the
  previous message's arrival would otherwise line up). Target: the filing's median and
  p95 under {TARGET_S:g} s."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Api:
    """JSON calls to the served server over one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)

    def call(
        self, method: str, path: str, token: str | None = None, body: dict[str, Any] | None = None
    ) -> Any:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {raw.decode()[:300]}")
        return json.loads(raw) if raw else None


@contextmanager
def _served(app: Any, port: int) -> Iterator[None]:
    """Serve `app` under uvicorn in a thread (lifespan on) until the block ends."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
            timeout_graceful_shutdown=1,
        )
    )  # fmt: skip
    thread = threading.Thread(target=server.run, name="bench-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _people(app: Any) -> dict[str, tuple[uuid.UUID, str]]:
    """An operator, an agency member and a resident (rows, two-factor marked on where the
    role needs it), each with an API token: {role: (user id, token)}."""
    from frontporch.server.accounts.models import ApiToken, Role, User
    from frontporch.server.accounts.repository import ApiTokenRepository
    from frontporch.server.accounts.sessions import new_api_token
    from frontporch.server.kit.tokens import hash_token

    now = datetime.now(UTC)
    people = {}
    with app.state.server.sessions.begin() as db:
        for role in (Role.OPERATOR, Role.AGENCY_MEMBER, Role.RESIDENT):
            user = User(
                id=uuid.uuid4(), email=f"{role.value}@bench.example.org", password_hash="x",
                role=role.value, created_at=now, email_verified_at=now,
                password_changed_at=now, totp_secret="JBSWY3DPEHPK3PXP" * 2, totp_enabled_at=now,
            )  # fmt: skip
            db.add(user)
            db.flush()
            secret = new_api_token()
            ApiTokenRepository(db).add(
                ApiToken(
                    user_id=user.id, name="requests benchmark", token_hash=hash_token(secret),
                    prefix=secret[:10], created_at=now,
                )
            )  # fmt: skip
            people[role.value] = (user.id, secret)
    return people


def _registered_agency(api: Api, people: dict[str, tuple[uuid.UUID, str]]) -> None:
    """Apply, register (both fingerprints), attach the member, allow 50 open requests."""
    from frontporch.crypto.keys import AgencyIdentity, fingerprint

    identity = AgencyIdentity.generate()
    applied = api.call(
        "POST", "/api/agency-applications",
        body={"name": "Bench County Sheriff", "jurisdiction": "Cook County, IL",
              "contact": "records@sheriff.example", "signing_key": identity.public_key,
              "age_recipient": identity.age_recipient},
    )  # fmt: skip
    _, operator = people["operator"]
    api.call(
        "POST", f"/api/operator/agencies/{applied['id']}/register", operator,
        {"signing_key_fingerprint": fingerprint(identity.public_key),
         "age_recipient_fingerprint": fingerprint(identity.age_recipient)},
    )  # fmt: skip
    member_id, _ = people["agency_member"]
    api.call(
        "PUT", f"/api/operator/users/{member_id}/agency", operator, {"agency_id": applied["id"]}
    )
    api.call("PUT", "/api/operator/requests/policy", operator, {"max_open_requests": 50})


def _filing() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "case_number": f"2026-CR-{uuid.uuid4().hex[:6]}", "incident": "burglary",
        "description": "A break-in on the 100 block; a grey van seen leaving.",
        "contact": "Records desk, +1 312 555 0100",
        "area": {"type": "circle", "center": list(HOME), "radius_m": 300},
        "window_start": (now - timedelta(hours=5)).isoformat(),
        "window_end": (now - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=7)).isoformat(), "attestation": True,
    }  # fmt: skip


def _measure(filings: int) -> dict[str, Any]:
    """In a fresh process: the served server, the paired hub, and the timings (seconds)."""
    from frontporch.hub.community.link import HubLink, JsonObject, dispatch, pair
    from frontporch.hub.config import parse_config
    from frontporch.hub.requests.records import RequestState
    from frontporch.hub.requests.service import RequestDesk
    from frontporch.hub.store.index import HubStore
    from frontporch.hub.store.layout import INDEX_FILE
    from frontporch.protocol import MessageKind
    from frontporch.server.app import create_app
    from frontporch.server.migrations import upgrade_to_head
    from frontporch.server.settings import ServerSettings

    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="frontporch-bench-requests-") as folder:
        root = Path(folder)
        url = f"sqlite:///{root / 'server.db'}"
        upgrade_to_head(url)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        values: dict[str, Any] = {
            "environment": "development", "data_dir": root / "server", "database_url": url,
            "base_url": base, "host": "127.0.0.1", "port": port,
        }  # fmt: skip
        app = create_app(ServerSettings(**values))
        with _served(app, port):
            api = Api(port)
            people = _people(app)
            _registered_agency(api, people)
            _, resident = people["resident"]
            _, member = people["agency_member"]
            home = api.call(
                "POST", "/api/homes", resident,
                {"name": "Maple St", "latitude": HOME[0], "longitude": HOME[1]},
            )["id"]  # fmt: skip
            code = api.call("POST", f"/api/homes/{home}/pairing-code", resident)["code"]
            hub_root = root / "hub"
            link = pair(hub_root, base, code, "Bench hub")
            log_key = api.call("GET", "/api/log/key")["verifier_keys"][0]
            config = parse_config(
                {
                    "storage": {"path": str(hub_root), "min_free_gb": 0},
                    "cameras": {"porch": {"inputs": [{"url": "rtsp://127.0.0.1:8554/porch"}]}},
                    "requests": {"log_key": log_key},
                }
            )
            store = HubStore(hub_root / INDEX_FILE)
            desk = RequestDesk(config, store, hub_root)
            pinged: dict[int, float] = {}
            arrived = threading.Condition()

            def on_ping(message: JsonObject) -> None:
                with arrived:
                    seq = message.get("seq")
                    if isinstance(seq, int):
                        pinged[seq] = time.perf_counter()
                    arrived.notify_all()

            delivered: dict[str, float] = {}

            def on_request(message: JsonObject) -> None:
                body = message.get("body")
                if isinstance(body, dict):
                    delivered[str(body.get("request"))] = time.perf_counter()
                desk.on_footage_request(message)

            handlers = {
                MessageKind.PING: on_ping,
                MessageKind.FOOTAGE_REQUEST: on_request,
                MessageKind.REQUEST_CLOSED: desk.on_request_closed,
            }
            hub_link = HubLink(hub_root, lambda message: dispatch(message, handlers))
            hub_link.start()

            def ping() -> float:
                time.sleep(rng.uniform(0, 0.5))
                began = time.perf_counter()
                path = f"/api/homes/{home}/hubs/{link.hub_id}/ping"
                seq = int(api.call("POST", path, resident)["seq"])
                with arrived:
                    if not arrived.wait_for(lambda: seq in pinged, TIMEOUT_S):
                        raise RuntimeError("the PING did not reach the hub")
                    return pinged[seq] - began

            def file() -> tuple[float, float, float]:
                time.sleep(rng.uniform(0, 0.5))
                began = time.perf_counter()
                request = api.call("POST", "/api/agency/requests", member, _filing())["id"]
                answered = time.perf_counter()
                deadline = began + TIMEOUT_S
                while time.perf_counter() < deadline:
                    record = store.get_footage_request(request)
                    if record is not None and record.state is RequestState.OPEN:
                        opened = time.perf_counter()
                        return opened - began, answered - began, opened - delivered[request]
                    if record is not None and record.state is RequestState.REFUSED:
                        raise RuntimeError(f"the hub refused the request: {record.refusal}")
                    time.sleep(POLL_S)
                raise RuntimeError("the request did not open on the hub")

            try:
                ping(), file()  # not counted: the first of each
                pings, opened, answers, intakes = [], [], [], []
                for _ in range(filings):
                    pings.append(ping())
                    took, answer, intake = file()
                    opened.append(took)
                    answers.append(answer)
                    intakes.append(intake)
                # Stop the link cleanly: its poll in flight returns with one last PING.
                threading.Thread(target=hub_link.stop, args=(TIMEOUT_S,)).start()
                api.call("POST", f"/api/homes/{home}/hubs/{link.hub_id}/ping", resident)
                hub_link.stop(TIMEOUT_S)
            finally:
                desk.stop(TIMEOUT_S)
                store.close()
    return {"opened": opened, "pings": pings, "answers": answers, "intakes": intakes}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run(quick: bool) -> list[Result]:
    filings = QUICK_FILINGS if quick else FILINGS
    print(f"  {filings} filings and pings ...", file=sys.stderr, flush=True)
    data = in_child(_measure, filings)
    opened = [t * 1000 for t in data["opened"]]
    pings = [t * 1000 for t in data["pings"]]
    answers = [t * 1000 for t in data["answers"]]
    intakes = [t * 1000 for t in data["intakes"]]
    target_ms = TARGET_S * 1000
    notes = (
        f"{filings} filings; of the figure, the filing's own HTTP answer (logged, "
        f"checkpoint signed, queued) took {median(answers):.0f} ms median "
        f"({max(answers):.0f} ms at most) and the hub's intake (from the message reaching "
        f"its handler to `open`: checkpoint, entries and proofs over HTTP) "
        f"{median(intakes):.0f} ms median ({max(intakes):.0f} ms at most); the rest is the "
        "link's wait for the server's next queue check, as for the PING"
    )
    return [
        Result(
            name="filing to the request open on the hub, median",
            figure=median(opened),
            unit="ms",
            baseline=median(pings),
            baseline_unit="ms (PING through the same link)",
            ratio=ratio(median(opened), median(pings)),
            target=f"< {target_ms:.0f} ms",
            passed=median(opened) < target_ms,
            notes=notes,
            repeats=filings,
            figure_best=best(opened),
            baseline_best=best(pings),
            raw={
                "opened_ms": opened,
                "ping_ms": pings,
                "filing_answer_ms": answers,
                "intake_ms": intakes,
            },
        ),
        Result(
            name="filing to the request open on the hub, p95",
            figure=_p95(opened),
            unit="ms",
            baseline=_p95(pings),
            baseline_unit="ms (PING p95)",
            ratio=ratio(_p95(opened), _p95(pings)),
            target=f"< {target_ms:.0f} ms",
            passed=_p95(opened) < target_ms,
            notes=f"worst filing {max(opened):.0f} ms, worst PING {max(pings):.0f} ms",
            repeats=filings,
        ),
    ]
