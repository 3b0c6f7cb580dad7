"""The index writer's change feed (`hub/changes.py`) and the owner's switches
(`hub/controls.py`) on a real hub index in a temporary folder."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from fakes import hub_config
from frontporch.hub.changes import Change, Changes, ChangeType, EventChange, StatsChange
from frontporch.hub.controls import ControlChange, Controls, Switch, UnknownCamera
from frontporch.hub.process.index_writer import IndexWriter
from frontporch.hub.process.messages import CameraState, EventMessage, WorkerStats
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import SNAPSHOT_DIR


def event(kind: str, *, end: float | None = None, score: float = 0.7, jpeg: bytes | None = None):
    return EventMessage(
        camera="porch",
        kind=kind,
        event_id="e1",
        labels=("person",),
        top_score=score,
        start=100.0,
        end=end,
        zones=("walkway",),
        snapshot_jpeg=jpeg,
        clean_jpeg=jpeg,
    )


@pytest.fixture
def store(tmp_path: Path) -> HubStore:
    store = HubStore(tmp_path / "index.db")
    yield store
    store.close()


def test_each_event_message_becomes_new_update_end_with_before_and_after(
    store: HubStore, tmp_path: Path
) -> None:
    changes = Changes()
    heard: list[Change] = []
    changes.subscribe(heard.append)
    (tmp_path / SNAPSHOT_DIR).mkdir()
    writer = IndexWriter(
        store, tmp_path, tmp_path / "recordings", queue.Queue(), ["porch"], changes
    )

    writer.apply(event("opened", jpeg=b"\xff\xd8first"))
    writer.apply(event("updated", score=0.9))
    writer.apply(event("closed", end=130.0, score=0.9))
    writer.apply(WorkerStats("porch", CameraState.online, 15.0, 5.0, 2, 0, None, True))

    new, update, end, stats = heard
    assert isinstance(new, EventChange)
    assert new.type is ChangeType.new
    assert new.before is None
    assert new.after.snapshot is not None  # the snapshot was on disk before the change
    assert new.snapshot_jpeg == b"\xff\xd8first"
    assert (tmp_path / new.after.snapshot).read_bytes() == b"\xff\xd8first"
    assert isinstance(update, EventChange)
    assert update.type is ChangeType.update
    assert update.before is not None
    assert (update.before.top_score, update.after.top_score) == (0.7, 0.9)
    assert update.snapshot_jpeg is None
    assert isinstance(end, EventChange)
    assert end.type is ChangeType.end
    assert end.before is not None
    assert (end.before.end, end.after.end) == (None, 130.0)
    assert isinstance(stats, StatsChange)
    assert stats.stats.skipped_frames == 2


def test_a_listener_that_raises_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    changes = Changes()
    heard: list[Change] = []

    def broken(change: Change) -> None:
        raise RuntimeError("listener bug")

    changes.subscribe(broken)
    changes.subscribe(heard.append)
    stats = StatsChange("porch", WorkerStats("porch", CameraState.online, 1, 1, 0, 0, None, True))
    changes.publish(stats)
    assert heard == [stats]
    assert "a change listener failed" in caplog.text
    changes.unsubscribe(heard.append)
    changes.publish(stats)
    assert heard == [stats]


def test_switches_start_from_the_config_and_keep_the_owners_values(store: HubStore) -> None:
    config = hub_config("porch", "yard")
    controls = Controls(store, config.cameras, clock=lambda: 1000.0)
    assert controls.switches("porch").detect is config.cameras["porch"].detect.enabled
    assert controls.switches("porch").alerts is True
    assert controls.away is False
    told: list[ControlChange] = []
    controls.subscribe(told.append)

    after = controls.set("porch", Switch.record, False, by="mqtt")
    controls.set_away(True, by="owner")

    assert after.record is False
    assert controls.switches("yard").record is True  # one camera's switch only
    assert told == [
        ControlChange("porch", Switch.record, False, "mqtt"),
        ControlChange(None, None, True, "owner"),
    ]
    again = Controls(store, config.cameras)
    assert again.switches("porch").record is False
    assert again.away is True
    with pytest.raises(UnknownCamera):
        controls.set("garage", Switch.detect, False, by="mqtt")
