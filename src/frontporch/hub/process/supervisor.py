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
    `starting(name)` is called before each start of a camera's worker. Cameras can be
    added, replaced (new settings: its worker restarts) and removed while it runs
    (`add`, `replace`, `remove`); the other cameras' workers are not touched.
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
        self.slots = {name: self._new_slot(name, camera) for name, camera in cameras.items()}
        # Held while `slots` changes, and by `check` while it walks it; never while a
        # worker is being waited for, so a slow stop does not hold up restarts elsewhere.
        self._slots_lock = threading.RLock()
        self._started = False
        self._viewers_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-supervisor", daemon=True)

    def start(self) -> None:
        """Start every enabled camera's worker, then watch over them."""
        with self._slots_lock:
            self._started = True
            for slot in self.slots.values():
                if slot.config.enabled:
                    self._spawn(slot)
        self._thread.start()

    def add(self, name: str, config: CameraConfig) -> CameraSlot:
        """A new camera: its slot, and its worker started at once if the supervisor runs
        and the camera is enabled."""
        with self._slots_lock:
            if name in self.slots:
                raise ValueError(f"camera {name!r} is already supervised")
            slot = self._new_slot(name, config)
            self.slots[name] = slot
            if self._started and config.enabled and not self._stopping.is_set():
                self._spawn(slot)
            return slot

    def replace(self, name: str, config: CameraConfig) -> CameraSlot:
        """New settings for a camera: its worker stops (closing its segment) and one with
        the new settings starts. Live viewers and the owner's switches carry over."""
        with self._slots_lock:
            old = self.slots[name]
            slot = CameraSlot(name, config, old.viewers, old.switches)
            # The old slot leaves the table first, so `check` does not restart it.
            self.slots[name] = slot
        _stop_worker(old)
        with self._slots_lock:
            if self._started and config.enabled and not self._stopping.is_set():
                self._spawn(slot)
        return slot

    def remove(self, name: str) -> None:
        """Stop a camera's worker (its segment is closed) and forget the camera."""
        with self._slots_lock:
            old = self.slots.pop(name)
        _stop_worker(old)

    def _new_slot(self, name: str, camera: CameraConfig) -> CameraSlot:
        return CameraSlot(
            name,
            camera,
            self._context.RawValue(ctypes.c_int, 0),
            self._context.RawArray(ctypes.c_bool, [camera.detect.enabled, camera.record.enabled]),
        )

    def stop(self) -> None:
        """Stop watching, then ask every worker to stop; one that does not is killed."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        with self._slots_lock:
            slots = list(self.slots.values())
        for slot in slots:
            if slot.stop is not None:
                slot.stop.set()
        for slot in slots:
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
        with self._slots_lock:
            slots = list(self.slots.values())
        for slot in slots:
            if self.slots.get(slot.name) is not slot:
                continue  # replaced or removed meanwhile
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
                with self._slots_lock:
                    if self.slots.get(slot.name) is not slot:
                        continue
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


def _stop_worker(slot: CameraSlot) -> None:
    """Ask a slot's worker to stop and wait for it; one that does not stop is killed."""
    if slot.stop is not None:
        slot.stop.set()
    if slot.process is not None:
        slot.process.join(timeout=STOP_TIMEOUT_S)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join(timeout=5)
