"""Several real server processes on one PostgreSQL database and one S3 bucket, as a
scaled-out deployment runs them (docs/deploy.md), for tests/integration/server/
test_server_multiprocess.py.

Each process is `python -m uvicorn --factory multiprocess_tools:create_served_app`: the
app factory reads the settings from FRONTPORCH_* variables (`load_settings`, as
`frontporch server` does) and its clock from a file every process reads
(`SharedClock`), so a test can move time for all of them at once: the only thing it
changes about the app. Each process has a data directory of its own, so whatever they
share goes through the database, the bucket and the settings.

`Cluster` drives the processes the way people and programs do, over HTTP: sign up and
confirm through the emailed link, sign in (with a code from the enrolled seed), post,
stream. Roles and agencies are set in the database directly, as `frontporch server
grant-role` and the agencies area do (release_tools.register_agency does the same for
an in-process app).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from agency_tools import log_verified_agency
from frontporch.crypto.keys import AgencyIdentity
from frontporch.server.accounts import mfa
from frontporch.server.accounts.models import Role, User

CLOCK_FILE_ENV = "MULTIPROCESS_CLOCK_FILE"  # not FRONTPORCH_*: that prefix is the settings'
TESTS_DIR = Path(__file__).parent
PASSWORD = "plum orchard lantern"
START_TIMEOUT_S = 60.0


class SharedClock:
    """The real time plus an offset kept in a file, read on every call, so every process
    given the file sees the same time and the test moves it for all of them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            self._write(0.0)

    def offset_s(self) -> float:
        """How far ahead of the real time the clock is."""
        return float(self.path.read_text(encoding="utf-8"))

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset_s())

    def advance(self, seconds: float) -> None:
        """Move every process's time forward."""
        self._write(self.offset_s() + seconds)

    def _write(self, offset: float) -> None:
        # Replaced in one rename: a process reading meanwhile sees the old or the new value.
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(repr(offset), encoding="utf-8")
        os.replace(temporary, self.path)


def create_served_app() -> FastAPI:
    """The app one server process serves (uvicorn's `--factory`): settings from the
    environment, the shared clock if CLOCK_FILE_ENV names one."""
    from frontporch.server.app import create_app
    from frontporch.server.db import utcnow
    from frontporch.server.settings import load_settings

    clock_file = os.environ.get(CLOCK_FILE_ENV)
    clock = SharedClock(Path(clock_file)) if clock_file else utcnow
    return create_app(load_settings(), clock=clock)


# -- the processes ---------------------------------------------------------------------------


