"""The backup index: the one object that says what every other object is.

Object keys are random and objects are padded, so the target knows nothing about
them; the index, encrypted like every object (`crypt.py`), is how a restore
holding only the recovery key finds its way. The object under the fixed key `index`
is rewritten after each pass; it names the chunks, each a list of items:

    index:  {"format": "frontporch-backup-index", "version": 1, "written": <unix time>,
             "chunks": [["<part key>", ...], ...]}
    chunk:  {"items": [{"kind": "segment", "camera": "front", "start": .., "end": ..,
                        "path": "front/2024-05-01/13/1714568400.mp4", "sha256": "..",
                        "size": 123, "parts": ["<hex key>", ...], "record": null}, ...]}

both zlib-compressed JSON, sealed like every object (a chunk larger than one object
is split into parts). Items are grouped into chunks by the UTC day they start, so a
pass rewrites only the chunks of days that changed (today's, as a rule) and the small
head, not an index that grows with every day kept: continuous backup of a camera for
30 days is a quarter of a million items.

`path` is relative to the recordings folder for segments and to the storage folder
for snapshots and clips (as the hub's index keeps them). An `event-record` item has no
parts: the event's row travels inside the index as `record`.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from frontporch.hub.backup.crypt import BackupCorrupt

INDEX_KEY = "index"
DAY_S = 86400
FORMAT = "frontporch-backup-index"
VERSION = 1


class ItemKind(StrEnum):
    """What an item is, which decides where a restore puts it."""

    segment = "segment"
    event_clip = "event-clip"
    snapshot = "snapshot"
    event_record = "event-record"


@dataclass(frozen=True, slots=True)
class BackupItem:
    """One thing on the target: a file (in parts) or an event's row (`record`)."""

    kind: ItemKind
    camera: str
    start: float
    end: float
    path: str
    sha256: str
    size: int
    parts: tuple[str, ...] = ()
    record: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def ident(self) -> tuple[str, str]:
        """What makes an item the same item across passes."""
        return (self.kind.value, self.path)

    def overlaps(self, start: float | None, end: float | None) -> bool:
        """Whether the item's span touches [start, end] (None: unbounded)."""
        return (start is None or self.end >= start) and (end is None or self.start <= end)


def item_json(item: BackupItem) -> dict[str, Any]:
    values = asdict(item)
    values["kind"] = item.kind.value
    values["parts"] = list(item.parts)
    return values


def item_from_json(values: Any) -> BackupItem:
    """One item from the index; BackupCorrupt if it is not one."""
    try:
        record = values.get("record")
        return BackupItem(
            kind=ItemKind(values["kind"]),
            camera=str(values["camera"]),
            start=float(values["start"]),
            end=float(values["end"]),
            path=str(values["path"]),
            sha256=str(values["sha256"]),
            size=int(values["size"]),
            parts=tuple(str(key) for key in values["parts"]),
            record=dict(record) if record is not None else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BackupCorrupt(f"an index entry is malformed ({exc})") from None


def chunk_of(item: BackupItem) -> str:
    """The index chunk an item belongs to: the UTC day its span starts."""
    return str(int(item.start // DAY_S))


def encode_chunk(items: Iterable[BackupItem]) -> bytes:
    """One chunk's plaintext (compressed JSON); the same items give the same bytes."""
    ordered = sorted(items, key=lambda item: (item.start, item.kind.value, item.path))
    document = {"items": [item_json(item) for item in ordered]}
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    return zlib.compress(text.encode(), 6)


def decode_chunk(data: bytes) -> list[BackupItem]:
    """A chunk's items; BackupCorrupt if it is not a chunk."""
    document = _inflate(data)
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise BackupCorrupt("a part of the backup index is not one this hub writes")
    return [item_from_json(values) for values in document["items"]]


def encode_head(chunks: Sequence[Sequence[str]], written: float) -> bytes:
    """The `index` object's plaintext: the object keys of each chunk's parts."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "written": written,
        "chunks": [list(keys) for keys in chunks],
    }
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 6)


def decode_head(data: bytes) -> tuple[float, list[list[str]]]:
    """When the index was written, and each chunk's part keys."""
    document = _inflate(data)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupCorrupt("the object named 'index' is not a Frontporch backup index")
    if document.get("version") != VERSION:
        raise BackupCorrupt(
            f"the backup index has version {document.get('version')}; this Frontporch "
            f"reads version {VERSION}: upgrade Frontporch"
        )
    try:
        chunks = [[str(key) for key in keys] for keys in document["chunks"]]
        return float(document.get("written", 0.0)), chunks
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupCorrupt(f"the backup index's chunk list does not read ({exc})") from None


def read(head: bytes, fetch: Callable[[str], bytes]) -> list[BackupItem]:
    """Every item, from the `index` object's plaintext and `fetch(key)` (a part's
    plaintext)."""
    _, chunks = decode_head(head)
    items: list[BackupItem] = []
    for keys in chunks:
        items += decode_chunk(b"".join(fetch(key) for key in keys))
    return items


def _inflate(data: bytes) -> Any:
    try:
        return json.loads(zlib.decompress(data))
    except (zlib.error, ValueError) as exc:
        raise BackupCorrupt(f"the backup index does not read ({exc})") from None
