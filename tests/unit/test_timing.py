from fractions import Fraction

import pytest

from frontporch.hub.capture.timing import FrameSampler, WallClock

TB = Fraction(1, 90000)


def ticks(seconds: float) -> int:
    return round(seconds * 90000)


def test_sampler_takes_five_of_fifteen_frames_per_second() -> None:
    sampler = FrameSampler(5)
    taken = [i for i in range(150) if sampler.take(i / 15)]
    assert taken == list(range(0, 150, 3))


def test_sampler_restarts_after_a_gap() -> None:
    sampler = FrameSampler(5)
    assert sampler.take(0.0)
    assert not sampler.take(0.1)
    assert sampler.take(30.0)
    assert not sampler.take(30.05)


def test_live_clock_follows_the_least_delayed_packet_and_ignores_jitter() -> None:
    clock = WallClock(TB, live=True)
    start = 1_000.0
    assert clock.observe(ticks(0), ticks(0), start + 0.30) == pytest.approx(start + 0.30)
    # A packet that arrives with less delay than the first moves the anchor earlier.
    assert clock.observe(ticks(1), ticks(1), start + 1.05) == pytest.approx(start + 1.05)
    # Later packets arriving with more delay (jitter) keep the mapping.
    assert clock.observe(ticks(2), ticks(2), start + 2.40) == pytest.approx(start + 2.05)


def test_live_clock_reanchors_after_a_stall_and_never_goes_back() -> None:
    clock = WallClock(TB, live=True)
    clock.observe(ticks(0), ticks(0), 1_000.0)
    clock.observe(ticks(1), ticks(1), 1_001.0)
    # The camera restarts: its timestamps begin again at zero, ten seconds later.
    after = clock.observe(ticks(0), ticks(0), 1_011.0)
    assert after == pytest.approx(1_011.0)
    # Timestamps going backwards within the jump limit do not move time backwards.
    clock.observe(ticks(1), ticks(1), 1_012.0)
    assert clock.observe(ticks(0.5), ticks(0.5), 1_012.1) >= 1_011.5


def test_file_clock_follows_timestamps_not_arrival() -> None:
    clock = WallClock(TB, live=False)
    times = [clock.observe(ticks(i / 15), ticks(i / 15), 500.0 + i * 0.001) for i in range(151)]
    # Read 100 times faster than real time, yet ten seconds of video span ten seconds.
    assert times[-1] - times[0] == pytest.approx(10.0)
    # A looping file's timestamps jump back to zero: time continues from the latest.
    assert clock.observe(ticks(0), ticks(0), 500.2) == pytest.approx(times[-1])
