"""The shapes of recording rows as their readers see them (the store's rows fit them).

One module that `hub/ports.py`, the timeline and retention all import, so each shape
is written once; it imports nothing of the hub, so no import cycle can form through it.
"""

from __future__ import annotations

from typing import Protocol


class SegmentRecord(Protocol):
    """A recorded segment file (`path` relative to the recordings folder), its time span
    (unix seconds) and size."""

    @property
    def path(self) -> str: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def size_bytes(self) -> int: ...


class SegmentRef(Protocol):
    """A segment by its row: what retention needs to know (no file path)."""

    @property
    def id(self) -> int: ...
    @property
    def camera(self) -> str: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def size_bytes(self) -> int: ...


class StoredSegment(SegmentRef, SegmentRecord, Protocol):
    """A segment row with its id, camera and file: what the timeline plays."""


class OutageRecord(Protocol):
    """A period a camera was unreachable; `end` is None while it lasts."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float | None: ...
    @property
    def reason(self) -> str: ...


class TimeSpanRecord(Protocol):
    """A closed span of time, such as a stretch of motion."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
