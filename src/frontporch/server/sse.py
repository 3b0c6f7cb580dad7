"""Server-sent events: the live feed and live notifications (WHATWG HTML, "Server-sent events").

A stream is `text/event-stream`: each event is `id:`, `event:` and one `data:` line of
JSON, ended by a blank line. The `id` is the resumable cursor (a post's sequence number,
a notification's id): a browser that reconnects sends it back as `Last-Event-ID`, so
nothing is lost across a dropped connection or a server restart.

Where new events come from: the database (several server processes share it), not
process memory. To keep that cheap with many listeners, each stream first asks a
`ChangeProbe` — one small query per topic per process every `probe_interval` seconds,
shared by every stream in the process ("what is the newest id anywhere?") — and runs its
own, caller-specific query only when something newer than its cursor exists. An idle
server therefore costs one indexed `max()` per topic per interval, whatever the number
of open streams.

Every stream also sends a comment line every `heartbeat_s` (proxies close silent
connections) and ends after `max_duration_s`; the browser reconnects on its own after
the `retry:` delay it was given, with its cursor, which also moves listeners off a
server process that is being drained.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

MEDIA_TYPE = "text/event-stream"
RETRY_MS = 3000
HEADERS = {
    "Cache-Control": "no-store",
    # nginx buffers responses by default, which would hold events back.
    "X-Accel-Buffering": "no",
}


@dataclass(frozen=True)
class ServerEvent:
    """One event: its cursor, its type, and a JSON-serialisable payload."""

    id: int
    event: str
    data: dict[str, Any]


def format_event(event: ServerEvent) -> bytes:
    """The wire form of `event` (JSON on one line: json.dumps escapes newlines)."""
    payload = json.dumps(event.data, separators=(",", ":"), default=str)
    return f"id: {event.id}\nevent: {event.event}\ndata: {payload}\n\n".encode()


def format_comment(text: str) -> bytes:
    """A comment line: ignored by the browser, keeps proxies from closing the stream."""
    return f": {text}\n\n".encode()


def format_retry(milliseconds: int) -> bytes:
    """Tells the browser how long to wait before reconnecting."""
    return f"retry: {milliseconds}\n\n".encode()


def resume_cursor(request: Request, after: int | None) -> int:
    """Where a stream starts: the browser's `Last-Event-ID` if it sent a valid one, else
    the `after` query parameter, else 0 (the caller decides what 0 means)."""
    header = request.headers.get("last-event-id", "").strip()
    if header.isdigit() and len(header) <= 18:
        return int(header)
    return after or 0


class ChangeProbe:
    """The newest id of one topic, read at most once per `interval` per process.

    `read` is a blocking function (a database query); it runs in the thread pool, and
    concurrent callers share one read.
    """

    def __init__(
        self,
        read: Callable[[], int],
        interval: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._interval = interval
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._value = 0
        self._read_at: float | None = None

    async def newest(self) -> int:
        """The topic's newest id, at most `interval` seconds old."""
        async with self._lock:
            now = self._monotonic()
            if self._read_at is None or now - self._read_at >= self._interval:
                self._value = await run_in_threadpool(self._read)
                self._read_at = now
            return self._value


@dataclass(frozen=True)
class StreamTiming:
    """How often a stream looks for news, keeps the connection alive, and how long it lives."""

    poll_s: float = 1.0
    heartbeat_s: float = 15.0
    max_duration_s: float = 300.0


async def event_stream(
    is_disconnected: Callable[[], Awaitable[bool]],
    probe: ChangeProbe,
    fetch: Callable[[int], Sequence[ServerEvent]],
    cursor: int,
    timing: StreamTiming = StreamTiming(),
    *,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[bytes]:
    """Yield events newer than `cursor` as they appear, until the client goes away or
    the stream's lifetime ends.

    `fetch(cursor)` (blocking; run in the thread pool) returns the caller's events with
    ids above `cursor`, oldest first; it is called only when `probe` reports an id this
    stream has not looked past yet, so events for other people cost this stream nothing
    after one look.

    Hazard: ids come from a sequence, and on PostgreSQL two transactions can commit out
    of order (id 11 visible before id 10). A stream that already moved past 11 then
    never sends 10 live; the post is in the feed on the next page load. Live delivery
    is a convenience on top of the feed, never the record.
    """
    started = last_sent = monotonic()
    checked = cursor  # the newest id anywhere that this stream has already looked past
    yield format_retry(RETRY_MS)
    while not await is_disconnected():
        newest = await probe.newest()
        if newest > checked:
            for event in await run_in_threadpool(fetch, cursor):
                yield format_event(event)
                cursor = max(cursor, event.id)
                last_sent = monotonic()
            checked = newest
        now = monotonic()
        if now - started >= timing.max_duration_s:
            return
        if now - last_sent >= timing.heartbeat_s:
            yield format_comment("keep-alive")
            last_sent = now
        await sleep(timing.poll_s)


def sse_response(stream: AsyncIterator[bytes]) -> StreamingResponse:
    """A streaming response for `stream` with the headers event streams need."""
    return StreamingResponse(stream, media_type=MEDIA_TYPE, headers=HEADERS)
