"""The transparency log service: append (in the caller's transaction), sign checkpoints,
serve entries and proofs.

**Appending.** `append_entries(db, entries, clock)` is what other areas call when an
agency request, a release or a legal demand must be logged before it has effect: it
runs in the caller's session, so the entry and whatever it records commit together
(or not at all), and the sequencer lock it takes is held until that commit
(`repository`, "The sequencer"). Services never commit; the request boundary does.

**Checkpoints.** `checkpoint_now()` signs the tree as it stands (a C2SP tlog-checkpoint
in a signed note, by the current key and, while rotating, the next one) unless a
checkpoint of that size exists. Before signing it recomputes the root from the stored
subtrees and checks that the latest checkpoint's tree is still a prefix of it, so the
server never signs a tree that contradicts what it signed before, even if its own
state row were damaged. Two processes signing the same size insert once.

**Reading.** Proofs are served only for trees a signed checkpoint covers (a verifier
needs the signed root to check them against); entries up to the current size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from frontporch.server.transparency.errors import (
    BeyondCheckpoint,
    InvalidLogRequest,
    LeafNotFound,
    NoCheckpoint,
    TileNotFound,
)
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.models import LogCheckpoint
from frontporch.server.transparency.repository import CheckpointRepository, SqlLogStorage
from frontporch.server.transparency.views import EntryView
from frontporch.translog.checkpoint import Checkpoint, sign_checkpoint
from frontporch.translog.entries import Entry, encode_entry
from frontporch.translog.log import Leaf, StorageDamaged, TransparencyLog, UnknownLeaf

MAX_ENTRIES_PER_CALL = 1000
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_BUNDLED_ENTRY = 0xFFFF  # an entry bundle prefixes each entry with a uint16 length


def append_entries(
    db: Session, entries: Sequence[Entry], clock: Callable[[], datetime]
) -> list[int]:
    """Append `entries` to the log in the caller's transaction; their indexes.

    Each entry is encoded canonically (`translog.entries`). The log's state stays locked
    until the caller's transaction ends, so keep it short after this call.
    """
    return TransparencyLog(SqlLogStorage(db, clock)).append([encode_entry(e) for e in entries])


def hold_sequencer(db: Session, clock: Callable[[], datetime]) -> None:
    """Take the sequencer's lock now, in the caller's transaction, until it ends.

    For a check that an append must not race (at most N open requests per agency): taken
    before the check, every other append, in any process, waits for this transaction, so
    two cannot both pass the check on the same count. `append_entries` takes it anyway;
    taking it earlier only makes it cover the check too.
    """
    SqlLogStorage(db, clock).read_state(lock=True)


class LogService:
    """The log as the server serves it, inside one session."""

    def __init__(self, db: Session, keys: LogKeys, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.keys = keys
        self.clock = clock
        self.storage = SqlLogStorage(db, clock)
        self.log = TransparencyLog(self.storage)
        self.checkpoints = CheckpointRepository(db)

    def append(self, entries: Sequence[Entry]) -> list[int]:
        """`append_entries` in this service's session."""
        return self.log.append([encode_entry(e) for e in entries])

    def checkpoint_now(self) -> tuple[LogCheckpoint, bool]:
        """The checkpoint of the current tree, signing it if needed; and whether it is new.

        Raises StorageDamaged (and signs nothing) if the stored subtrees do not give the
        state's root, or the latest checkpoint's tree is not a prefix of the current one.
        """
        state = self.log.state()
        latest = self.checkpoints.latest()
        if latest is not None and latest.size == state.size:
            return latest, False
        if self.log.root(state.size, recompute=True) != state.root:
            raise StorageDamaged(
                f"refusing to sign: the stored subtrees of the tree of {state.size} entries do "
                "not give the root in log_state"
            )
        if latest is not None and (
            latest.size > state.size or self.log.root(latest.size) != latest.root
        ):
            raise StorageDamaged(
                f"refusing to sign: the stored tree no longer extends the checkpoint of "
                f"{latest.size} entries; the log's storage was changed"
            )
        checkpoint = Checkpoint(self.keys.origin, state.size, state.root)
        note = sign_checkpoint(checkpoint, *self.keys.signers).decode("utf-8")
        self.checkpoints.add_if_absent(state.size, state.root, note, self.clock())
        stored = self.checkpoints.get(state.size)
        assert stored is not None  # just inserted, or inserted by another process
        return stored, True

    def latest_checkpoint(self) -> LogCheckpoint:
        """The checkpoint of the largest signed tree; NoCheckpoint before the first."""
        latest = self.checkpoints.latest()
        if latest is None:
            raise NoCheckpoint()
        return latest

    def recent_checkpoints(self, before: int | None, limit: int) -> list[LogCheckpoint]:
        """Up to `limit` checkpoints of trees smaller than `before` (or all), largest first."""
        return self.checkpoints.before(before, limit)

    def entries(self, start: int, end: int) -> list[EntryView]:
        """Entries [start, end): at most MAX_ENTRIES_PER_CALL, `end` at most the log's size."""
        if end < start:
            raise InvalidLogRequest(
                f"end ({end}) is before start ({start}); end is exclusive", "end"
            )
        if end - start > MAX_ENTRIES_PER_CALL:
            raise InvalidLogRequest(
                f"at most {MAX_ENTRIES_PER_CALL} entries per call; ask for [{start}, "
                f"{start + MAX_ENTRIES_PER_CALL}) and continue from there",
                "end",
            )
        size = self.log.state().size
        if end > size:
            raise InvalidLogRequest(
                f"the log has {size} entries, so end (exclusive) can be at most {size}", "end"
            )
        return [_view(leaf) for leaf in self.log.entries(start, end)]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The inclusion proof of entry `index` in the checkpointed tree of `size` entries."""
        self._require_checkpointed(size, "size")
        if index >= size:
            raise InvalidLogRequest(
                f"entry {index} is not in a tree of {size} entries: index must be below size",
                "index",
            )
        return self.log.inclusion_proof(index, size)

    def inclusion_proof_by_leaf_hash(self, leaf_hash: bytes, size: int) -> tuple[int, list[bytes]]:
        """The first index with `leaf_hash` in the checkpointed tree of `size`, and its proof."""
        self._require_checkpointed(size, "size")
        try:
            return self.log.inclusion_proof_by_leaf_hash(leaf_hash, size)
        except UnknownLeaf:
            raise LeafNotFound(size) from None

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The consistency proof between two checkpointed tree sizes, first <= second."""
        if first > second:
            raise InvalidLogRequest(
                f"first ({first}) is larger than second ({second}): the log only grows, so "
                "prove the smaller tree consistent with the larger",
                "first",
            )
        self._require_checkpointed(second, "second")
        return self.log.consistency_proof(first, second)

    def hash_tile(self, level: int, index: int, width: int) -> bytes:
        """A C2SP tlog-tiles hash tile: `width` hashes of tree level 8*level, concatenated."""
        height = TILE_HEIGHT * level
        first = index * TILE_WIDTH
        self._require_tile((first + width) << height, f"tile {level}/{index} of width {width}")
        hashes = self.storage.read_level(height, first, width)
        if len(hashes) != width:
            raise StorageDamaged(f"the stored hashes of tile {level}/{index} are incomplete")
        return b"".join(hashes)

    def entry_bundle(self, index: int, width: int) -> bytes:
        """A C2SP tlog-tiles entry bundle: entries of tile `index`, each after a uint16 length."""
        first = index * TILE_WIDTH
        self._require_tile(first + width, f"entry bundle {index} of width {width}")
        bundle = bytearray()
        for leaf in self.log.entries(first, first + width):
            if len(leaf.data) > MAX_BUNDLED_ENTRY:
                raise TileNotFound(
                    f"entry {leaf.index} is {len(leaf.data)} bytes, more than an entry bundle "
                    "can hold; read it from GET /api/log/entries"
                )
            bundle += len(leaf.data).to_bytes(2, "big") + leaf.data
        return bytes(bundle)

    def _require_checkpointed(self, size: int, field: str) -> None:
        latest = self.checkpoints.latest()
        if latest is None or size > latest.size:
            raise BeyondCheckpoint(size, None if latest is None else latest.size, field)

    def _require_tile(self, leaves_needed: int, what: str) -> None:
        latest = self.checkpoints.latest()
        if latest is None or leaves_needed > latest.size:
            covered = 0 if latest is None else latest.size
            raise TileNotFound(
                f"{what} needs a tree of {leaves_needed} entries; the latest checkpoint has "
                f"{covered}. Fetch /log/checkpoint and ask for the tiles it covers."
            )


def _view(leaf: Leaf) -> EntryView:
    return EntryView(leaf.index, leaf.hash, leaf.data)
