"""Camera worker processes: one per enabled camera, restarted when it dies, stopped on request.

Each camera runs `worker.camera_main` in its own process, started with "spawn" (a fresh
interpreter, so no lock or thread of the hub is inherited half-held). A worker that
exits is restarted after a backoff that doubles from 1 s up to a minute, back to 1 s
once a worker has run for a minute; a worker that reported it cannot start (`failed`:
a configuration problem, which a restart would only repeat) is left stopped. One
camera's crashes never touch another camera's process.

Live viewers are counted per camera in an integer in shared memory, which the camera's
process reads once per packet: it remuxes its stream for live view only while the count
is above zero.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing.synchronize
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from typing import Any

from frontporch.hub.config import CameraConfig, DetectorConfig
from frontporch.hub.process.messages import Outbox
from frontporch.hub.process.worker import camera_main

log = logging.getLogger(__name__)

RESTART_MAX_S = 60.0
STABLE_S = 60.0  # a worker that ran this long starts its next backoff at 1 s again
CHECK_EVERY_S = 1.0
STOP_TIMEOUT_S = 15.0  # a worker closes its segment in time; after this it is killed


@dataclass
class CameraSlot:
    """One camera's worker process, as the supervisor knows it."""

    name: str
    config: CameraConfig
    viewers: ctypes.c_int  # in shared memory: the camera's process reads it per packet
    # The owner's [detect, record] switches, in shared memory, read per frame and packet.
    switches: Any
    process: SpawnProcess | None = None
    stop: multiprocessing.synchronize.Event | None = None
    restarts: int = 0
    next_start: float = 0.0
    backoff: float = 1.0
    started_at: float = 0.0


class Supervisor:
    """Starts, restarts and stops the camera workers; they report over `outbox`.

    `gave_up(name)` says whether a camera's worker reported that it cannot start;
    `starting(name)` is called before each start of a camera's worker.
    """

    def __init__(
        self,
        cameras: Mapping[str, CameraConfig],
        detector: DetectorConfig,
        recordings: Path,
        context: SpawnContext,
        outbox: Outbox,
        *,
        gave_up: Callable[[str], bool],
        starting: Callable[[str], None],
    ) -> None:
        self.detector = detector
        self.recordings = recordings
        self.outbox = outbox
        self._context = context
        self._gave_up = gave_up
        self._starting = starting
        self.slots = {
            name: CameraSlot(
                name,
                camera,
                context.RawValue(ctypes.c_int, 0),
                context.RawArray(ctypes.c_bool, [camera.detect.enabled, camera.record.enabled]),
            )
            for name, camera in cameras.items()
        }
        self._viewers_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-supervisor", daemon=True)

    def start(self) -> None:
        """Start every enabled camera's worker, then watch over them."""
        for slot in self.slots.values():
            if slot.config.enabled:
                self._spawn(slot)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching, then ask every worker to stop; one that does not is killed."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for slot in self.slots.values():
            if slot.stop is not None:
                slot.stop.set()
        for slot in self.slots.values():
            if slot.process is not None:
                slot.process.join(timeout=STOP_TIMEOUT_S)
                if slot.process.is_alive():
                    slot.process.kill()

    def set_switch(self, name: str, index: int, value: bool) -> None:
        """Set one of the camera's shared switches (`worker.SWITCH_DETECT`/`SWITCH_RECORD`);
        its worker sees it at the next frame or packet, with no restart."""
        self.slots[name].switches[index] = value

    @contextmanager
    def watch(self, name: str) -> Iterator[None]:
        """Count one viewer of the camera's live stream while inside."""
        slot = self.slots[name]
        with self._viewers_lock:
            slot.viewers.value += 1
        try:
            yield
        finally:
            with self._viewers_lock:
                slot.viewers.value -= 1

    def check(self, now: float) -> None:
        """Schedule the restart of each worker that exited, and restart those due."""
        for slot in self.slots.values():
            process = slot.process
            if process is None or process.is_alive() or self._stopping.is_set():
                continue
            if self._gave_up(slot.name):
                continue
            if slot.next_start == 0.0:
                if now - slot.started_at > STABLE_S:
                    slot.backoff = 1.0
                slot.next_start = now + slot.backoff
                log.warning(
                    "camera %s worker exited (code %s); restarting in %.0f s",
                    slot.name,
                    process.exitcode,
                    slot.backoff,
                )
            elif now >= slot.next_start:
                slot.next_start = 0.0
                slot.backoff = min(slot.backoff * 2, RESTART_MAX_S)
                slot.restarts += 1
                self._spawn(slot)

    def _run(self) -> None:
        while not self._stopping.wait(CHECK_EVERY_S):
            self.check(time.monotonic())

    def _spawn(self, slot: CameraSlot) -> None:
        self._starting(slot.name)
        slot.stop = self._context.Event()
        slot.process = self._context.Process(
            target=camera_main,
            args=(
                slot.name,
                slot.config,
                self.detector,
                self.recordings,
                self.outbox,
                slot.stop,
                slot.viewers,
                slot.switches,
            ),
            name=f"camera-{slot.name}",
            daemon=True,
        )
        slot.process.start()
        slot.started_at = time.monotonic()
