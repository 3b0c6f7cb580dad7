"""What a pass wants on the target, and what has aged out: decided from rows alone."""

from __future__ import annotations

from frontporch.hub.backup.config import BackupConfig
from frontporch.hub.backup.index import BackupItem, ItemKind
from frontporch.hub.backup.policy import expired, wanted
from frontporch.hub.store.records import Event, Segment

NOW = 1_800_000_000.0
DAY = 86400.0
PADDING = {"front": (5.0, 5.0), "back": (0.0, 0.0)}


def segment(n: int, camera: str, start: float) -> Segment:
    return Segment(n, camera, f"{camera}/{n}.mp4", start, start + 10, 100)


def event(event_id: str, camera: str, start: float, end: float | None) -> Event:
    return Event(
        event_id,
        camera,
        ("person",),
        0.9,
        start,
        end,
        (),
        f"snapshots/{event_id}.jpg",
        None,
        start,
        start,
    )


SEGMENTS = [segment(i, "front", NOW - 3600 + 10 * i) for i in range(10)] + [
    segment(100 + i, "back", NOW - 3600 + 10 * i) for i in range(10)
]


def kinds(config: BackupConfig, events: list[Event]) -> list[tuple[str, str]]:
    return [(c.kind.value, c.path) for c in wanted(config, PADDING, SEGMENTS, events, NOW)]


def test_events_mode_takes_the_event_its_snapshots_and_the_segments_its_clip_covers() -> None:
    got = kinds(BackupConfig(), [event("e1", "front", NOW - 3600 + 32, NOW - 3600 + 41)])
    assert ("event-record", "e1") in got
    assert ("snapshot", "snapshots/e1.jpg") in got
    assert ("snapshot", "snapshots/e1.clean.jpg") in got
    # 32..41 padded by 5 s: 27..46 touches segments 2, 3 and 4.
    assert [p for k, p in got if k == "segment"] == ["front/2.mp4", "front/3.mp4", "front/4.mp4"]


def test_open_events_wait_and_other_cameras_are_left_out() -> None:
    events = [event("open", "front", NOW - 100, None), event("b", "back", NOW - 3600, NOW - 3590)]
    assert kinds(BackupConfig(cameras=["front"]), events) == []


def test_continuous_mode_takes_every_segment_of_the_chosen_cameras() -> None:
    got = kinds(BackupConfig(mode="continuous", cameras=["back"]), [])
    assert len(got) == 10
    assert all(path.startswith("back/") for _, path in got)


def test_footage_older_than_the_policy_is_not_wanted_and_expires_on_the_target() -> None:
    config = BackupConfig(days=1)
    old = event("old", "front", NOW - 2 * DAY, NOW - 2 * DAY + 10)
    assert kinds(config, [old]) == []
    items = [
        BackupItem(ItemKind.segment, "front", NOW - 2 * DAY, NOW - 2 * DAY + 10, "a", "x", 1),
        BackupItem(ItemKind.segment, "front", NOW - 100, NOW - 90, "b", "x", 1),
    ]
    assert [item.path for item in expired(items, config, NOW)] == ["a"]
