"""The hub's `HubLink` thread against a real server: delivers queued messages to its
callback, acknowledges them, backs off while the server is down, and stops when the
hub is revoked."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from frontporch.hub.community import link
from homes_tools import add_home, pairing_code
from server_fixtures import free_port
from server_harness import ServerHarness

pytestmark = pytest.mark.served


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_link_delivers_pings_and_stops_when_revoked(
    server: ServerHarness, live: str, tmp_path: Path
) -> None:
    owner = server.account()
    home_id = add_home(owner)["id"]
    storage = tmp_path / "hub"
    paired = link.pair(storage, live, pairing_code(owner, home_id), "Hub")
    received: list[dict[str, Any]] = []
    lock = threading.Lock()

    def on_message(message: dict[str, Any]) -> None:
        with lock:
            received.append(message)
        if len(received) == 1:
            raise RuntimeError("a handler bug must not block the queue")

    hub_link = link.HubLink(storage, on_message, wait_s=1.0)
    hub_link.start()
    try:
        _wait_for(lambda: hub_link.state == "connected")
        ping = f"/api/homes/{home_id}/hubs/{paired.hub_id}/ping"
        owner.client.post(ping)
        owner.client.post(ping)
        _wait_for(lambda: len(received) == 2)
        assert [m["kind"] for m in received] == ["ping", "ping"]
        assert [m["seq"] for m in received] == [1, 2]
        _wait_for(lambda: link.ServerLink.load(storage).after == 2)
        owner.client.delete(f"/api/homes/{home_id}/hubs/{paired.hub_id}")
        _wait_for(lambda: hub_link.state == "revoked")
    finally:
        hub_link.stop(timeout=5)
    assert len(received) == 2


def test_the_link_backs_off_while_the_server_is_unreachable(tmp_path: Path) -> None:
    storage = tmp_path / "hub"
    link.ServerLink(
        server_url=f"http://127.0.0.1:{free_port()}",
        hub_id="h",
        home_id="x",
        home_name="Maple St",
        credential="fph_x",
    ).save(storage)
    hub_link = link.HubLink(
        storage, lambda _m: None, wait_s=0.2, backoff=link.Backoff(initial_s=0.05, maximum_s=0.1)
    )
    hub_link.start()
    try:
        _wait_for(lambda: hub_link.state == "retrying", timeout=5)
    finally:
        hub_link.stop(timeout=5)
    assert hub_link.state == "stopped"


def test_backoff_grows_to_its_ceiling() -> None:
    backoff = link.Backoff(initial_s=1, maximum_s=8)
    assert 0.5 <= backoff.delay(1) <= 1
    assert 2 <= backoff.delay(3) <= 4
    assert 4 <= backoff.delay(30) <= 8


def test_an_unpaired_hub_cannot_start_a_link(tmp_path: Path) -> None:
    with pytest.raises(link.NotPaired):
        link.HubLink(tmp_path, lambda _m: None).start()


def test_a_paired_hub_opens_its_link_when_it_starts(
    server: ServerHarness, live: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from frontporch.hub.config import parse_config
    from frontporch.hub.process.runtime import build_hub

    owner = server.account()
    home_id = add_home(owner)["id"]
    storage = tmp_path / "hub"
    paired = link.pair(storage, live, pairing_code(owner, home_id), "Hub")
    hub = build_hub(parse_config({"storage": {"path": str(storage)}, "cameras": {}}))
    caplog.set_level("INFO", logger="frontporch.hub.community.link")
    hub.start()
    try:
        assert hub.link is not None
        owner.client.post(f"/api/homes/{home_id}/hubs/{paired.hub_id}/ping")
        _wait_for(lambda: "community server message 1 (ping)" in caplog.text, timeout=30)
        _wait_for(lambda: hub.link is not None and hub.link.state == "connected")
    finally:
        hub.stop()
    assert hub.link.state == "stopped"


def test_an_unpaired_hub_starts_without_a_link(tmp_path: Path) -> None:
    from frontporch.hub.config import parse_config
    from frontporch.hub.process.runtime import build_hub

    hub = build_hub(parse_config({"storage": {"path": str(tmp_path / "hub")}, "cameras": {}}))
    hub.start()
    try:
        assert hub.link is None
    finally:
        hub.stop()
