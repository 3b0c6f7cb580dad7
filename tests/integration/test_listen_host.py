"""`frontporch hub --host 0.0.0.0` and `frontporch demo --host 0.0.0.0`: the UI answers on
this machine's LAN address, and that address (not 0.0.0.0) is what gets printed."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from frontporch.hub.web.listen import SECURE_CONTEXT_NOTE, lan_addresses
from hubtools import free_port, frontporch_command, hub_config, wait_until, write_config
from videotools import make_h264

pytestmark = pytest.mark.skipif(
    not lan_addresses(), reason="this machine has no network address besides loopback"
)

URL = re.compile(r"http://(\d+\.\d+\.\d+\.\d+):(\d+)/")


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [*frontporch_command(), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _printed_lan_url(log: Path, port: int, line_start: str) -> str | None:
    """The first printed URL on a line starting with `line_start` that names this
    machine's LAN address and `port` (None until printed)."""
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip().startswith(line_start):
            continue
        for match in URL.finditer(line):
            host, printed_port = match.groups()
            if int(printed_port) == port and not host.startswith("127."):
                return match.group(0)
    return None


def _healthz(url: str) -> dict[str, object] | None:
    try:
        response = httpx.get(f"{url}healthz", timeout=3.0)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def test_hub_on_all_addresses_prints_and_answers_on_the_lan_address(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path / "hub.yaml", hub_config(tmp_path / "data", {}, port=port))
    log = tmp_path / "hub.log"
    proc = _start(["hub", "--config", str(config), "--host", "0.0.0.0"], log)
    try:
        url = wait_until(
            lambda: _printed_lan_url(log, port, "Hub UI:"), 60, "the hub to print its address"
        )
        assert "0.0.0.0" not in log.read_text()
        assert url.split("//")[1].split(":")[0] in lan_addresses()
        health = wait_until(lambda: _healthz(url), 30, f"{url}healthz to answer")
        assert health["status"] in {"ok", "degraded"}
        assert SECURE_CONTEXT_NOTE in log.read_text()
    finally:
        _stop(proc)


def test_hub_without_host_keeps_listening_on_loopback_only(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path / "hub.yaml", hub_config(tmp_path / "data", {}, port=port))
    log = tmp_path / "hub.log"
    proc = _start(["hub", "--config", str(config)], log)
    try:
        wait_until(lambda: _healthz(f"http://127.0.0.1:{port}/"), 60, "the hub to answer")
        assert _healthz(f"http://{lan_addresses()[0]}:{port}/") is None
        assert f"Hub UI: http://127.0.0.1:{port}/" in log.read_text()
    finally:
        _stop(proc)


def test_demo_on_all_addresses_prints_a_phone_address_that_answers(tmp_path: Path) -> None:
    # Tiny scenes in the demo's cache, so it does not render its full-size ones.
    scenes = tmp_path / "demo" / "scenes"
    scenes.mkdir(parents=True)
    for scene in ("porch", "driveway", "night"):
        make_h264(scenes / f"{scene}.mp4", seconds=4, size=(320, 180))
    port, server_port = free_port(), free_port()
    log = tmp_path / "demo.log"
    args = ["demo", "--data", str(tmp_path / "demo"), "--port", str(port)]
    proc = _start([*args, "--server-port", str(server_port), "--host", "0.0.0.0"], log)
    try:
        url = wait_until(
            lambda: _printed_lan_url(log, port, "Phone:"), 180, "the demo to print its address"
        )
        health = wait_until(lambda: _healthz(url), 30, f"{url}healthz to answer")
        assert health["status"] in {"ok", "degraded"}
    finally:
        _stop(proc)
