"""Retention decisions: worked examples, then properties against a brute-force oracle."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from frontporch.hub.config import RetainConfig
from frontporch.hub.recording.retention import (
    DAY_S,
    Window,
    capture_windows,
    plan_disk_floor,
    plan_retention,
)

NOW = 100 * DAY_S
RULES = {"front": RetainConfig(all_days=1, motion_days=7, event_days=30)}


@dataclass(frozen=True)
class Seg:
    id: int
    camera: str
    start: float
    end: float
    size_bytes: int = 100


@dataclass(frozen=True)
class Motion:
    camera: str
    start: float
    end: float


def seg_ending(days_ago: float, seg_id: int = 1, camera: str = "front") -> Seg:
    end = NOW - days_ago * DAY_S
    return Seg(seg_id, camera, end - 10, end)


def test_young_segments_are_kept_and_old_plain_ones_go() -> None:
    young, old = seg_ending(0.5, 1), seg_ending(1.5, 2)
    assert plan_retention([young, old], [], [], RULES, NOW) == [2]


def test_age_counts_from_the_segments_end() -> None:
    straddling = Seg(1, "front", NOW - DAY_S - 5, NOW - DAY_S + 5)
    assert plan_retention([straddling], [], [], RULES, NOW) == []


def test_motion_keeps_a_segment_for_motion_days() -> None:
    three, eight = seg_ending(3, 1), seg_ending(8, 2)
    motion = [Motion("front", s.start + 2, s.start + 3) for s in (three, eight)]
    assert plan_retention([three, eight], motion, [], RULES, NOW) == [2]


def test_motion_on_another_camera_keeps_nothing() -> None:
    segment = seg_ending(3)
    motion = [Motion("back", segment.start, segment.end)]
    assert plan_retention([segment], motion, [], RULES, NOW) == [1]


def test_event_window_keeps_a_segment_for_event_days() -> None:
    twenty, forty = seg_ending(20, 1), seg_ending(40, 2)
    windows = [Window("front", s.start, s.end) for s in (twenty, forty)]
    assert plan_retention([twenty, forty], [], windows, RULES, NOW) == [2]


def test_post_capture_extends_protection_past_the_event_end() -> None:
    segment = seg_ending(20)
    event = Window("front", segment.start - 30, segment.start - 3)
    assert plan_retention([segment], [], [event], RULES, NOW) == [1]
    widened = capture_windows([event], {"front": (5.0, 5.0)})
    assert widened == [Window("front", segment.start - 35, segment.start + 2)]
    assert plan_retention([segment], [], widened, RULES, NOW) == []


def test_open_event_keeps_everything_after_its_start() -> None:
    before, after = seg_ending(90, 1), seg_ending(80, 2)
    open_event = Window("front", after.start - 1, None)
    assert plan_retention([before, after], [], [open_event], RULES, NOW) == [1]


def test_capture_windows_keep_open_events_open() -> None:
    assert capture_windows([Window("front", 100.0, None)], {"front": (5.0, 5.0)}) == [
        Window("front", 95.0, None)
    ]


def test_a_camera_without_rules_is_judged_by_the_defaults() -> None:
    default = RetainConfig()
    kept = seg_ending(default.all_days / 2, 1, camera="gone")
    expired = seg_ending(default.all_days + 1, 2, camera="gone")
    assert plan_retention([kept, expired], [], [], RULES, NOW) == [2]


def test_disk_floor_deletes_oldest_first_until_enough() -> None:
    segments = [Seg(i, "front", i * 10.0, i * 10.0 + 10, size_bytes=100) for i in range(10)]
    assert plan_disk_floor(segments, free_bytes=1_000, floor_bytes=1_250) == [0, 1, 2]
    assert plan_disk_floor(segments, free_bytes=1_250, floor_bytes=1_250) == []


def test_disk_floor_spares_open_events() -> None:
    segments = [Seg(i, "front", i * 10.0, i * 10.0 + 10, size_bytes=100) for i in range(4)]
    open_event = Window("front", 25.0, None)
    assert plan_disk_floor(segments, 0, 10_000, [open_event]) == [0, 1]


# -- properties ---------------------------------------------------------------------

CAMERAS = ("front", "back", "side")  # "side" has no rules: the defaults apply


@st.composite
def retain_configs(draw: st.DrawFn) -> RetainConfig:
    days = sorted(draw(st.floats(0, 40)) for _ in range(3))
    return RetainConfig(all_days=days[0], motion_days=days[1], event_days=days[2])


@st.composite
def intervals(draw: st.DrawFn, max_len: float) -> tuple[float, float]:
    start = draw(st.floats(0, NOW))
    return start, start + draw(st.floats(0, max_len))


segments_st = st.lists(
    st.builds(
        lambda i, cam, span, size: Seg(i, cam, span[0], span[1], size),
        st.integers(),
        st.sampled_from(CAMERAS),
        intervals(600.0),
        st.integers(0, 10**7),
    ),
    max_size=60,
    unique_by=lambda s: s.id,
)
motion_st = st.lists(
    st.builds(lambda cam, span: Motion(cam, *span), st.sampled_from(CAMERAS), intervals(3 * DAY_S)),
    max_size=20,
)
windows_st = st.lists(
    st.builds(
        lambda cam, span, is_open: Window(cam, span[0], None if is_open else span[1]),
        st.sampled_from(CAMERAS),
        intervals(2 * DAY_S),
        st.booleans(),
    ),
    max_size=10,
)
rules_st = st.fixed_dictionaries({"front": retain_configs(), "back": retain_configs()})


def touches(seg: Seg, start: float, end: float) -> bool:
    return seg.start <= end and start <= seg.end


def protected(seg: Seg, motion: list[Motion], windows: list[Window], rule: RetainConfig) -> bool:
    """The rules written out directly, one segment at a time."""
    age = (NOW - seg.end) / DAY_S
    same = [w for w in windows if w.camera == seg.camera]
    return (
        age < rule.all_days
        or any(w.end is None and seg.end >= w.start for w in same)
        or (
            age < rule.motion_days
            and any(m.camera == seg.camera and touches(seg, m.start, m.end) for m in motion)
        )
        or (
            age < rule.event_days
            and any(w.end is not None and touches(seg, w.start, w.end) for w in same)
        )
    )


@settings(max_examples=300, deadline=None)
@given(segments_st, motion_st, windows_st, rules_st)
def test_plan_matches_the_rules_exactly(
    segments: list[Seg], motion: list[Motion], windows: list[Window], rules: dict[str, RetainConfig]
) -> None:
    planned = plan_retention(segments, motion, windows, rules, NOW)
    expected = [
        s.id
        for s in segments
        if not protected(s, motion, windows, rules.get(s.camera, RetainConfig()))
    ]
    assert planned == expected


@settings(max_examples=300, deadline=None)
@given(segments_st, windows_st, st.integers(0, 10**8), st.integers(0, 10**8))
def test_disk_floor_frees_enough_oldest_first_and_spares_open_events(
    segments: list[Seg], windows: list[Window], free: int, floor: int
) -> None:
    oldest_first = sorted(segments, key=lambda s: (s.start, s.id))
    chosen = plan_disk_floor(oldest_first, free, floor, windows)
    by_id = {s.id: s for s in segments}

    def in_open_event(s: Seg) -> bool:
        return any(w.camera == s.camera and w.end is None and s.end >= w.start for w in windows)

    deletable = [s for s in oldest_first if not in_open_event(s)]
    assert not any(in_open_event(by_id[i]) for i in chosen)
    assert chosen == [s.id for s in deletable[: len(chosen)]]  # a prefix: oldest first
    freed = sum(by_id[i].size_bytes for i in chosen)
    assert free + freed >= floor or len(chosen) == len(deletable)
    if chosen:  # minimal: without the last one, it would not have been enough
        assert free + freed - by_id[chosen[-1]].size_bytes < floor