@dataclass
class ServerProcess:
    """One uvicorn process: its base URL, the process and its log file."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, characters: int = 4000) -> str:
        """The end of what the process wrote (for a failing test's message)."""
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return "(no log)"


def _start(port: int, settings: Mapping[str, str], workdir: Path, number: int) -> ServerProcess:
    data_dir = workdir / f"process-{number}"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FRONTPORCH_")},
        **settings,
        "FRONTPORCH_DATA_DIR": str(data_dir),
        "FRONTPORCH_PORT": str(port),
        "PYTHONPATH": os.pathsep.join(
            [str(TESTS_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    log_path = workdir / f"process-{number}.log"
    with log_path.open("wb") as log:  # a file, not a pipe nobody reads (it would fill)
        process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn",
                "--factory", "multiprocess_tools:create_served_app",
                "--host", "127.0.0.1",
                "--port", str(port),
                "--log-level", "warning",
                "--no-proxy-headers",
                "--timeout-graceful-shutdown", "2",
            ],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    return ServerProcess(f"http://127.0.0.1:{port}", process, log_path)


def _wait_until_healthy(server: ServerProcess, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.url} exited at start:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.url} did not answer /healthz in time:\n{server.log_tail()}")


def _stop(server: ServerProcess) -> None:
    if server.process.poll() is None:
        server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@contextmanager
def server_processes(
    ports: list[int], settings: Mapping[str, str], workdir: Path
) -> Iterator[list[ServerProcess]]:
    """One server process per port with the same `settings` (FRONTPORCH_* variables),
    each answering /healthz, until the block ends."""
    started: list[ServerProcess] = []
    try:
        for number, port in enumerate(ports):
            started.append(_start(port, settings, workdir, number))
        deadline = time.monotonic() + START_TIMEOUT_S
        for server in started:
            _wait_until_healthy(server, deadline)
        yield started
    finally:
        for server in started:
            _stop(server)


# -- people and programs, over HTTP ----------------------------------------------------------


@dataclass
class Person:
    """An account, its password and (with two-factor on) its seed; one signed-in
    client per server process (`via(n)`), all with the same session."""

    email: str
    password: str
    clients: list[httpx.Client] = field(default_factory=list)
    totp_secret: str | None = None

    def via(self, number: int) -> httpx.Client:
        """The person's client on process `number`."""
        return self.clients[number]


class Cluster:
    """The processes' URLs, the database, the mailbox and the shared clock."""

    def __init__(
        self,
        servers: list[ServerProcess],
        sessions: sessionmaker[Session],
        mailbox: Any,
        clock: SharedClock,
    ) -> None:
        self.servers = servers
        self.sessions = sessions
        self.mailbox = mailbox
        self.clock = clock
        self._clients: list[httpx.Client] = []

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def client(self, number: int, **headers: str) -> httpx.Client:
        """A new client of process `number`, with its own cookies."""
        client = httpx.Client(
            base_url=self.urls[number],
            headers={"user-agent": "TestBrowser/1.0", **headers},
            timeout=httpx.Timeout(30.0),
        )
        self._clients.append(client)
        return client

    def copy(self, client: httpx.Client, number: int) -> httpx.Client:
        """A client of process `number` with `client`'s cookies and headers (the same
        session, on its own connection, so threads do not share one)."""
        copied = self.client(number)
        copied.headers.update(client.headers)
        copied.cookies.update(client.cookies)
        return copied

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def register(self, via: int = 0, confirm_via: int = 1) -> str:
        """Sign up on one process and confirm on another with the emailed link; the email."""
        email = f"mp-{uuid.uuid4().hex[:12]}@example.org"
        signed_up = self.client(via).post(
            "/api/auth/sign-up", json={"email": email, "password": PASSWORD}
        )
        assert signed_up.status_code == 202, signed_up.text
        token = self.mailbox.last_link(email, "/verify-email")
        confirmed = self.client(confirm_via % len(self.servers)).post(
            "/api/auth/verify-email", json={"token": token}
        )
        assert confirmed.status_code == 200, confirmed.text
        return email

    def set_role(self, email: str, role: Role) -> None:
        """Give an account a role, as `frontporch server grant-role` does."""
        with self.sessions.begin() as db:
            db.execute(update(User).where(User.email == email).values(role=role.value))

    def next_code(self, secret: str) -> str:
        """The code an authenticator shows half a minute from now (codes are single-use)."""
        self.clock.advance(30)
        return mfa.code_at(secret, self.clock())

    def sign_in(self, person: Person, via: int) -> httpx.Client:
        """A client of process `via` signed in as `person` through the API."""
        client = self.client(via)
        body: dict[str, Any] = {"email": person.email, "password": person.password}
        if person.totp_secret:
            body["otp"] = self.next_code(person.totp_secret)
        response = client.post("/api/auth/sign-in", json=body)
        assert response.status_code == 200, response.text
        client.headers["x-csrf-token"] = response.json()["csrf_token"]
        return client

    def person(self, role: Role = Role.RESIDENT, *, mfa_on: bool = False) -> Person:
        """A confirmed account of `role`, signed in once and reachable on every process."""
        email = self.register()
        if role is not Role.RESIDENT:
            self.set_role(email, role)
        person = Person(email, PASSWORD)
        first = self.sign_in(person, 0)
        if mfa_on:
            setup = first.post("/api/account/two-factor/setup")
            assert setup.status_code == 200, setup.text
            secret = setup.json()["secret"]
            confirmed = self.copy(first, 1).post(
                "/api/account/two-factor/confirm", json={"code": self.next_code(secret)}
            )
            assert confirmed.status_code == 200, confirmed.text
            person.totp_secret = secret
        person.clients = [self.copy(first, n) for n in range(len(self.servers))]
        return person

    def register_agency(self, name: str) -> tuple[uuid.UUID, Person]:
        """A verified agency whose keys are logged (`agency_registered`) and a member with
        two-factor on (agency_tools.log_verified_agency)."""
        member = self.person(Role.AGENCY_MEMBER, mfa_on=True)
        identity = AgencyIdentity.generate()
        agency_id, _ = log_verified_agency(self.sessions, self.clock, identity, member.email, name)
        return agency_id, member

    def api_token(self, person: Person, via: int) -> str:
        """A new API token of `person`, made on process `via`."""
        made = person.via(via).post("/api/account/tokens", json={"name": "multi-process test"})
        assert made.status_code == 201, made.text
        return str(made.json()["token"])


# -- live streams ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One server-sent event as a browser hands it to a page."""

    id: int
    event: str
    data: Any


class EventReader:
    """Reads one event stream in a thread; events land in a queue as they arrive."""

    def __init__(self, url: str, token: str) -> None:
        self.events: queue.Queue[Event] = queue.Queue()
        self._status: queue.Queue[int] = queue.Queue()
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(10.0, read=60.0))
        headers = {"authorization": f"Bearer {token}", "accept": "text/event-stream"}
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()
        assert self._status.get(timeout=10) == 200

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                self._status.put(response.status_code)
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line == "":
                        if "data" in fields:
                            data = json.loads(fields["data"])
                            self.events.put(Event(int(fields["id"]), fields["event"], data))
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
        except httpx.HTTPError:
            pass  # closed by the test

    def next(self, timeout: float = 5.0) -> Event:
        """The next event; fails the test if none arrives in time."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event within {timeout} s") from None

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._client.close()
