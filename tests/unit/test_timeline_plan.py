"""The timeline's pure core: merged spans, gaps and their reasons, the playback plan,
and the export range checks."""

from __future__ import annotations

import pytest

from frontporch.hub.exports.model import MAX_EXPORT_S, ExportError, check_range
from frontporch.hub.timeline.plan import (
    NOT_RECORDED,
    OUTAGE_REASON,
    Gap,
    PlannedSegment,
    PlaybackPlan,
    Span,
    clip_spans,
    find_gaps,
    merge_spans,
)


def test_back_to_back_segments_merge_into_one_span_and_a_real_gap_splits_them() -> None:
    segments = [(10.0, 20.0), (0.0, 10.0), (20.3, 30.0), (45.0, 55.0), (50.0, 52.0)]
    assert merge_spans(segments) == [Span(0.0, 30.0), Span(45.0, 55.0)]


def test_join_zero_keeps_spans_that_only_nearly_touch_apart() -> None:
    assert merge_spans([(0.0, 1.0), (1.5, 2.0)], join_s=0.0) == [Span(0.0, 1.0), Span(1.5, 2.0)]


def test_gaps_say_outage_when_the_camera_was_unreachable_else_not_recorded() -> None:
    recorded = [Span(100.0, 200.0), Span(260.0, 300.0)]
    outages = [(205.0, 255.0, "connection refused")]
    gaps = find_gaps(recorded, outages, 50.0, 400.0, now=350.0)
    assert gaps == [
        Gap(50.0, 100.0, NOT_RECORDED),
        Gap(200.0, 260.0, f"{OUTAGE_REASON}: connection refused"),
        Gap(300.0, 350.0, NOT_RECORDED),  # the future (after now) is no gap
    ]


def test_an_ongoing_outage_lasts_until_now() -> None:
    gaps = find_gaps([Span(0.0, 10.0)], [(10.0, None, "")], 0.0, 100.0, now=40.0)
    assert gaps == [Gap(10.0, 40.0, OUTAGE_REASON)]


def test_a_fully_recorded_window_has_no_gap() -> None:
    assert find_gaps([Span(0.0, 100.0)], [], 10.0, 90.0) == []


def test_spans_are_cut_to_the_window() -> None:
    assert clip_spans([(0.0, 10.0), (15.0, 30.0), (40.0, 50.0)], 5.0, 20.0) == [
        Span(5.0, 10.0),
        Span(15.0, 20.0),
    ]


PLAN = PlaybackPlan(
    [
        PlannedSegment(3, 104.0, 106.0, "c"),
        PlannedSegment(1, 100.0, 102.0, "a"),
        PlannedSegment(2, 102.0, 104.0, "b"),
        PlannedSegment(4, 111.0, 113.0, "d"),  # after a 5 s outage
    ]
)


@pytest.mark.parametrize(
    ("wall", "index", "offset", "jumped"),
    [
        (100.0, 0, 0.0, False),
        (101.5, 0, 1.5, False),
        (102.0, 1, 0.0, False),  # a boundary belongs to the segment that starts there
        (105.9, 2, 1.9, False),
        (107.0, 3, 0.0, True),  # in the outage: the next recording's start
        (99.0, 0, 0.0, True),
    ],
)
def test_locate_maps_wall_time_to_segment_and_offset(
    wall: float, index: int, offset: float, jumped: bool
) -> None:
    position = PLAN.locate(wall)
    assert position is not None
    assert (position.index, round(position.offset, 6), position.jumped) == (index, offset, jumped)
    if not jumped:
        assert PLAN.wall_time(position.index, position.offset) == pytest.approx(wall)


def test_locate_after_the_last_recording_finds_nothing() -> None:
    assert PLAN.locate(113.0) is None
    assert PLAN.following(3) is None
    assert PLAN.following(0) == PlannedSegment(2, 102.0, 104.0, "b")


def test_overlapping_segments_the_later_one_wins_from_its_start() -> None:
    plan = PlaybackPlan([PlannedSegment(1, 0.0, 10.0, "a"), PlannedSegment(2, 8.0, 12.0, "b")])
    found = plan.locate(9.0)
    assert found is not None
    assert plan.segments[found.index].id == 2


def test_export_ranges_must_be_forward_and_at_most_a_day() -> None:
    check_range(0.0, MAX_EXPORT_S)
    with pytest.raises(ExportError, match="must end after it starts") as empty:
        check_range(10.0, 10.0)
    assert empty.value.status == 400
    with pytest.raises(ExportError, match="at most 24 hours"):
        check_range(0.0, MAX_EXPORT_S + 1)
