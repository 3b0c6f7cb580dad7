"""What a log monitor remembers between runs, kept as one JSON file written atomically.

A monitor (`verify.Monitor`) trusts a log's verifier key(s) for one origin, and holds the
last checkpoint it verified: the signed note itself (the evidence, should the log ever
contradict it), its size and root, and when it was verified. If every entry up to that
size was audited it also holds the tree's compact range (`compact.CompactRange`), so a
later audit reads only the new entries.

The file (docs/transparency.md, "Monitoring the log")::

    {"format": "frontporch-log-monitor/1", "origin": ..., "verifier_keys": [...],
     "server": ..., "checkpoint": {"size", "root", "note", "verified_at"} | null,
     "compact_range": [base64 hashes, largest subtree first] | null}

Loading re-opens the stored note with the stored keys and checks that its size and root
(and the compact range's fold) match, so a damaged or hand-edited state file is refused
with `StateFileError` instead of silently weakening the checks. Saving writes a
temporary file in the same folder, flushes it to disk and renames it over the old one,
so a crash leaves either the old state or the new one, never half of each.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frontporch.translog.checkpoint import Checkpoint, open_checkpoint
from frontporch.translog.compact import CompactRange
from frontporch.translog.errors import TranslogError
from frontporch.translog.note import Verifier

STATE_FORMAT = "frontporch-log-monitor/1"


class StateFileError(TranslogError):
    """The monitor's state file cannot be read, or does not hold up to its own checks."""


@dataclass(frozen=True)
class VerifiedCheckpoint:
    """A checkpoint the monitor verified: the signed note as received, and when."""

    size: int
    root: bytes
    note: bytes
    verified_at: datetime


@dataclass(frozen=True)
class MonitorState:
    """The trusted keys for one log, and the last checkpoint verified for it.

    `compact_range` is set only when every entry in [0, checkpoint.size) was audited.
    """

    origin: str
    verifier_keys: tuple[str, ...]
    checkpoint: VerifiedCheckpoint | None = None
    compact_range: CompactRange | None = None
    server: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "verifier_keys", tuple(self.verifier_keys))

    @property
    def size(self) -> int:
        """The size of the last verified checkpoint (0 before the first one)."""
        return self.checkpoint.size if self.checkpoint else 0

    def verifiers(self) -> list[Verifier]:
        """The trusted keys, parsed (SignatureError names a malformed one)."""
        return [Verifier.parse(key) for key in self.verifier_keys]

    def with_keys(self, keys: Iterable[str]) -> MonitorState:
        """This state trusting `keys` as well (after a key rotation the operator announced)."""
        merged = list(self.verifier_keys)
        for key in keys:
            if key not in merged:
                merged.append(key)
        return replace(self, verifier_keys=tuple(merged))

    def advanced(
        self,
        checkpoint: Checkpoint,
        note: bytes,
        verified_at: datetime,
        compact_range: CompactRange | None,
        server: str,
    ) -> MonitorState:
        """The state after verifying `checkpoint` (signed as `note`) at `verified_at`."""
        if compact_range is not None and compact_range.size != checkpoint.size:
            compact_range = None
        return replace(
            self,
            checkpoint=VerifiedCheckpoint(checkpoint.size, checkpoint.root_hash, note, verified_at),
            compact_range=compact_range,
            server=server,
        )

    # -- the file ------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The state as the JSON object the state file holds."""
        checkpoint = None
        if self.checkpoint is not None:
            checkpoint = {
                "size": self.checkpoint.size,
                "root": _b64(self.checkpoint.root),
                "note": self.checkpoint.note.decode("utf-8"),
                "verified_at": format_time(self.checkpoint.verified_at),
            }
        compact = None
        if self.compact_range is not None:
            compact = [_b64(value) for value in self.compact_range.hashes]
        return {
            "format": STATE_FORMAT,
            "origin": self.origin,
            "verifier_keys": list(self.verifier_keys),
            "server": self.server,
            "checkpoint": checkpoint,
            "compact_range": compact,
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "the state") -> MonitorState:
        """A state from its JSON object, re-verified; StateFileError says what is wrong."""
        try:
            return cls._from_json(data)
        except StateFileError as exc:
            raise StateFileError(f"{where} is damaged: {exc}") from None
        except TranslogError as exc:
            raise StateFileError(
                f"{where} does not hold up: {exc}. Restore it from a backup, or move it "
                "aside to start over (keep it if you suspect the log)"
            ) from None

    @classmethod
    def _from_json(cls, data: Any) -> MonitorState:
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise StateFileError(f"it is not a {STATE_FORMAT} state file")
        origin = data.get("origin")
        keys = data.get("verifier_keys")
        server = data.get("server")
        if not isinstance(origin, str) or not origin:
            raise StateFileError("it names no origin")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise StateFileError("it lists no verifier keys")
        if server is not None and not isinstance(server, str):
            raise StateFileError("its 'server' is not text")
        state = cls(origin, tuple(keys), server=server)
        verifiers = state.verifiers()
        stored = data.get("checkpoint")
        if stored is None:
            return state
        if not isinstance(stored, dict):
            raise StateFileError("its 'checkpoint' is not an object")
        note = _text(stored, "note").encode("utf-8")
        checkpoint = open_checkpoint(note, verifiers, origin)
        if stored.get("size") != checkpoint.size or _unb64(_text(stored, "root")) != (
            checkpoint.root_hash
        ):
            raise StateFileError("the stored size or root differs from the stored signed note")
        verified = VerifiedCheckpoint(
            checkpoint.size, checkpoint.root_hash, note, parse_time(_text(stored, "verified_at"))
        )
        compact = None
        if data.get("compact_range") is not None:
            hashes = data["compact_range"]
            if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
                raise StateFileError("its 'compact_range' is not a list of base64 hashes")
            compact = CompactRange(checkpoint.size, tuple(_unb64(value) for value in hashes))
            if compact.root() != checkpoint.root_hash:
                raise StateFileError("its compact range does not fold to the checkpoint's root")
        return replace(state, checkpoint=verified, compact_range=compact)

    @classmethod
    def load(cls, path: Path) -> MonitorState | None:
        """The state saved at `path`, or None if there is no file yet."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise StateFileError(f"cannot read the state file {path}: {exc}") from exc
        try:
            data = json.loads(text)
        except ValueError:
            raise StateFileError(f"the state file {path} is not JSON") from None
        return cls.from_json(data, f"the state file {path}")

    def save(self, path: Path) -> None:
        """Write the state to `path` atomically (a temporary file, fsync, rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.to_json(), handle, indent=2, ensure_ascii=False)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


def pinned_state(keys: Sequence[str], origin: str | None = None) -> MonitorState:
    """A fresh state trusting `keys` for `origin` (default: the first key's name, which
    is the log's origin by convention). SignatureError names a malformed key."""
    if not keys:
        raise StateFileError("give at least one verifier key")
    verifiers = [Verifier.parse(key) for key in keys]
    return MonitorState(origin or verifiers[0].name, tuple(v.key_string for v in verifiers))


def format_time(moment: datetime) -> str:
    """A UTC time as ISO 8601 to the second, e.g. 2026-11-29T12:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """The inverse of `format_time`; StateFileError for anything else."""
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise StateFileError(f"{text!r} is not a time like 2026-11-29T12:00:00Z") from None


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise StateFileError(f"its checkpoint lacks {name!r}")
    return value


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise StateFileError(f"{text[:60]!r} is not base64") from None
