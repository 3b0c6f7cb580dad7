"""The storage-backed log over an in-memory storage: appends, roots and proofs.

Proofs the log builds from stored subtrees must verify with `merkle.verify_*` and equal
the proofs `merkle` builds from the full leaf list; and they must read no more than
2*ceil(log2(n)) stored hashes, which the fake storage counts.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontporch.translog.log import (
    EMPTY_STATE,
    Leaf,
    LogError,
    LogState,
    OutOfRange,
    StorageDamaged,
    TransparencyLog,
    UnknownLeaf,
)
from frontporch.translog.merkle import (
    EMPTY_ROOT,
    Range,
    consistency_proof,
    inclusion_proof,
    is_perfect,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)


class MemoryStorage:
    """A `LogStorage` in dicts that counts what it reads and refuses to overwrite."""

    def __init__(self) -> None:
        self.state = EMPTY_STATE
        self.leaves: dict[int, Leaf] = {}
        self.subtrees: dict[Range, bytes] = {}
        self.hashes_read = 0
        self.subtree_calls = 0
        self.locks = 0

    def read_state(self, *, lock: bool = False) -> LogState:
        self.locks += lock
        return self.state

    def read_subtrees(self, ranges: Collection[Range]) -> Mapping[Range, bytes]:
        self.subtree_calls += 1
        self.hashes_read += len(ranges)
        for start, end in ranges:
            assert is_perfect(start, end), f"[{start}, {end}) is not a perfect subtree"
        return {r: self.subtrees[r] for r in ranges if r in self.subtrees}

    def write(
        self, leaves: Sequence[Leaf], subtrees: Mapping[Range, bytes], state: LogState
    ) -> None:
        for leaf in leaves:
            assert leaf.index not in self.leaves, f"entry {leaf.index} rewritten"
            self.leaves[leaf.index] = leaf
        for key, value in subtrees.items():
            assert key not in self.subtrees, f"subtree {key} rewritten"
            self.subtrees[key] = value
        self.state = state

    def read_leaves(self, start: int, end: int) -> Sequence[Leaf]:
        return [self.leaves[i] for i in range(start, end)]

    def find_leaf(self, value: bytes, size: int) -> int | None:
        found = [i for i, leaf in self.leaves.items() if leaf.hash == value and i < size]
        return min(found, default=None)

    def reset_counts(self) -> None:
        self.hashes_read = self.subtree_calls = 0


def entry(i: int) -> bytes:
    return f'{{"entry":{i}}}'.encode()


def build(size: int, batch: int = 7) -> tuple[TransparencyLog, MemoryStorage, list[bytes]]:
    storage = MemoryStorage()
    log = TransparencyLog(storage)
    for start in range(0, size, batch):
        log.append([entry(i) for i in range(start, min(size, start + batch))])
    return log, storage, [leaf_hash(entry(i)) for i in range(size)]


def levels(size: int) -> int:
    return (size - 1).bit_length()


MAX = 140
LOG, STORAGE, LEAVES = build(MAX, batch=5)


def test_append_returns_consecutive_indexes_and_tracks_the_root() -> None:
    storage = MemoryStorage()
    log = TransparencyLog(storage)
    assert log.state() == LogState(0, EMPTY_ROOT)
    assert log.append([]) == []
    assert storage.locks == 0, "an empty batch takes no lock"
    assert log.append([b"a", b"b", b"c"]) == [0, 1, 2]
    assert log.append([b"d"]) == [3]
    leaves = [leaf_hash(x) for x in (b"a", b"b", b"c", b"d")]
    assert log.state() == LogState(4, root_hash(leaves))
    assert log.root(3) == root_hash(leaves[:3])
    assert log.root(0) == EMPTY_ROOT
    assert [leaf.data for leaf in log.entries(1, 3)] == [b"b", b"c"]
    assert storage.locks == 2


@pytest.mark.parametrize("batch", [1, 2, 3, 64, 1000])
def test_any_batching_gives_the_same_tree(batch: int) -> None:
    log, storage, leaves = build(300, batch)
    assert log.root() == root_hash(leaves)
    assert storage.subtrees == build(300, 1)[1].subtrees


def test_appends_store_every_perfect_subtree_and_nothing_else() -> None:
    expected = {
        (start, start + width)
        for width in (1 << h for h in range(9))
        for start in range(0, MAX - width + 1, width)
    }
    assert set(STORAGE.subtrees) == expected
    for (start, end), value in STORAGE.subtrees.items():
        assert value == root_hash(LEAVES[start:end])


def test_an_append_reads_only_the_right_edge_and_writes_fewer_than_two_per_leaf() -> None:
    storage = MemoryStorage()
    log = TransparencyLog(storage)
    log.append([entry(i) for i in range(1000)])
    storage.reset_counts()
    written_before = len(storage.subtrees)
    log.append([entry(i) for i in range(1000, 1100)])
    assert storage.subtree_calls == 1
    assert storage.hashes_read == (1000).bit_count()
    # A batch completes at most 2k + L subtrees (levels whose boundary it crosses)...
    assert len(storage.subtrees) - written_before <= 2 * 100 + levels(1100)
    # ...and fewer than 2 per leaf over the life of the log.
    assert len(storage.subtrees) < 2 * 1100


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_inclusion_proofs_verify_and_match_the_full_tree(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, MAX))
    index = data.draw(st.integers(0, size - 1))
    STORAGE.reset_counts()
    proof = LOG.inclusion_proof(index, size)
    assert STORAGE.subtree_calls <= 1
    assert STORAGE.hashes_read <= 2 * levels(size)
    assert proof == inclusion_proof(index, LEAVES[:size])
    verify_inclusion(LEAVES[index], index, size, proof, root_hash(LEAVES[:size]))
    assert LOG.root(size) == root_hash(LEAVES[:size])


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_consistency_proofs_verify_and_match_the_full_tree(data: st.DataObject) -> None:
    size2 = data.draw(st.integers(0, MAX))
    size1 = data.draw(st.integers(0, size2))
    STORAGE.reset_counts()
    proof = LOG.consistency_proof(size1, size2)
    assert STORAGE.subtree_calls <= 1
    assert STORAGE.hashes_read <= max(0, 2 * levels(size2))
    assert proof == consistency_proof(size1, LEAVES[:size2])
    verify_consistency(size1, size2, proof, root_hash(LEAVES[:size1]), root_hash(LEAVES[:size2]))


def test_proofs_in_a_large_tree_read_logarithmically_many_hashes() -> None:
    # 2^16 - 1 leaves is where the bounds are reached (merkle's module docstring).
    log, storage, leaves = build((1 << 16) - 1, batch=4096)
    size = len(leaves)
    rng = random.Random(5)
    most = 0
    for _ in range(200):
        index = rng.randrange(size)
        storage.reset_counts()
        proof = log.inclusion_proof(index, size)
        most = max(most, storage.hashes_read)
        assert storage.hashes_read <= 2 * levels(size)
        verify_inclusion(leaves[index], index, size, proof, log.root())
        old = rng.randrange(1, size)
        storage.reset_counts()
        log.consistency_proof(old, size)
        assert storage.hashes_read <= 2 * levels(size)
    assert most > levels(size), "the right edge was tiled from stored subtrees"


def test_proof_by_leaf_hash_finds_the_first_copy_below_the_size() -> None:
    storage = MemoryStorage()
    log = TransparencyLog(storage)
    log.append([b"x", b"y", b"x", b"z"])
    index, proof = log.inclusion_proof_by_leaf_hash(leaf_hash(b"x"), 4)
    assert index == 0
    assert proof == log.inclusion_proof(0, 4)
    assert log.inclusion_proof_by_leaf_hash(leaf_hash(b"z"), 4)[0] == 3
    with pytest.raises(UnknownLeaf, match="first 3 entries"):
        log.inclusion_proof_by_leaf_hash(leaf_hash(b"z"), 3)
    with pytest.raises(UnknownLeaf):
        log.inclusion_proof_by_leaf_hash(leaf_hash(b"never"), 4)
    with pytest.raises(LogError, match="32 bytes"):
        log.inclusion_proof_by_leaf_hash(b"short", 4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda log: log.inclusion_proof(5, 5), "not in the tree of 5"),
        (lambda log: log.inclusion_proof(-1, 5), "not in the tree of 5"),
        (lambda log: log.inclusion_proof(0, 11), "has 10 entries"),
        (lambda log: log.inclusion_proof(0, 0), "not in the tree of 0"),
        (lambda log: log.consistency_proof(6, 5), "between 0 and the second"),
        (lambda log: log.consistency_proof(-1, 5), "between 0 and the second"),
        (lambda log: log.consistency_proof(1, 11), "has 10 entries"),
        (lambda log: log.entries(3, 11), "not in the log of 10"),
        (lambda log: log.entries(4, 3), "not in the log of 10"),
        (lambda log: log.root(11), "has 10 entries"),
    ],
)
def test_requests_beyond_the_log_are_refused(call: object, message: str) -> None:
    log = build(10)[0]
    with pytest.raises(OutOfRange, match=message):
        call(log)  # type: ignore[operator]


def test_non_bytes_entries_are_refused_before_anything_is_written() -> None:
    storage = MemoryStorage()
    log = TransparencyLog(storage)
    with pytest.raises(LogError, match="entry 1 of the batch is str"):
        log.append([b"ok", "text"])  # type: ignore[list-item]
    assert storage.state == EMPTY_STATE
    assert not storage.leaves


def test_a_missing_stored_hash_is_reported_as_damage_not_a_wrong_proof() -> None:
    log, storage, _ = build(20)
    del storage.subtrees[(0, 16)]
    with pytest.raises(StorageDamaged, match=r"\[0, 16\)"):
        log.inclusion_proof(17, 20)
    with pytest.raises(StorageDamaged, match=r"\[0, 16\)"):
        log.append([b"more"])
    storage.subtrees[(0, 16)] = b"too short"
    with pytest.raises(StorageDamaged, match="malformed"):
        log.root(19)


def test_recomputing_the_root_catches_a_damaged_state() -> None:
    log, storage, leaves = build(20)
    assert log.root(recompute=True) == root_hash(leaves)
    storage.state = LogState(20, root_hash(leaves[:19]))
    assert log.root() != log.root(recompute=True)
