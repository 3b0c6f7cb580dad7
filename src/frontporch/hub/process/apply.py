"""Applying a saved configuration to the running hub without stopping other cameras.

`plan_apply` (pure) compares the running configuration with the new one, camera by
camera: a camera that is new gets a worker, one that is gone has its worker stopped
(its recordings stay on disk and in the index, and retention keeps its own rules for
them until the next start), one whose settings changed has its worker restarted, and
one whose only change is its friendly `name` is left running. `apply_config` carries
the plan out on a `Hub` and updates what else holds per-camera settings: the index
writer's camera reports, the janitor's retention rules and event padding, the owner's
switches (`Controls`), and the desks that read `config` (alerts, requests, notices,
backup). What it cannot change live (storage, web, detector, MQTT settings and the
cameras MQTT announces) is listed in the report as needing a restart.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from frontporch.hub.config import CameraConfig, HubConfig
from frontporch.hub.process.index_writer import CameraReport
from frontporch.hub.process.worker import SWITCH_DETECT, SWITCH_RECORD

if TYPE_CHECKING:
    from frontporch.hub.process.runtime import Hub

log = logging.getLogger(__name__)
_APPLYING = threading.Lock()

# Top-level sections a running hub reads only at start.
RESTART_SECTIONS = ("storage", "web", "detector", "mqtt")
# Camera settings that do not reach the camera's worker: changing them restarts nothing.
NO_WORKER_FIELDS = frozenset({"name", "review"})


@dataclass(frozen=True)
class ApplyPlan:
    """What changes between two configurations, camera by camera."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    restarted: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()  # changed, but nothing its worker uses (name, review)
    unchanged: tuple[str, ...] = ()
    needs_restart: tuple[str, ...] = ()  # sentences: what waits for the hub's restart


@dataclass(frozen=True)
class ApplyReport(ApplyPlan):
    """What `apply_config` did; `failed` names cameras whose worker could not be changed."""

    failed: tuple[str, ...] = field(default=())


def _worker_view(camera: CameraConfig) -> dict[str, object]:
    return camera.model_dump(exclude=set(NO_WORKER_FIELDS))


def plan_apply(old: HubConfig, new: HubConfig) -> ApplyPlan:
    """Which cameras to start, stop, restart or leave alone, and what needs a restart."""
    added = tuple(name for name in new.cameras if name not in old.cameras)
    removed = tuple(name for name in old.cameras if name not in new.cameras)
    restarted: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for name, camera in new.cameras.items():
        before = old.cameras.get(name)
        if before is None:
            continue
        if before == camera:
            unchanged.append(name)
        elif _worker_view(before) == _worker_view(camera):
            updated.append(name)
        else:
            restarted.append(name)
    needs_restart = [
        f"'{section}' changed: restart the hub to use the new settings"
        for section in RESTART_SECTIONS
        if getattr(old, section) != getattr(new, section)
    ]
    if new.mqtt.enabled and (added or removed):
        needs_restart.append(
            "MQTT announces the cameras it had at start: restart the hub to announce "
            "added or removed cameras to Home Assistant"
        )
    return ApplyPlan(
        added=added,
        removed=removed,
        restarted=tuple(restarted),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        needs_restart=tuple(needs_restart),
    )


def apply_config(hub: Hub, new: HubConfig) -> ApplyReport:
    """Bring the running hub to `new` (see the module docstring); returns what it did.

    Two saves in quick succession are applied one after the other, never interleaved."""
    with _APPLYING:
        return _apply(hub, new)


def _apply(hub: Hub, new: HubConfig) -> ApplyReport:
    plan = plan_apply(hub.config, new)
    failed: list[str] = []
    # Everything that reads per-camera settings sees the new ones before any worker of
    # a new camera reports, so its first segment finds rules and a report waiting.
    for name in plan.added:
        hub.writer.reports.setdefault(name, CameraReport())
    hub.controls.track_cameras(new.cameras)
    hub.janitor.rules = {n: c.record.retain for n, c in new.cameras.items()}
    hub.janitor.padding = {
        n: (c.events.pre_capture_s, c.events.post_capture_s) for n, c in new.cameras.items()
    }
    hub.config = new
    for desk in (hub.requests, hub.notices, hub.alerts, hub.backup):
        desk.config = new
    for name in plan.removed:
        try:
            hub.supervisor.remove(name)
        except Exception:
            log.exception("camera %s: could not stop its worker", name)
            failed.append(name)
    for name in plan.added:
        try:
            hub.supervisor.add(name, new.cameras[name])
            _sync_switches(hub, name)
        except Exception:
            log.exception("camera %s: could not start its worker", name)
            failed.append(name)
    for name in plan.restarted:
        try:
            # A worker that had reported it cannot start is given its new settings.
            hub.writer.reports.setdefault(name, CameraReport()).stats = None
            hub.supervisor.replace(name, new.cameras[name])
        except Exception:
            log.exception("camera %s: could not restart its worker", name)
            failed.append(name)
    for name in plan.updated:
        slot = hub.supervisor.slots.get(name)
        if slot is not None:
            slot.config = new.cameras[name]
    log.info(
        "configuration applied: %d added, %d removed, %d restarted, %d untouched",
        len(plan.added),
        len(plan.removed),
        len(plan.restarted),
        len(plan.unchanged) + len(plan.updated),
    )
    return ApplyReport(
        added=plan.added,
        removed=plan.removed,
        restarted=plan.restarted,
        updated=plan.updated,
        unchanged=plan.unchanged,
        needs_restart=plan.needs_restart,
        failed=tuple(failed),
    )


def _sync_switches(hub: Hub, name: str) -> None:
    if name not in hub.supervisor.slots:
        return
    switches = hub.controls.switches(name)
    hub.supervisor.set_switch(name, SWITCH_DETECT, switches.detect)
    hub.supervisor.set_switch(name, SWITCH_RECORD, switches.record)
