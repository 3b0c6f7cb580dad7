"""Measure in a fresh process, optionally confined to one core, and time a block.

Every measurement runs in its own spawned process so that one benchmark's imports,
caches and threads cannot colour another's. `one_core=True` pins that process to a
single CPU with `sched_setaffinity` before FFmpeg or OpenCV load: FFmpeg's automatic
thread count (`av_cpu_count`) reads the affinity mask, so its decoders then run one
thread, and the process can use at most one core however it is written. OpenCV's pool
is set to one thread in every measuring process, as the hub's camera workers do.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def _prepare(one_core: bool) -> None:
    if one_core:
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    import cv2

    cv2.setNumThreads(1)


def in_child(fn: Callable[..., T], *args: Any, one_core: bool = False) -> T:
    """`fn(*args)` in a fresh spawned process; `fn` must be a module-level function."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, initializer=_prepare, initargs=(one_core,)) as pool:
        return pool.apply(fn, args)


@dataclass
class Span:
    """CPU seconds (all threads of this process) and wall seconds of a timed block."""

    cpu: float = 0.0
    wall: float = 0.0


@contextmanager
def timed() -> Iterator[Span]:
    span = Span()
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        yield span
    finally:
        span.cpu = time.process_time() - cpu
        span.wall = time.perf_counter() - wall
