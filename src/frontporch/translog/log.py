"""The storage-backed log: appends entries and builds proofs from stored subtree hashes.

The tree is RFC 9162 section 2.1's (see `merkle`). A stored log keeps, besides the
entries, the hash of every *perfect* subtree [i*2^h, (i+1)*2^h) once it is complete
(level 0 being the leaf hashes), and a state: the tree size and root. That is all any
proof needs, because every hash in an inclusion or consistency proof (sections
2.1.3.1 and 2.1.4.1) is a perfect subtree or the fold of a few of them (`merkle`,
"Subtree ranges"). The costs, for a tree of n leaves and L = ceil(log2(n)):

- **append** of k entries reads the state and the popcount(n) <= L perfect subtrees
  that tile [0, n) — the only complete left siblings the new leaves can need — and
  writes k leaves and the subtrees they complete (`merkle.completed_subtrees`): fewer
  than 2 per leaf on average, at most 2k + L for one batch;
- an **inclusion proof** reads at most 2L - 2 stored hashes, a **consistency proof**
  at most 2L - 1, a **root** of a past size popcount(size) <= L; each in one storage
  call, so a database answers it with one indexed query and never scans the log.

A stored hash never changes once written, so a proof for any size up to the current
one is built from the same rows. `LogStorage` is the port: the server implements it
over its database (`frontporch.server.transparency.repository`, where the sequencer
lock lives), the tests over a dict. Everything here is pure apart from that port.
Every refusal raises a `LogError` (a `TranslogError`) that says what was asked and
what the log holds.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from frontporch.translog.errors import TranslogError
from frontporch.translog.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    Range,
    completed_subtrees,
    consistency_proof_from,
    consistency_proof_ranges,
    inclusion_proof_from,
    inclusion_proof_ranges,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    root_from_subtrees,
)


class LogError(TranslogError):
    """The stored log cannot do what was asked; the message says why."""


class OutOfRange(LogError):
    """An index, size or range beyond what the log holds (or negative, or reversed)."""


class UnknownLeaf(LogError):
    """No entry with this leaf hash is in the tree of the size asked about."""


class StorageDamaged(LogError):
    """A hash the log must have stored is missing or malformed: the storage is damaged."""


@dataclass(frozen=True)
class LogState:
    """The tree the log holds now: its size and root hash (RFC 9162 MTH)."""

    size: int
    root: bytes


EMPTY_STATE = LogState(0, EMPTY_ROOT)


@dataclass(frozen=True)
class Leaf:
    """One entry of the log: its index, its bytes and its leaf hash."""

    index: int
    data: bytes
    hash: bytes


class LogStorage(Protocol):
    """Where a `TransparencyLog` keeps its leaves, perfect subtree hashes and state.

    Ranges are perfect subtrees [start, end) (level 0 = one leaf). A stored range is
    never rewritten. `read_state(lock=True)` is the sequencer: it returns the state and
    holds it locked until the surrounding transaction ends, so appenders serialise.
    """

    def read_state(self, *, lock: bool = False) -> LogState:
        """The current size and root; with `lock`, hold the state until the transaction ends."""
        ...

    def read_subtrees(self, ranges: Collection[Range]) -> Mapping[Range, bytes]:
        """The stored hashes of these perfect subtrees, in one call (missing ones left out)."""
        ...

    def write(
        self, leaves: Sequence[Leaf], subtrees: Mapping[Range, bytes], state: LogState
    ) -> None:
        """Store new leaves and newly completed subtrees, and move the state forward."""
        ...

    def read_leaves(self, start: int, end: int) -> Sequence[Leaf]:
        """The leaves with index in [start, end), in order."""
        ...

    def find_leaf(self, leaf_hash: bytes, size: int) -> int | None:
        """The smallest index below `size` whose leaf hash is `leaf_hash`, or None."""
        ...


class TransparencyLog:
    """An append-only RFC 9162 Merkle log over a `LogStorage`."""

    def __init__(self, storage: LogStorage) -> None:
        self.storage = storage

    def state(self) -> LogState:
        """The tree the log holds now (size and root)."""
        return self.storage.read_state()

    def append(self, entries: Sequence[bytes]) -> list[int]:
        """Append `entries` in order and return their indexes.

        Runs inside the storage's transaction under the state lock, so concurrent
        appenders get consecutive, distinct indexes. Reads popcount(size) stored hashes,
        writes the leaves, the subtrees they complete and the new state. An empty batch
        changes nothing.
        """
        if not entries:
            return []
        for position, data in enumerate(entries):
            if not isinstance(data, bytes):
                raise LogError(f"entry {position} of the batch is {type(data).__name__}, not bytes")
        state = self.storage.read_state(lock=True)
        start = state.size
        stored = self._read(perfect_subtrees(0, start))
        stored_hash = _lookup(stored)
        new: dict[Range, bytes] = {}
        leaves = []
        for index, data in enumerate(entries, start):
            value = leaf_hash(data)
            leaves.append(Leaf(index, data, value))
            new[(index, index + 1)] = value
            for begin, end in completed_subtrees(index + 1)[1:]:
                middle = (begin + end) // 2
                left = new.get((begin, middle)) or stored_hash(begin, middle)
                value = node_hash(left, value)
                new[(begin, end)] = value
        size = start + len(entries)
        root = root_from_subtrees(size, _lookup({**stored, **new}))
        self.storage.write(leaves, new, LogState(size, root))
        return [leaf.index for leaf in leaves]

    def root(self, size: int | None = None, *, recompute: bool = False) -> bytes:
        """The root of the tree now, or of its first `size` entries.

        The current root comes from the state; a past one (or, with `recompute`, the
        current one too) is folded from the popcount(size) stored subtrees tiling it.
        """
        state = self.storage.read_state()
        if size is None:
            size = state.size
        if size == state.size and not recompute:
            return state.root
        self._require_size(size, state)
        return root_from_subtrees(size, _lookup(self._read(perfect_subtrees(0, size))))

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The RFC 9162 inclusion proof of entry `index` in the tree of `size` entries.

        Reads at most 2*ceil(log2(size)) - 2 stored hashes, in one storage call.
        """
        self._require_size(size)
        if not 0 <= index < size:
            raise OutOfRange(
                f"entry {index} is not in the tree of {size} entries: indexes run from 0 "
                "to size - 1"
            )
        ranges = inclusion_proof_ranges(index, size)
        return inclusion_proof_from(index, size, _lookup(self._read_tiles(ranges)))

    def inclusion_proof_by_leaf_hash(self, value: bytes, size: int) -> tuple[int, list[bytes]]:
        """The first index holding leaf hash `value` below `size`, and its inclusion proof."""
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise LogError(f"a leaf hash is {HASH_SIZE} bytes (SHA-256)")
        self._require_size(size)
        index = self.storage.find_leaf(value, size)
        if index is None:
            raise UnknownLeaf(
                f"no entry with leaf hash {value.hex()[:16]}… is among the first {size} "
                "entries of the log"
            )
        return index, self.inclusion_proof(index, size)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """The RFC 9162 consistency proof from the tree of size1 entries to that of size2.

        Reads at most 2*ceil(log2(size2)) - 1 stored hashes, in one storage call.
        """
        self._require_size(size2)
        if not 0 <= size1 <= size2:
            raise OutOfRange(
                f"no consistency proof from {size1} to {size2} entries: the first size must "
                "be between 0 and the second (the log only grows)"
            )
        ranges = consistency_proof_ranges(size1, size2)
        return consistency_proof_from(size1, size2, _lookup(self._read_tiles(ranges)))

    def entries(self, start: int, end: int) -> list[Leaf]:
        """The entries with index in [start, end); `end` at most the log's size."""
        state = self.storage.read_state()
        if not 0 <= start <= end <= state.size:
            raise OutOfRange(
                f"entries [{start}, {end}) are not in the log of {state.size} entries: "
                "ask for 0 <= start <= end <= size"
            )
        leaves = list(self.storage.read_leaves(start, end))
        if [leaf.index for leaf in leaves] != list(range(start, end)):
            raise StorageDamaged(f"the storage is missing entries in [{start}, {end})")
        return leaves

    # --- helpers ----------------------------------------------------------------------

    def _require_size(self, size: int, state: LogState | None = None) -> None:
        state = state or self.storage.read_state()
        if not 0 <= size <= state.size:
            raise OutOfRange(
                f"the log has {state.size} entries; a tree of {size} entries is not one of "
                "its versions"
            )

    def _read_tiles(self, ranges: Sequence[Range]) -> dict[Range, bytes]:
        tiles = {tile for begin, end in ranges for tile in perfect_subtrees(begin, end)}
        return self._read(sorted(tiles))

    def _read(self, ranges: Collection[Range]) -> dict[Range, bytes]:
        """Stored hashes of `ranges`; StorageDamaged if one is missing or malformed."""
        if not ranges:
            return {}
        found = dict(self.storage.read_subtrees(ranges))
        for begin, end in ranges:
            value = found.get((begin, end))
            if not isinstance(value, bytes) or len(value) != HASH_SIZE:
                raise StorageDamaged(
                    f"the stored hash of subtree [{begin}, {end}) is missing or malformed: "
                    "the log's storage is damaged"
                )
        return found


def _lookup(hashes: Mapping[Range, bytes]) -> Callable[[int, int], bytes]:
    def perfect_hash(start: int, end: int) -> bytes:
        value = hashes.get((start, end))
        if value is None:
            raise StorageDamaged(f"the hash of subtree [{start}, {end}) was not read")
        return value

    return perfect_hash
