"""A camera's live stream in the hub process: the latest init segment and fragments.

The camera worker remuxes its H.264 stream into fragmented MP4 while someone watches
(`frontporch.hub.live.muxer`) and sends the pieces over the message queue; the hub's
message thread puts them here, and every HTTP viewer reads from here on the event loop.
`LiveFeed` keeps the init segment and the fragments since the latest keyframe, so a
viewer who arrives starts decoding at once, and all viewers share one remux.

Reads never block: a lock guards a few list operations, and a viewer asks for what
came after its cursor (`since`) and sleeps briefly when nothing did.

Hazards:
- A fragment only decodes after its keyframe and everything since: a fragment that
  does not follow the previous one (a message dropped on a full queue) drops the
  fragments until the next keyframe, and a viewer who fell behind the fragments kept
  skips ahead to the latest keyframe rather than receiving a hole.
- A restarted worker numbers its sessions from the beginning again: the hub forgets
  the feed when it starts a worker (`stop`), and fragments are only accepted for the
  session of the init segment they belong to.
- A keyframe interval longer than `max_bytes` of video would let memory grow; past it
  the fragments are dropped and viewers wait for the next keyframe.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from frontporch.hub.ports import LiveCursor, LiveUpdate

MAX_GOP_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Chunk:
    seq: int
    keyframe: bool
    data: bytes


class LiveFeed:
    """One camera's live fragmented MP4: written by one thread, read by any. Thread-safe."""

    def __init__(self, max_bytes: int = MAX_GOP_BYTES) -> None:
        self._lock = threading.Lock()
        self._max_bytes = max_bytes
        self._codec: str | None = None
        self._generation = 0
        self._session: int | None = None
        self._init: bytes | None = None
        self._chunks: list[_Chunk] = []
        self._bytes = 0

    @property
    def codec(self) -> str | None:
        """The RFC 6381 codecs value of the stream, or None if it is not H.264."""
        return self._codec

    def offer(self, codec: str | None) -> None:
        """The camera's stream is (`codec`) or is not (None) available for live view."""
        with self._lock:
            self._codec = codec

    def start(self, session: int, codec: str, init: bytes) -> None:
        """A new init segment: what came before it no longer decodes with it."""
        with self._lock:
            self._codec = codec
            self._generation += 1
            self._session = session
            self._init = init
            self._drop_chunks()

    def add(self, session: int, seq: int, keyframe: bool, data: bytes) -> None:
        """A fragment of the init segment `session`, numbered `seq` from 0."""
        with self._lock:
            if session != self._session:
                return
            follows = bool(self._chunks) and self._chunks[-1].seq + 1 == seq
            if keyframe:
                self._drop_chunks()
            elif not follows or self._bytes + len(data) > self._max_bytes:
                self._drop_chunks()
                return
            self._chunks.append(_Chunk(seq, keyframe, data))
            self._bytes += len(data)

    def stop(self) -> None:
        """The stream stopped (nobody watches, the input dropped, the worker restarted)."""
        with self._lock:
            self._session = None
            self._init = None
            self._drop_chunks()

    def since(self, cursor: LiveCursor | None) -> LiveUpdate | None:
        """What a viewer at `cursor` should receive next (see `LiveUpdate`), or None."""
        with self._lock:
            if self._init is None or not self._chunks:
                return None
            last = self._chunks[-1].seq
            if cursor is None or cursor[0] != self._generation:
                data = self._init + b"".join(c.data for c in self._chunks)
            elif cursor[1] >= last:
                return None
            elif cursor[1] + 1 < self._chunks[0].seq:  # fell behind: skip to the keyframe
                data = b"".join(c.data for c in self._chunks)
            else:
                data = b"".join(c.data for c in self._chunks if c.seq > cursor[1])
            return LiveUpdate((self._generation, last), data)

    def _drop_chunks(self) -> None:
        self._chunks = []
        self._bytes = 0
