"""The owner's switches the running hub obeys, from the UI, the API or MQTT.

Per camera: `detect` (analyse for objects), `record` (write segments) and `alerts`
(send alerts for its events); for the household: `away` ("nobody home", which alert
rules can require). Each starts from the config (`detect.enabled`, `record.enabled`;
alerts on; away off), and once changed the owner's value is kept in the index, so it
survives a restart. Whoever must act on a change subscribes: the hub process passes
detect and record to the camera workers, MQTT publishes the new retained state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from frontporch.hub.config import CameraConfig

log = logging.getLogger(__name__)

HOME = "home"  # the scope of the household's switches


class Switch(StrEnum):
    detect = "detect"
    record = "record"
    alerts = "alerts"


@dataclass(frozen=True, slots=True)
class CameraSwitches:
    detect: bool
    record: bool
    alerts: bool

    def value(self, switch: Switch) -> bool:
        return bool(getattr(self, switch.value))


@dataclass(frozen=True, slots=True)
class ControlChange:
    """A switch changed: `camera` is None for the household's `away`."""

    camera: str | None
    switch: Switch | None  # None for `away`
    value: bool
    by: str  # "owner", "api", "mqtt", ...


class SwitchStore(Protocol):
    def switch_values(self) -> dict[tuple[str, str], bool]: ...

    def set_switch(self, scope: str, name: str, value: bool, by: str, at: float) -> None: ...


class UnknownCamera(KeyError):
    """No camera by that name."""


class Controls:
    """The switches; safe to share between threads."""

    def __init__(
        self,
        store: SwitchStore,
        cameras: Mapping[str, CameraConfig],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._listeners: list[Callable[[ControlChange], None]] = []
        saved = store.switch_values()
        self._cameras = {
            name: CameraSwitches(
                detect=saved.get((name, Switch.detect), camera.detect.enabled),
                record=saved.get((name, Switch.record), camera.record.enabled),
                alerts=saved.get((name, Switch.alerts), True),
            )
            for name, camera in cameras.items()
        }
        self._away = saved.get((HOME, "away"), False)

    def cameras(self) -> list[str]:
        return list(self._cameras)

    def track_cameras(self, cameras: Mapping[str, CameraConfig]) -> None:
        """Follow a configuration saved while running: a new camera gets its switches
        (saved ones, else from its config), a removed one's are forgotten (its saved
        values stay in the index for when it comes back)."""
        saved = self._store.switch_values()
        with self._lock:
            for name in [n for n in self._cameras if n not in cameras]:
                del self._cameras[name]
            for name, camera in cameras.items():
                if name not in self._cameras:
                    self._cameras[name] = CameraSwitches(
                        detect=saved.get((name, Switch.detect), camera.detect.enabled),
                        record=saved.get((name, Switch.record), camera.record.enabled),
                        alerts=saved.get((name, Switch.alerts), True),
                    )

    def switches(self, camera: str) -> CameraSwitches:
        try:
            return self._cameras[camera]
        except KeyError:
            raise UnknownCamera(camera) from None

    @property
    def away(self) -> bool:
        """Whether the household said nobody is home."""
        return self._away

    def set(self, camera: str, switch: Switch, value: bool, by: str) -> CameraSwitches:
        """Set one camera's switch (kept in the index), tell the listeners; the new state."""
        with self._lock:
            current = self.switches(camera)
            values = {s.value: current.value(s) for s in Switch}
            values[switch.value] = value
            self._store.set_switch(camera, switch.value, value, by, self._clock())
            self._cameras[camera] = updated = CameraSwitches(**values)
        self._tell(ControlChange(camera, switch, value, by))
        return updated

    def set_away(self, value: bool, by: str) -> None:
        with self._lock:
            self._store.set_switch(HOME, "away", value, by, self._clock())
            self._away = value
        self._tell(ControlChange(None, None, value, by))

    def subscribe(self, listener: Callable[[ControlChange], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def _tell(self, change: ControlChange) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:  # one listener's bug must not undo the switch for the rest
                log.exception("a controls listener failed")
