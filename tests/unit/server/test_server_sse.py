"""Server-sent events: wire format, resuming, the shared change probe, heartbeats, lifetime."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence

from starlette.requests import Request

from frontporch.server.sse import (
    ChangeProbe,
    ServerEvent,
    StreamTiming,
    event_stream,
    format_event,
    resume_cursor,
)


class FakeTime:
    """A monotonic clock that moves only when the stream sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class Topic:
    """Events in a table: everyone's, and the ones one listener may see."""

    def __init__(self) -> None:
        self.events: list[tuple[ServerEvent, bool]] = []
        self.reads = 0
        self.fetches = 0

    def add(self, visible: bool = True) -> None:
        number = len(self.events) + 1
        self.events.append((ServerEvent(number, "post", {"n": number}), visible))

    def newest(self) -> int:
        self.reads += 1
        return len(self.events)

    def fetch(self, cursor: int) -> Sequence[ServerEvent]:
        self.fetches += 1
        return [event for event, visible in self.events if visible and event.id > cursor]


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def _run(
    topic: Topic,
    cursor: int,
    timing: StreamTiming,
    on_poll: Callable[[int], None] | None = None,
) -> list[str]:
    clock = FakeTime()
    probe = ChangeProbe(topic.newest, interval=timing.poll_s, monotonic=clock.monotonic)
    polls = 0

    async def is_disconnected() -> bool:
        nonlocal polls
        polls += 1
        if on_poll is not None:
            on_poll(polls)
        return False

    async def collect() -> list[str]:
        stream = event_stream(
            is_disconnected,
            probe,
            topic.fetch,
            cursor,
            timing,
            monotonic=clock.monotonic,
            sleep=clock.sleep,
        )
        return [chunk.decode() async for chunk in stream]

    return asyncio.run(collect())


def test_event_wire_format_is_one_json_line() -> None:
    text = format_event(ServerEvent(7, "post", {"title": "two\nlines"})).decode()
    assert text.startswith("id: 7\nevent: post\ndata: ")
    assert text.endswith("\n\n")
    data_line = text.splitlines()[2]
    assert json.loads(data_line.removeprefix("data: ")) == {"title": "two\nlines"}


def test_last_event_id_wins_over_the_query_and_garbage_is_ignored() -> None:
    assert resume_cursor(_request({"Last-Event-ID": "42"}), 5) == 42
    assert resume_cursor(_request({}), 5) == 5
    assert resume_cursor(_request({"Last-Event-ID": "-1; drop"}), 5) == 5
    assert resume_cursor(_request({"Last-Event-ID": "9" * 40}), None) == 0


def test_stream_sends_new_visible_events_in_order_and_resumes_after_the_cursor() -> None:
    topic = Topic()
    for _ in range(3):
        topic.add()

    def arrive(poll: int) -> None:
        if poll == 3:
            topic.add(visible=False)
            topic.add()

    chunks = _run(topic, cursor=1, timing=StreamTiming(1.0, 100.0, 10.0), on_poll=arrive)
    ids = [int(c.split("\n")[0].removeprefix("id: ")) for c in chunks if c.startswith("id:")]
    assert chunks[0].startswith("retry: ")
    assert ids == [2, 3, 5]


def test_events_for_others_cost_one_fetch_then_none() -> None:
    topic = Topic()
    topic.add(visible=False)
    _run(topic, cursor=0, timing=StreamTiming(1.0, 100.0, 20.0))
    # Twenty polls: the probe is read each time, but the caller's query ran once.
    assert topic.reads >= 19
    assert topic.fetches == 1


def test_quiet_stream_sends_heartbeats_and_ends_after_its_lifetime() -> None:
    topic = Topic()
    chunks = _run(topic, cursor=0, timing=StreamTiming(1.0, 5.0, 21.0))
    assert chunks.count(": keep-alive\n\n") == 4
    assert topic.fetches == 0


def test_probe_reads_once_per_interval_however_many_streams_ask() -> None:
    topic = Topic()
    clock = FakeTime()
    probe = ChangeProbe(topic.newest, interval=2.0, monotonic=clock.monotonic)

    async def many() -> None:
        await asyncio.gather(*(probe.newest() for _ in range(50)))
        clock.now += 1.0
        await asyncio.gather(*(probe.newest() for _ in range(50)))
        clock.now += 1.5
        await probe.newest()

    asyncio.run(many())
    assert topic.reads == 2
