"""Running real hubs for the integration tests: in-process or as `frontporch hub`.

A hub here is the real thing — `build_hub(config)` with camera worker processes, or the
`frontporch hub --config` command in its own process group — on a free port with its
storage in a temporary folder. Cameras are files that play like live cameras, or
`tests/rtsp_server.py` (GStreamer's RTSP server) serving one. Waits poll a condition
with a deadline instead of sleeping, because the test machine may be slow and busy.
Everything started here is stopped by its context manager, also when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import av
import httpx
import yaml

from frontporch.devtools.services import SYSTEM_PYTHON
from frontporch.hub.config import parse_config
from frontporch.hub.process.runtime import Hub, build_hub

T = TypeVar("T")

TESTS = Path(__file__).resolve().parent
RTSP_SERVER = TESTS / "rtsp_server.py"
PASSWORD_LINE = re.compile(r"the owner password is (\S+)")


def free_port() -> int:
    """A TCP port nobody listens on right now (bind to port 0 and let the OS choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    condition: Callable[[], T | None], timeout: float, what: str, poll_s: float = 0.2
) -> T:
    """Poll `condition` until it returns something truthy, and return that.

    Fails the test with `what` in the message after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(poll_s)


# -- cameras ----------------------------------------------------------------------------


class RtspServer:
    """`tests/rtsp_server.py` serving `video` at rtsp://127.0.0.1:PORT/MOUNT.

    `start()` returns once the server printed READY. `kill()` is a camera losing power
    (SIGKILL, no goodbye to the clients); `start()` again brings it back on the same port.
    """

    def __init__(self, video: Path, port: int | None = None, mount: str = "/cam") -> None:
        self.video = video
        self.port = port or free_port()
        self.mount = mount
        self._proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}{self.mount}"

    def start(self, timeout: float = 30.0) -> RtspServer:
        assert self._proc is None, "already running"
        proc = subprocess.Popen(
            [str(SYSTEM_PYTHON), str(RTSP_SERVER), str(self.port), self.mount, str(self.video)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._proc = proc
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                line = proc.stdout.readline()
                if line.strip() == "READY":
                    return self
                if line:
                    seen.append(line)
            if proc.poll() is not None:
                break
        self.kill()
        raise AssertionError(f"the RTSP server did not start: {''.join(seen)[-2000:]}")

    def kill(self) -> None:
        """Kill the server at once (its clients see the connection drop)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()

    def __enter__(self) -> RtspServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def camera(
    url: str | Path,
    *,
    loop: bool = False,
    segment_s: float = 2.0,
    timeout_s: float = 3.0,
    reconnect_max_s: float = 2.0,
    detect_fps: float = 5.0,
) -> dict[str, Any]:
    """A camera's raw configuration: one input that records and detects, short timeouts."""
    return {
        "inputs": [
            {
                "url": str(url),
                "loop": loop,
                "realtime": True,
                "timeout_s": timeout_s,
                "reconnect_max_s": reconnect_max_s,
            }
        ],
        "detect": {"fps": detect_fps, "width": 640, "height": 360},
        "events": {"pre_capture_s": 1, "post_capture_s": 1, "quiet_s": 3},
        "record": {"segment_s": segment_s},
    }


def hub_config(
    storage: Path, cameras: dict[str, dict[str, Any]], *, port: int | None = None
) -> dict[str, Any]:
    """A hub's raw configuration; no free-disk floor, so a full test disk deletes nothing."""
    return {
        "storage": {"path": str(storage), "min_free_gb": 0},
        "web": {"host": "127.0.0.1", "port": port or free_port()},
        "cameras": cameras,
    }


def write_config(path: Path, raw: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


# -- hubs -------------------------------------------------------------------------------


@contextmanager
def running_hub(raw: dict[str, Any]) -> Iterator[Hub]:
    """A real hub in this process (camera workers are child processes), stopped after."""
    hub = build_hub(parse_config(raw, "test configuration"))
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def frontporch_command() -> list[str]:
    """The installed `frontporch` console script of the interpreter running the tests."""
    script = Path(sys.executable).with_name("frontporch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "frontporch.cli"]


def run_cli(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run `frontporch ARGS…` to completion; its output is captured as text."""
    return subprocess.run(
        [*frontporch_command(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )


class HubProcess:
    """`frontporch hub --config FILE` as its own session, so that its camera workers share
    its process group and `kill_group()` can take them all down at once like a power cut.
    Output (stdout and stderr) goes to `log_path`."""

    def __init__(self, config_file: Path, log_path: Path) -> None:
        raw = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        self.config_file = config_file
        self.log_path = log_path
        self.base_url = f"http://{raw['web']['host']}:{raw['web']['port']}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> HubProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [*frontporch_command(), "hub", "--config", str(self.config_file)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
            )
        return self

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def healthz(self) -> dict[str, Any] | None:
        """The hub's /healthz answer, or None while it does not answer."""
        try:
            response = httpx.get(f"{self.base_url}/healthz", timeout=2.0)
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    def wait_ready(self, timeout: float = 60.0) -> dict[str, Any]:
        def answered() -> dict[str, Any] | None:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the hub exited with {self.proc.returncode}:\n{self.output()[-3000:]}"
                )
            return self.healthz()

        return wait_until(answered, timeout, "the hub's web UI to answer", poll_s=0.3)

    def first_password(self) -> str:
        match = PASSWORD_LINE.search(self.output())
        assert match, f"the hub printed no first-start password:\n{self.output()[-2000:]}"
        return match.group(1)

    def kill_group(self) -> None:
        """SIGKILL the hub and every camera worker at once (what a power cut does)."""
        assert self.proc is not None
        pgid = self.proc.pid  # a session leader's process group id is its pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        wait_until(lambda: not _group_alive(pgid), 10, "the hub's processes to die")

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM to the whole group, as a service manager stops a service; the exit code."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def cleanup(self) -> None:
        """Make sure nothing of this hub is left running (for fixtures' teardown)."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def signed_in_client(base_url: str, password: str) -> Iterator[httpx.Client]:
    """An HTTP client signed in to a running hub through its real /login form."""
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf, "the sign-in form has no CSRF field"
        response = client.post(
            "/login",
            data={"password": password, "csrf_token": csrf.group(1), "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        yield client


# -- recordings -------------------------------------------------------------------------


@dataclass(frozen=True)
class Decoded:
    """What decoding a whole recorded segment found."""

    frames: int
    starts_with_keyframe: bool
    duration_s: float
    size: tuple[int, int]


def decode(path: Path) -> Decoded:
    """Decode every frame of `path` with PyAV (raises if FFmpeg cannot)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        first_key: bool | None = None
        times: list[float] = []
        size = (0, 0)
        for frame in container.decode(stream):
            if first_key is None:
                first_key = frame.key_frame
            if frame.pts is not None and frame.time_base is not None:
                times.append(float(frame.pts * frame.time_base))
            size = (frame.width, frame.height)
        rate = float(stream.average_rate or 15)
    span = max(times) - min(times) + 1 / rate if times else 0.0
    return Decoded(len(times), bool(first_key), span, size)


def recording_files(storage: Path) -> tuple[set[str], set[str]]:
    """(complete `.mp4` segments, `.part` files) under the hub's recordings, relative."""
    root = storage / "recordings"
    complete = {p.relative_to(root).as_posix() for p in root.rglob("*.mp4")}
    parts = {p.relative_to(root).as_posix() for p in root.rglob("*.part")}
    return complete, parts


def cut_in_half(source: Path, target: Path) -> Path:
    """The first half of `source`'s bytes: a download or copy that stopped midway."""
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target
