"""Alerts: the time from a person appearing to the hub's MQTT event and to its Web Push
request leaving the hub, next to the time the same event took to reach the index.

A real hub (`build_hub`) reads a generated porch scene in real time, in a loop, with its
camera worker process, detector, index writer, alert desk and MQTT bridge all as in
production. A Mosquitto broker started here receives the MQTT messages; a local HTTP
endpoint stands in for the browser's push service and notes when each request arrives.
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.result import Result, best, median, ratio

NAME = "alerts"
TITLE = "Alerts (a person appearing to the MQTT event and to the push leaving the hub)"
RUN_S = 150.0
QUICK_RUN_S = 50.0
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
METHOD = f"""\
- Hub: `build_hub` on a configuration with one camera reading a generated 20 s porch
  scene (640x360, people walking past) in real time and in a loop, the built-in HOG
  detector at 5 fps, MQTT on (a Mosquitto started for the run, on this machine) and one
  Web Push subscription whose endpoint is a local HTTP server standing in for the push
  service (it answers 201). The camera's alert rule: people, no cooldown, and
  `alerts.join_gap_s: 0`, so every event is its own review item and is alerted.
  {RUN_S:.0f} s of scene (`--quick` {QUICK_RUN_S:.0f} s).
- "A person appearing" is the event's start: the wall-clock time of the frame in which
  the tracker confirmed the person and the event opened. The frames before it (the
  tracker wants a few sightings, `tracker.min_hits`, about 0.4 s at 5 fps) are not in
  these figures: they are the detector's choice, the same for every channel.
- Figures, per event: from its start to the `new` message on `frontporch/events` reaching
  a subscriber; and, per alert, from the start of its first event to the encrypted push
  request (RFC 8291, VAPID-signed) arriving at the push endpoint.
- Baseline, same events: from the start to the index writer publishing the event as new
  (`hub/changes.py`), which is when alerts and MQTT first hear of it; the ratio shows what
  the MQTT and push paths add."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def mosquitto(folder: Path) -> Iterator[int]:
    """A Mosquitto broker on a free local port, for the run."""
    port = free_port()
    config = folder / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n", encoding="utf-8"
    )
    broker = subprocess.Popen(
        [MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        broker.terminate()
        broker.wait(timeout=10)


class PushEndpoint:
    """An HTTP endpoint standing in for a push service: notes each request's arrival."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}  # Topic header → first arrival time
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                at = time.time()
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrivals.setdefault(self.headers.get("Topic", ""), at)
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/push/bench"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _browser_keys() -> dict[str, str]:
    """A subscription's keys as a browser makes them: a P-256 key and an auth secret."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from frontporch.hub.alerts.webpush_crypto import b64url

    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(public), "auth": b64url(secrets.token_bytes(16))}


def _measure(folder: Path, run_s: float) -> dict[str, list[float]]:
    import paho.mqtt.client as paho

    from frontporch.hub.alerts.push import subscribe, topic_for
    from frontporch.hub.changes import Change, ChangeType, EventChange
    from frontporch.hub.config import parse_config
    from frontporch.hub.process.runtime import build_hub
    from frontporch.scenes import write_scene

    scene = folder / "porch.mp4"
    write_scene("porch", scene, width=640, height=360, duration_s=20, seed=1)
    indexed: dict[str, float] = {}
    starts: dict[str, float] = {}
    mqtt_new: dict[str, float] = {}
    endpoint = PushEndpoint()

    def heard(change: Change) -> None:
        if isinstance(change, EventChange) and change.type is ChangeType.new:
            indexed.setdefault(change.after.id, time.time())
            starts.setdefault(change.after.id, change.after.start)

    with mosquitto(folder) as port:
        listener = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="bench-listener")

        def message(client: Any, userdata: Any, msg: Any) -> None:
            at = time.time()
            body = json.loads(msg.payload)
            if body.get("type") == "new":
                mqtt_new.setdefault(body["after"]["id"], at)

        listener.on_message = message
        listener.connect("127.0.0.1", port)
        listener.subscribe("frontporch/events", qos=1)
        listener.loop_start()
        raw = {
            "storage": {"path": str(folder / "hub"), "min_free_gb": 0},
            "web": {"host": "127.0.0.1", "port": free_port()},
            "mqtt": {"enabled": True, "host": "127.0.0.1", "port": port},
            # Every event its own review item, so each is alerted (and measured).
            "alerts": {"join_gap_s": 0},
            "cameras": {
                "porch": {
                    "inputs": [{"url": str(scene), "loop": True, "realtime": True}],
                    "detect": {"fps": 5.0, "width": 640, "height": 360},
                    "events": {"pre_capture_s": 1, "post_capture_s": 1, "quiet_s": 3},
                }
            },
        }
        hub = build_hub(parse_config(raw, "benchmark configuration"))
        hub.alerts.set_rule("porch", {"labels": ["person"], "cooldown_s": 0})
        subscribe(hub.store, {"endpoint": endpoint.url, "keys": _browser_keys()}, "bench", 0.0)
        hub.changes.subscribe(heard)
        hub.start()
        try:
            time.sleep(run_s)
        finally:
            hub.stop()
            listener.loop_stop()
            listener.disconnect()
            endpoint.close()
    figures: dict[str, list[float]] = {"index": [], "mqtt": [], "push": [], "push_index": []}
    for event_id, start in starts.items():
        if event_id in mqtt_new:
            figures["index"].append(indexed[event_id] - start)
            figures["mqtt"].append(mqtt_new[event_id] - start)
        topic = topic_for(event_id)  # an alert's id is its review item's first event
        if topic in endpoint.arrivals:
            figures["push"].append(endpoint.arrivals[topic] - start)
            figures["push_index"].append(indexed[event_id] - start)
    return figures


def run(quick: bool) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="frontporch-bench-alerts-") as temporary:
        figures = _measure(Path(temporary), QUICK_RUN_S if quick else RUN_S)
    results = []
    for key, name in (
        ("mqtt", "a person appearing to the MQTT `new` event"),
        ("push", "a person appearing to the Web Push request leaving the hub"),
    ):
        ours = [s * 1000 for s in figures[key]]
        base = [s * 1000 for s in figures["index" if key == "mqtt" else "push_index"]]
        if not ours:
            results.append(
                Result(
                    name=name,
                    figure=float("nan"),
                    unit="ms",
                    baseline=None,
                    baseline_unit="",
                    ratio=None,
                    target="reported",
                    passed=False,
                    notes="no event reached the receiver in the run",
                )
            )
            continue
        results.append(
            Result(
                name=name,
                figure=median(ours),
                unit="ms",
                baseline=median(base),
                baseline_unit="ms (the same events reaching the index)",
                ratio=ratio(median(ours), median(base)),
                target="reported",
                passed=None,
                repeats=len(ours),
                figure_best=best(ours),
                baseline_best=best(base),
                raw={"ms": ours, "index_ms": base},
            )
        )
    return results
