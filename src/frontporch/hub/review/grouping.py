"""Which events of one camera make one review item, and what the item then says.

The rule, shared with the alert desk (`hub/alerts/grouping.py`) so that one alert is
one review item: two spans of one camera belong together when they overlap or when one
starts within `gap_s` of the other's end (an open span, end None, reaches to now). A
person and a dog arriving together overlap; a person who steps out of view for a few
seconds leaves a short gap; both make one item. Events far apart make separate items.

An item's labels and zones are the union of its events' (in the order first seen). It
is an "alert" when one of its events has an alert label and, when the camera's
`review.alert_zones` is set, that same event was in one of those zones; otherwise a
"detection". Deciding per event, not on the union, matters: a person on the street and
a dog on the porch are not "a person on the porch".

Pure: plain values in, plain values out; no store, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from frontporch.hub.review.config import ReviewConfig


class Severity(StrEnum):
    """What kind of review item: worth an owner's attention now, or just noted."""

    alert = "alert"
    detection = "detection"


class ItemEvent(Protocol):
    """What grouping needs of an event (the store's `Event` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def labels(self) -> tuple[str, ...]: ...
    @property
    def zones(self) -> tuple[str, ...]: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float | None: ...
    @property
    def top_score(self) -> float: ...


E = TypeVar("E", bound=ItemEvent)


def spans_touch(
    a_start: float, a_end: float | None, b_start: float, b_end: float | None, gap_s: float
) -> bool:
    """Whether two spans of one camera belong to one item: they overlap, or the later
    one starts within `gap_s` of the earlier one's end (None: still open)."""
    a_stop = math.inf if a_end is None else a_end
    b_stop = math.inf if b_end is None else b_end
    return a_start <= b_stop + gap_s and b_start <= a_stop + gap_s


def is_alert(event: ItemEvent, config: ReviewConfig) -> bool:
    """Whether this one event makes its item an alert under the camera's review config."""
    if not any(label in config.alert_labels for label in event.labels):
        return False
    return not config.alert_zones or any(zone in config.alert_zones for zone in event.zones)


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """What a review item says, derived from its events."""

    start: float
    end: float | None  # None while any of its events is open
    labels: tuple[str, ...]
    zones: tuple[str, ...]
    severity: Severity
    event_ids: tuple[str, ...]  # by start


def summarize(events: Sequence[ItemEvent], config: ReviewConfig) -> ItemSummary:
    """The item made of `events` (at least one): its span, the union of labels and
    zones, and its severity."""
    if not events:
        raise ValueError("a review item needs at least one event")
    ordered = sorted(events, key=lambda e: (e.start, e.id))
    ends = [e.end for e in ordered]
    return ItemSummary(
        start=ordered[0].start,
        end=None if any(end is None for end in ends) else max(e for e in ends if e is not None),
        labels=_union(e.labels for e in ordered),
        zones=_union(e.zones for e in ordered),
        severity=(
            Severity.alert if any(is_alert(e, config) for e in ordered) else Severity.detection
        ),
        event_ids=tuple(e.id for e in ordered),
    )


def group_events(events: Iterable[E], gap_s: float) -> list[list[E]]:
    """One camera's events split into items by the rule above, in start order."""
    groups: list[list[E]] = []
    reach: float | None = None  # the current group's end (None: open)
    for event in sorted(events, key=lambda e: (e.start, e.id)):
        if groups and spans_touch(groups[-1][0].start, reach, event.start, event.end, gap_s):
            groups[-1].append(event)
            reach = None if reach is None or event.end is None else max(reach, event.end)
        else:
            groups.append([event])
            reach = event.end
    return groups


def _union(parts: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for part in parts:
        seen.update(dict.fromkeys(part))
    return tuple(seen)
