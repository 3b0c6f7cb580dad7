"""The owner's switches on a real hub: detect and record take effect in the camera's
worker without a restart, survive a restart of the hub, and the index writer's change
feed reports each event as new, updated and ended with its state before and after."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from frontporch.hub.changes import Change, ChangeType, EventChange
from frontporch.hub.controls import Controls, Switch
from frontporch.hub.process.runtime import Hub
from frontporch.scenes import write_scene
from hubtools import camera, hub_config, running_hub, wait_until

TIMEOUT_S = 120.0


class Collected:
    """Every change the hub publishes, as its listeners get them."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._lock = threading.Lock()

    def __call__(self, change: Change) -> None:
        with self._lock:
            self.changes.append(change)

    def events(self) -> list[EventChange]:
        with self._lock:
            return [c for c in self.changes if isinstance(c, EventChange)]


def segments(hub: Hub) -> int:
    return len(hub.store.segments("porch", 0, time.time() + 60))


def quiet_for(count: Callable[[], int], seconds: float) -> bool:
    """Whether `count()` stays the same for `seconds`."""
    first = count()
    time.sleep(seconds)
    return count() == first


def test_switches_reach_the_worker_and_the_change_feed_tells_before_and_after(
    tmp_path: Path,
) -> None:
    scene = tmp_path / "porch.mp4"
    write_scene("porch", scene, width=640, height=360, duration_s=20, seed=1)
    raw = hub_config(tmp_path / "hub", {"porch": camera(scene, loop=True, segment_s=2.0)})
    collected = Collected()
    with running_hub(raw) as hub:
        hub.changes.subscribe(collected)
        # The feed: an event is new (no state before), then updated, then ends.
        ended = wait_until(
            lambda: next((c for c in collected.events() if c.type is ChangeType.end), None),
            TIMEOUT_S,
            "an event to end",
        )
        history = [c for c in collected.events() if c.after.id == ended.after.id]
        assert history[0].type is ChangeType.new
        assert history[0].before is None
        assert ended.before is not None
        assert ended.before.end is None
        assert ended.after.end is not None
        assert any(c.snapshot_jpeg for c in history), "the best frame came with a change"

        # Record off: the segment being written closes and no new one starts.
        wait_until(lambda: segments(hub) >= 2, TIMEOUT_S, "segments to be recorded")
        hub.controls.set("porch", Switch.record, False, by="test")
        time.sleep(1.0)  # the open segment closes at the next packet
        assert quiet_for(lambda: segments(hub), 4.0), "recording went on with the switch off"
        assert hub.camera_status("porch").online, "the camera stays connected"
        before = segments(hub)
        hub.controls.set("porch", Switch.record, True, by="test")
        wait_until(lambda: segments(hub) > before, TIMEOUT_S, "recording to resume")

        # Detect off: what is open ends, and nothing new is detected.
        hub.controls.set("porch", Switch.detect, False, by="test")
        wait_until(
            lambda: not [e for e in hub.store.list_events(limit=50).events if e.end is None],
            TIMEOUT_S,
            "open events to end with detection off",
        )
        assert quiet_for(lambda: len(collected.events()), 6.0), "detection went on"
        seen = len(collected.events())
        hub.controls.set("porch", Switch.detect, True, by="test")
        wait_until(lambda: len(collected.events()) > seen, TIMEOUT_S, "detection to resume")
        hub.controls.set("porch", Switch.alerts, False, by="test")
        hub.controls.set_away(True, by="test")

    # The owner's values outlive the hub; the config's are only the defaults.
    with running_hub(raw) as again:
        switches = again.controls.switches("porch")
        assert (switches.detect, switches.record, switches.alerts) == (True, True, False)
        assert again.controls.away is True
        assert Controls(again.store, again.config.cameras).switches("porch") == switches
