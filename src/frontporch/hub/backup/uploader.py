"""One backup pass: upload what the policy wants, rewrite the index, delete what aged out.

A pass (run on the desk's `hub-backup` thread, never on a recording path):

1. Asks `policy.wanted` what should be on the target, and the store what is.
2. Uploads each item not yet there (and each event record that changed): the file is
   hashed, cut into parts, each part sealed to the recovery recipient (`crypt.py`) and
   stored under a fresh random key. After every part the store remembers the keys so
   far, so a pass that is cut off
   (the hub stops, the network drops) resumes with the next part, not the first.
   Uploads pass a token bucket (`bandwidth_kbps`); a `TargetError` is retried with
   backoff, then ends the pass with the error recorded for the page (a refusal or a
   full target ends it at once: retrying cannot help).
3. Writes the index (`index.py`): only the day-chunks that changed, then the head,
   then deletes the chunks they replaced by key (also every `index_every_s` during a
   long pass, so a hub stolen mid-pass leaves a usable index).
4. At most once an hour (`sweep_every_s`), and only at the end of a complete pass:
   drops items older than `days` from the store, rewrites the index, lists the target
   and deletes every object the index does not name (aged-out items, objects under an
   old key, leftovers of a crash), then lists again to check the deletions took.
   Listing a bucket costs requests (and money on AWS), so it is not done every pass.
   Only keys this hub makes (32 lower-case hex digits) are ever deleted, so a shared
   bucket's other objects are safe.

Files are only read; a failure here never touches the recording or the hub's index
beyond the backup tables.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from frontporch.hub.backup import index as backup_index
from frontporch.hub.backup.config import BackupConfig
from frontporch.hub.backup.crypt import PART_MAX, seal, split
from frontporch.hub.backup.errors import TargetRefused
from frontporch.hub.backup.index import INDEX_KEY, BackupItem, ItemKind
from frontporch.hub.backup.policy import Candidate, expired, horizon, record_digest, wanted
from frontporch.hub.backup.ports import BackupStorePort
from frontporch.hub.backup.target import BackupTarget, TargetError, TargetFull
from frontporch.hub.store.layout import RECORDINGS_DIR, confine

log = logging.getLogger(__name__)

OUR_KEY = re.compile(r"^[0-9a-f]{32}$")
INDEX_CHUNKS_META = "index_chunks"
LAST_SWEEP_META = "last_sweep"
SWEEP_EVERY_S = 3600.0
RETRY_DELAYS_S = (1.0, 2.0, 4.0, 8.0, 16.0)
READ_CHUNK = 1024 * 1024


class PassStopped(Exception):
    """The desk is stopping; the pass ends here and resumes next time."""


class NoRecoveryKey(Exception):
    """No confirmed recovery key: nothing can be encrypted, so nothing is uploaded."""


class KeyReplaced(PassStopped):
    """The owner confirmed a new key during the pass: what it was uploading is under
    the old key, so it stops; the next pass uploads everything under the new one."""


def new_object_key() -> str:
    """A random object key: 128 bits, nothing about what the object holds."""
    return secrets.token_hex(16)


class TokenBucket:
    """Average upload rate at most `rate` bytes per second (0: unlimited).

    A PUT is one request, so the limit holds on average: after each object the bucket
    owes its size, and the next waits until the debt is paid.
    """

    def __init__(
        self, rate: int, stop: threading.Event, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self._stop = stop
        self._clock = clock
        self._available = 0.0
        self._last = clock()

    def spend(self, size: int) -> None:
        """Wait until `size` bytes may go (PassStopped if stopped meanwhile)."""
        if self.rate <= 0:
            return
        now = self._clock()
        self._available = min(float(self.rate), self._available + (now - self._last) * self.rate)
        self._last = now
        if self._available < 0 and self._stop.wait(-self._available / self.rate):
            raise PassStopped
        now = self._clock()
        self._available += (now - self._last) * self.rate - size
        self._available = min(self._available, float(self.rate))
        self._last = now


@dataclass
class PassResult:
    """What one pass did."""

    uploaded: int = 0
    uploaded_bytes: int = 0
    deleted: int = 0
    missing: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Uploader:
    """Runs passes for one store, target and policy."""

    store: BackupStorePort
    target: BackupTarget
    root: Path
    config: BackupConfig
    padding: Mapping[str, tuple[float, float]]
    stop: threading.Event = field(default_factory=threading.Event)
    clock: Callable[[], float] = time.time
    retry_delays: Sequence[float] = RETRY_DELAYS_S
    index_every_s: float = 300.0
    sweep_every_s: float = SWEEP_EVERY_S
    new_key: Callable[[], str] = new_object_key
    progress: Callable[[str], None] = lambda _text: None

    def __post_init__(self) -> None:
        self._bucket = TokenBucket(self.config.bandwidth_kbps * 1000, self.stop)

    # -- the pass -----------------------------------------------------------------------

    def run_pass(self) -> PassResult:
        """One pass; TargetError, PassStopped and NoRecoveryKey end it early."""
        key = self.store.backup_recipient()
        if key is None:
            raise NoRecoveryKey("no recovery key is confirmed yet: make one on the Backup page")
        recipient = key.recipient
        result = PassResult()
        now = self.clock()
        cameras = self.config.cameras
        since = horizon(self.config, now)
        candidates = wanted(
            self.config,
            self.padding,
            self.store.backup_segments(since, cameras),
            self.store.backup_events(since, cameras),
            now,
        )
        done = {item.ident: item for item in self.store.backup_items()}
        partial = {item.ident: item for item in self.store.backup_items(partial=True)}
        changed = self.store.backup_meta(INDEX_CHUNKS_META) is None  # no index written yet
        last_index = self.clock()
        for candidate in candidates:
            if self.stop.is_set():
                raise PassStopped
            if self._back_up(candidate, recipient, done, partial, result):
                changed = True
            if changed and self.clock() - last_index >= self.index_every_s:
                result.deleted += self.write_index(recipient)
                last_index = self.clock()
        last_sweep = float(self.store.backup_meta(LAST_SWEEP_META) or "0")
        sweep_due = now - last_sweep >= self.sweep_every_s
        aged = expired(done.values(), self.config, now) if sweep_due else []
        if aged:
            self.store.forget_backup_items(item.ident for item in aged)
            changed = True
        if changed:
            result.deleted += self.write_index(recipient)
        if sweep_due:
            result.deleted += self.sweep()
            self.store.set_backup_meta(LAST_SWEEP_META, repr(now))
        return result

    def _back_up(
        self,
        candidate: Candidate,
        recipient: str,
        done: dict[tuple[str, str], BackupItem],
        partial: dict[tuple[str, str], BackupItem],
        result: PassResult,
    ) -> bool:
        """Upload one candidate if it is missing or changed; whether the index changed."""
        before = done.get(candidate.ident)
        if candidate.kind is ItemKind.event_record:
            assert candidate.record is not None
            digest = record_digest(candidate.record)
            if before is not None and before.sha256 == digest:
                return False
            item = BackupItem(
                candidate.kind,
                candidate.camera,
                candidate.start,
                candidate.end,
                candidate.path,
                digest,
                0,
                (),
                candidate.record,
            )
            self._check_key(recipient)
            self.store.save_backup_item(item, done=True, now=self.clock())
            done[item.ident] = item
            return True
        if before is not None:
            return False  # footage files do not change once indexed (events are closed)
        source = self._file(candidate)
        if source is None:
            return False
        try:
            size = source.stat().st_size
            digest = _sha256(source)
        except OSError:
            result.missing.append(candidate.path)  # deleted meanwhile (retention at home)
            return False
        resumed = partial.get(candidate.ident)
        parts = list(resumed.parts) if resumed is not None and resumed.sha256 == digest else []
        item = BackupItem(
            candidate.kind,
            candidate.camera,
            candidate.start,
            candidate.end,
            candidate.path,
            digest,
            size,
            tuple(parts),
        )
        try:
            for index, piece in enumerate(_pieces(source)):
                if index < len(parts):
                    continue  # stored by the pass that was cut off
                if self.stop.is_set():
                    raise PassStopped
                sealed = seal(piece, recipient)
                object_key = self.new_key()
                self._bucket.spend(len(sealed))
                self._put(object_key, sealed)
                parts.append(object_key)
                result.uploaded_bytes += len(sealed)
                item = BackupItem(
                    item.kind,
                    item.camera,
                    item.start,
                    item.end,
                    item.path,
                    digest,
                    size,
                    tuple(parts),
                )
                self._check_key(recipient)  # never resume later with parts under an old key
                self.store.save_backup_item(item, done=False, now=self.clock())
        except OSError:
            result.missing.append(candidate.path)
            return False
        self._check_key(recipient)
        self.store.save_backup_item(item, done=True, now=self.clock())
        done[item.ident] = item
        partial.pop(item.ident, None)
        result.uploaded += 1
        self.progress(f"uploaded {result.uploaded} items")
        return True

    def _check_key(self, recipient: str) -> None:
        current = self.store.backup_recipient()
        if current is None or current.recipient != recipient:
            raise KeyReplaced

    def _file(self, candidate: Candidate) -> Path | None:
        base = self.root / RECORDINGS_DIR if candidate.kind is ItemKind.segment else self.root
        path = confine(base.resolve(), candidate.path)
        if path is None:
            log.error("backup skips %r: outside the storage folder", candidate.path)
        return path

    def _put(self, key: str, data: bytes) -> None:
        """`target.put` retried with backoff; the last TargetError if every try failed."""
        delays = list(self.retry_delays)
        while True:
            try:
                self.target.put(key, data)
                return
            except (TargetFull, TargetRefused):
                raise  # the target said no: retrying now cannot help
            except TargetError as exc:
                if not delays:
                    raise
                log.warning("backup upload failed, retrying: %s", exc)
                if self.stop.wait(delays.pop(0)):
                    raise PassStopped from None

    # -- the index and the sweep -----------------------------------------------------------

    def write_index(self, recipient: str) -> int:
        """Seal and store the index: the chunks that changed, then the head; then delete
        the chunks they replace (their keys are known: no listing). How many it deleted."""
        groups: dict[str, list[BackupItem]] = {}
        for item in self.store.backup_items():
            groups.setdefault(backup_index.chunk_of(item), []).append(item)
        before: dict[str, dict[str, object]] = json.loads(
            self.store.backup_meta(INDEX_CHUNKS_META) or "{}"
        )
        after: dict[str, dict[str, object]] = {}
        for day in sorted(groups):
            plain = backup_index.encode_chunk(groups[day])
            digest = hashlib.sha256(plain).hexdigest()
            kept = before.get(day)
            if kept is not None and kept["digest"] == digest and kept["recipient"] == recipient:
                after[day] = kept
                continue
            keys = []
            for piece in split(plain):
                keys.append(self.new_key())
                self._put(keys[-1], seal(piece, recipient))
            after[day] = {"digest": digest, "recipient": recipient, "keys": keys}
        head = backup_index.encode_head([_keys(after[day]) for day in sorted(after)], self.clock())
        self._put(INDEX_KEY, seal(head, recipient))
        self.store.set_backup_meta(INDEX_CHUNKS_META, json.dumps(after))
        current = {key for chunk in after.values() for key in _keys(chunk)}
        stale = {key for chunk in before.values() for key in _keys(chunk)} - current
        for key in sorted(stale):
            self.target.delete(key)
        return len(stale)

    def named(self) -> set[str]:
        """Every object key the store and the current index name."""
        keys = {INDEX_KEY}
        for item in (*self.store.backup_items(), *self.store.backup_items(partial=True)):
            keys.update(item.parts)
        chunks: dict[str, dict[str, object]] = json.loads(
            self.store.backup_meta(INDEX_CHUNKS_META) or "{}"
        )
        for chunk in chunks.values():
            keys.update(_keys(chunk))
        return keys

    def sweep(self) -> int:
        """Delete objects nobody names, then check by listing; how many were deleted."""
        named = self.named()
        doomed = [
            stored.key
            for stored in self.target.list()
            if stored.key not in named and OUR_KEY.match(stored.key)
        ]
        for key in doomed:
            if self.stop.is_set():
                raise PassStopped
            self.target.delete(key)
        if doomed:
            left = {stored.key for stored in self.target.list()} & set(doomed)
            if left:
                raise TargetError(
                    f"{self.target.description} still lists {len(left)} of the {len(doomed)} "
                    "objects just deleted; the next pass tries again"
                )
        return len(doomed)


def _keys(chunk: dict[str, object]) -> list[str]:
    keys = chunk.get("keys")
    return [str(key) for key in keys] if isinstance(keys, list) else []


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pieces(path: Path) -> Iterator[bytes]:
    """The file in parts of at most `PART_MAX` bytes (one empty part for an empty file)."""
    with path.open("rb") as file:
        first = True
        while True:
            piece = file.read(PART_MAX)
            if not piece and not first:
                return
            yield piece
            first = False
            if len(piece) < PART_MAX:
                return
