"""A real MQTT broker for tests: Debian's Mosquitto on a free local port, in a temp dir.

`Broker` starts, stops and restarts it on the same port (to test reconnecting), without
persistence, so a restart also forgets every retained message, as a broker that lost
its disk would. With `users`, a password file made by `mosquitto_passwd -b` is required
and anonymous clients are refused. With `tls`, it listens with TLS only, its certificate
(for the name "localhost", not for 127.0.0.1) signed by a throwaway authority whose
certificate is `ca_file`. `Subscriber` is an independent paho client that
collects what arrives, in order, for the tests to read back.
"""

from __future__ import annotations

import datetime
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from paho.mqtt.enums import CallbackAPIVersion

from frontporch.devtools.services import mosquitto_binary

START_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll until `condition()` is truthy and return it; fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class Broker:
    folder: Path
    port: int = field(default_factory=free_port)
    users: dict[str, str] | None = None
    tls: bool = False
    process: subprocess.Popen[bytes] | None = None

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def log_file(self) -> Path:
        return self.folder / "mosquitto.log"

    def _write_config(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        lines = [
            f"listener {self.port} 127.0.0.1",
            "persistence false",
            f"log_dest file {self.log_file}",
            "log_type all",
            # Run as root (a container), Mosquitto would drop to the 'mosquitto' user and
            # lose access to this folder; as anyone else the line has no effect.
            "user root",
        ]
        if self.users is None:
            lines.append("allow_anonymous true")
        else:
            passwords = self.folder / "passwd"
            passwords.write_text("")
            passwords.chmod(0o600)
            for user, password in self.users.items():
                subprocess.run(
                    ["mosquitto_passwd", "-b", str(passwords), user, password],
                    check=True,
                    capture_output=True,
                )
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        if self.tls:
            cert, key = make_certificates(self.folder)
            lines += [f"cafile {self.ca_file}", f"certfile {cert}", f"keyfile {key}"]
        config = self.folder / "mosquitto.conf"
        config.write_text("\n".join(lines) + "\n")
        return config

    def start(self) -> None:
        binary = mosquitto_binary()
        assert binary is not None, "Mosquitto is not installed"
        config = self._write_config()
        self.process = subprocess.Popen(
            [str(binary), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_for(self._accepting, START_TIMEOUT_S, f"Mosquitto on port {self.port}")

    def _accepting(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            err = self.process.stderr.read().decode() if self.process.stderr else ""
            raise AssertionError(f"Mosquitto exited: {err}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def make_certificates(folder: Path) -> tuple[Path, Path]:
    """A throwaway CA (`folder/ca.pem`) and a server certificate for "localhost" signed by
    it; returns the server's certificate and key files."""
    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Frontporch test CA"))
        .issuer_name(name("Frontporch test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        # for "localhost" only: a client dialling 127.0.0.1 sees a name mismatch
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


@contextmanager
def running_broker(
    folder: Path, users: dict[str, str] | None = None, tls: bool = False
) -> Iterator[Broker]:
    broker = Broker(folder, users=users, tls=tls)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool

    @property
    def text(self) -> str:
        return self.payload.decode()


class Subscriber:
    """A paho client that subscribes to `topics` and keeps every message, in order."""

    def __init__(self, port: int, topics: list[str], name: str = "test-subscriber") -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._topics = topics
        self.client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=name)
        self.client.on_connect = self._connected
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        wait_for(self._subscribed.is_set, START_TIMEOUT_S, "the test subscription")

    def _connected(self, client: paho.Client, *args: Any) -> None:
        client.subscribe([(topic, 1) for topic in self._topics])

    def _message(self, client: paho.Client, userdata: Any, message: Any) -> None:
        with self._lock:
            self.messages.append(Received(message.topic, bytes(message.payload), message.retain))

    def on(self, topic: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.topic == topic]

    def last(self, topic: str) -> Received | None:
        found = self.on(topic)
        return found[-1] if found else None

    def wait_last(self, topic: str, text: str, timeout: float = 10.0) -> Received:
        """Wait until the newest message on `topic` reads `text`."""

        def newest() -> Received | None:
            last = self.last(topic)
            return last if last is not None and last.text == text else None

        return wait_for(newest, timeout, f"{text!r} on {topic}")

    def publish(self, topic: str, payload: bytes | str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextmanager
def subscriber(port: int, topics: list[str], name: str = "test-subscriber") -> Iterator[Subscriber]:
    sub = Subscriber(port, topics, name)
    try:
        yield sub
    finally:
        sub.close()


def retained(port: int, topics: list[str], settle_s: float = 0.5) -> list[Received]:
    """What the broker holds retained under `topics`, read by a fresh client."""
    with subscriber(port, topics, name=f"retained-reader-{time.monotonic_ns()}") as sub:
        time.sleep(settle_s)
        return [m for m in sub.messages if m.retain]
