"""Time bookkeeping for camera inputs: wall-clock mapping, frame sampling, rates.

Pure (standard library only): `WallClock` maps a stream's timestamps to wall-clock
seconds so that recording and analysis agree on when things happened; `FrameSampler`
picks frames at the detect rate by their time, whatever the source's frame rate;
`RateMeter` measures events per second for the stats.
"""

from __future__ import annotations

import time
from fractions import Fraction

# Seconds a packet may arrive later than its timestamp predicts before the wall-clock
# mapping is re-anchored (a stall, a reconnect inside the camera, a pts jump).
JUMP_S = 3.0


class FrameSampler:
    """Picks frames at about `fps` by their time, whatever the source frame rate."""

    def __init__(self, fps: float) -> None:
        self._interval = 1.0 / fps
        self._next: float | None = None

    def take(self, t: float) -> bool:
        """True when the frame at `t` seconds should be analysed."""
        due = self._next
        if due is None or t - due >= self._interval:  # first frame, or after a gap
            self._next = t + self._interval
            return True
        # A tenth of an interval of slack absorbs timestamp rounding (3 × 1/15 < 0.2).
        if t < due - self._interval / 10:
            return False
        self._next = due + self._interval
        return True


class WallClock:
    """Maps a stream's timestamps to wall-clock seconds (`time.time()`).

    The offset between wall time and stream time is taken from the first packet's
    arrival and then from the least-delayed packet seen (network delay only ever makes a
    packet late), so the mapping does not drift with jitter. A packet more than `jump_s`
    later than predicted (a stall, a camera restart, a pts jump either way) re-anchors
    the offset to its arrival. Mapped decode times never go backwards. For a file read
    faster than real time (`live=False`) arrival times mean nothing: the mapping follows
    the timestamps and only re-anchors, continuing from the latest time, on a pts jump.
    """

    def __init__(self, time_base: Fraction, *, live: bool, jump_s: float = JUMP_S) -> None:
        self._tb = time_base
        self._live = live
        self._jump_s = jump_s
        self._offset: float | None = None
        self._last_ts = 0.0
        self._last_wall = 0.0

    def observe(self, pts: int | None, dts: int | None, arrival: float) -> float:
        """Update the mapping with a packet that arrived at `arrival`; return its pts time."""
        stamp = dts if dts is not None else pts
        if stamp is None:
            return self._last_wall if self._offset is not None else arrival
        ts = float(stamp * self._tb)
        offset = self._adjusted(ts, arrival)
        self._offset = offset
        self._last_ts = ts
        self._last_wall = max(self._last_wall, ts + offset)
        return self.at(pts if pts is not None else stamp)

    def at(self, pts: int | None) -> float:
        """Wall time of a timestamp under the current mapping (for decoded frames)."""
        if pts is None or self._offset is None:
            return self._last_wall
        return float(pts * self._tb) + self._offset

    def _adjusted(self, ts: float, arrival: float) -> float:
        if self._offset is None:
            return arrival - ts
        if not self._live:
            jumped = abs(ts - self._last_ts) > self._jump_s
            return self._last_wall - ts if jumped else self._offset
        candidate = arrival - ts
        if candidate > self._offset + self._jump_s or candidate < self._offset:
            # Late beyond the jump limit: re-anchor. Earlier than predicted: the anchor
            # packet was delayed more than this one; follow. Either way this packet's
            # decode time must not fall before the previous one's.
            return max(candidate, self._last_wall - ts)
        return self._offset


class RateMeter:
    """Events per second over windows of `window_s`; 0 once events stop coming."""

    def __init__(self, window_s: float = 2.0) -> None:
        self._window_s = window_s
        self._start = time.monotonic()
        self._count = 0
        self._rate = 0.0

    def tick(self, now: float) -> None:
        self._count += 1
        elapsed = now - self._start
        if elapsed >= self._window_s:
            self._rate = self._count / elapsed
            self._start, self._count = now, 0

    def rate(self, now: float) -> float:
        return 0.0 if now - self._start > 2 * self._window_s else self._rate
