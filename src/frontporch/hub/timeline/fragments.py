"""One recorded segment as fragmented MP4, for the browser's Media Source Extensions.

Segments are plain MP4 files (`moov` with the whole sample table). MSE takes the ISO
BMFF byte stream format instead: an initialization segment (`ftyp` + an empty `moov`)
and media segments (`moof` + `mdat`, ISO/IEC 14496-12 §8.8). FFmpeg's `mp4` muxer
writes that with `movflags=empty_moov+default_base_moof+frag_keyframe` and
`frag_duration`: a fragment at every keyframe and at least every `FRAGMENT_S`, each
self-contained. Packets are copied, never decoded.

`stream_segment` yields the bytes as the muxer writes them, so the player has its first
picture (the init segment and the first fragment) after a fraction of the segment has
been read, not after all of it. Every answer carries its own init segment: MSE
accepts a new one in the middle of a SourceBuffer, so a camera that came back at
another resolution just works. Timestamps stay as the recorder wrote them (the
segment starts at 0); the player places the segment with `timestampOffset`.

Hazard: the output is written to an unseekable sink (`live.muxer.Collector`), which is why the
`moov` must be empty up front: the muxer can never go back to fill it in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
from av.container import InputContainer
from av.error import FFmpegError

from frontporch.hub.capture.camera import reason_of
from frontporch.hub.live.muxer import Collector, codec_string

MOVFLAGS = "empty_moov+default_base_moof+frag_keyframe"
FRAGMENT_S = 0.5


class FragmentError(Exception):
    """The segment could not be read or remuxed; the message says why."""


@dataclass(frozen=True)
class SegmentStream:
    """A segment being remuxed: its RFC 6381 codec, and its bytes as they come."""

    codec: str
    chunks: Iterator[bytes]


def stream_segment(path: Path) -> SegmentStream:
    """Open the segment at `path` (`FragmentError` if it cannot be read) and remux it,
    by stream copy, into fragmented MP4 as the caller iterates `chunks`."""
    try:
        source = av.open(str(path))
        stream = source.streams.video[0]
    except (FFmpegError, OSError, IndexError) as exc:
        raise FragmentError(f"cannot read the segment {path.name}: {reason_of(exc)}") from exc
    return SegmentStream(codec_string(stream.codec_context.extradata), _chunks(source, path))


def _chunks(source: InputContainer, path: Path) -> Iterator[bytes]:
    sink = Collector()
    options = {"movflags": MOVFLAGS, "frag_duration": str(round(FRAGMENT_S * 1e6))}
    try:
        stream = source.streams.video[0]
        with av.open(sink, "w", format="mp4", options=options) as out:
            target = out.add_stream_from_template(stream)
            for packet in source.demux(stream):
                if packet.dts is None and packet.pts is None:
                    continue  # the demuxer's end-of-stream marker
                packet.stream = target
                out.mux_one(packet)
                if sink.written:
                    yield sink.take()
        if sink.written:
            yield sink.take()
    except (FFmpegError, OSError) as exc:
        # The answer has begun: the player sees a truncated segment and plays what came.
        raise FragmentError(f"remuxing {path.name} failed: {reason_of(exc)}") from exc
    finally:
        source.close()


def fragment_segment(path: Path) -> tuple[str, bytes]:
    """The whole segment as fragmented MP4 in memory: (codec, bytes)."""
    remux = stream_segment(path)
    return remux.codec, b"".join(remux.chunks)
