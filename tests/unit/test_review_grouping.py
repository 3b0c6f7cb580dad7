"""The pure review-item rule: which events make one item, its union and severity."""

from __future__ import annotations

from alert_tools import T0, event
from frontporch.hub.review.config import ReviewConfig
from frontporch.hub.review.grouping import Severity, group_events, spans_touch, summarize


def test_overlapping_and_near_spans_touch_far_ones_do_not() -> None:
    assert spans_touch(0, 10, 5, 20, gap_s=0)  # overlap
    assert spans_touch(0, 10, 14, 20, gap_s=5)  # a short gap after
    assert spans_touch(14, 20, 0, 10, gap_s=5)  # either order
    assert not spans_touch(0, 10, 16, 20, gap_s=5)
    assert spans_touch(0, None, 1000, None, gap_s=0)  # an open item reaches to now
    assert not spans_touch(100, None, 0, 10, gap_s=5)  # but not back in time


def test_a_person_and_a_dog_together_are_one_item_with_both_labels() -> None:
    person = event("p", start=T0, end=T0 + 20, labels=("person",), zones=("porch",))
    dog = event("d", start=T0 + 3, end=T0 + 15, labels=("dog",), zones=("drive",))
    (group,) = group_events([dog, person], gap_s=10)
    summary = summarize(group, ReviewConfig())
    assert summary.event_ids == ("p", "d")
    assert summary.labels == ("person", "dog")
    assert summary.zones == ("porch", "drive")
    assert (summary.start, summary.end) == (T0, T0 + 20)
    assert summary.severity is Severity.alert


def test_stepping_out_of_view_briefly_is_one_item_far_apart_is_two() -> None:
    first = event("a", start=T0, end=T0 + 10)
    back = event("b", start=T0 + 14, end=T0 + 30)  # 4 s out of view
    later = event("c", start=T0 + 300, end=T0 + 310)
    groups = group_events([later, back, first], gap_s=10)
    assert [[e.id for e in g] for g in groups] == [["a", "b"], ["c"]]


def test_an_open_event_keeps_its_item_open() -> None:
    summary = summarize(
        [event("a", start=T0, end=T0 + 5), event("b", start=T0 + 2)], ReviewConfig()
    )
    assert summary.end is None


def test_severity_follows_alert_labels_and_zones_per_event() -> None:
    porch_only = ReviewConfig(alert_labels=["person"], alert_zones=["porch"])
    street_person = event("p", labels=("person",), zones=("street",))
    porch_dog = event("d", labels=("dog",), zones=("porch",))
    # A person elsewhere and a dog on the porch are not a person on the porch.
    assert summarize([street_person, porch_dog], porch_only).severity is Severity.detection
    porch_person = event("q", labels=("person",), zones=("porch",))
    assert summarize([porch_dog, porch_person], porch_only).severity is Severity.alert
    assert summarize([porch_dog], ReviewConfig()).severity is Severity.detection
    dogs = ReviewConfig(alert_labels=["dog"])
    assert summarize([porch_dog], dogs).severity is Severity.alert
