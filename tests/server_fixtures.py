"""Real services for the community server's tests: a throwaway PostgreSQL cluster, a
local SMTP server that keeps what it receives, migrated template databases, a clock.

Nothing here fakes our own code: the app runs its real migrations, mail goes over SMTP,
PostgreSQL is a real server on a unix socket in a temporary directory.
"""

from __future__ import annotations

import email
import email.policy
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from frontporch.devtools.services import postgres_bin_dir
from frontporch.server.migrations import upgrade_to_head
from frontporch.server.settings import ServerSettings

TEST_SECRET = "test-secret-key-for-the-frontporch-suite-0123456789"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeClock:
    """A settable clock (aware UTC), starting at the real time."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += timedelta(seconds=seconds)


# -- SMTP ----------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """Messages an SMTP server received, newest last."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to `address`."""
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def last_link(self, address: str, path: str) -> str:
        """The token of the newest link to `path` mailed to `address`."""
        for message in reversed(self.to(address)):
            body = message.get_body(("plain",))
            assert body is not None
            found = re.search(rf"{re.escape(path)}\?token=([\w-]+)", body.get_content())
            if found:
                return found.group(1)
        raise AssertionError(f"no {path} link was mailed to {address}")


@dataclass
class SmtpServer:
    """A running local SMTP server."""

    host: str
    port: int
    mailbox: Mailbox


def smtp_server() -> Generator[SmtpServer, None, None]:
    """Run aiosmtpd on a free local port until the generator is closed."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


# -- PostgreSQL ----------------------------------------------------------------------------


@dataclass
class PostgresCluster:
    """A throwaway cluster reachable over a unix socket."""

    socket_dir: Path
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"


def _as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root; the cluster then belongs to the 'postgres' user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def postgres_cluster() -> Iterator[PostgresCluster]:
    """initdb + postgres in a temporary directory; everything is removed afterwards."""
    bin_dir = postgres_bin_dir()
    assert bin_dir is not None, "PostgreSQL is not installed"
    root = Path(tempfile.mkdtemp(prefix="frontporch-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, sockets = root / "data", root
    subprocess.run(
        _as_postgres(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"]
        ),
        check=True,
        capture_output=True,
    )
    port = free_port()
    # The server's log goes to a file, not a pipe: nobody reads a pipe while the tests
    # run, and once its 64 KiB buffer fills with logged errors every backend blocks.
    log_path = root / "postgres.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        _as_postgres(
            [
                str(bin_dir / "postgres"),
                "-D", str(data),
                "-k", str(sockets),
                "-p", str(port),
                "-c", "listen_addresses=",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )  # fmt: skip
    cluster = PostgresCluster(sockets, port)
    try:
        _wait_until_ready(cluster, server, log_path)
        yield cluster
    finally:
        log.close()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_ready(
    cluster: PostgresCluster, server: subprocess.Popen[bytes], log_path: Path
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            stderr = log_path.read_text(errors="replace")
            raise RuntimeError(f"postgres exited: {stderr[-2000:]}")
        if (cluster.socket_dir / f".s.PGSQL.{cluster.port}").exists():
            try:
                engine = create_engine(cluster.url("postgres"))
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                engine.dispose()
                return
            except Exception:
                pass
        time.sleep(0.1)
    raise RuntimeError("postgres did not start within 30 s")


# -- migrated databases --------------------------------------------------------------------


class DatabaseFactory:
    """Fresh, migrated databases for tests: copies of one template migrated once."""

    def __init__(self, kind: str, workdir: Path, cluster: PostgresCluster | None) -> None:
        self.kind = kind
        self.workdir = workdir
        self.cluster = cluster
        self.template: str | None = None

    def _prepare(self) -> None:
        if self.template is not None:
            return
        if self.cluster is None:
            path = self.workdir / "template.db"
            upgrade_to_head(f"sqlite:///{path}")
            self.template = str(path)
            return
        self._admin(f"CREATE DATABASE {TEMPLATE_DB}")
        upgrade_to_head(self.cluster.url(TEMPLATE_DB))
        self.template = TEMPLATE_DB

    def _admin(self, statement: str) -> None:
        assert self.cluster is not None
        engine = create_engine(self.cluster.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()

    def create(self) -> str:
        """A new migrated database; its URL."""
        self._prepare()
        assert self.template is not None
        name = f"t_{uuid.uuid4().hex[:12]}"
        if self.cluster is None:
            target = self.workdir / f"{name}.db"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        return self.cluster.url(name)

    def drop(self, url: str) -> None:
        """Remove a database made by `create`."""
        if self.cluster is None:
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
            return
        name = url.split("@/", 1)[1].split("?", 1)[0]
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


TEMPLATE_DB = "frontporch_template"


# -- a server under test --------------------------------------------------------------------

PASSWORD = "plum orchard lantern"


@dataclass
class Account:
    """A test user, its signed-in client and (if two-factor is on) its TOTP seed."""

    email: str
    password: str
    client: Any
    csrf: str | None = None
    totp_secret: str | None = None
    recovery_codes: list[str] = field(default_factory=list)


def make_settings(
    database_url: str, data_dir: Path, smtp: SmtpServer, **changes: object
) -> ServerSettings:
    """Development settings for tests: cheap argon2id, mail to the local SMTP server."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "base_url": "http://testserver",
        "smtp_host": smtp.host,
        "smtp_port": smtp.port,
        "smtp_starttls": False,
        "smtp_from": "Frontporch <no-reply@frontporch.test>",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "argon2_parallelism": 1,
        # Live streams (server-sent events) end quickly, so a test client that reads a
        # whole response (the access matrix, schemathesis) is not held for minutes.
        "live_poll_s": 0.05,
        "live_max_duration_s": 0.3,
        # Homes made by a test open media at once; the wait a new home has in production
        # (24 h) is tested where it is set (test_server_home_limits.py).
        "home_media_delay_h": 0,
    }
    values.update(changes)
    return ServerSettings(**values)  # type: ignore[arg-type]
