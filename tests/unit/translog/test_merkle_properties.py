"""Merkle proofs over random trees: every proof verifies, every mutation of one fails.

The roots are computed independently by `root_hash` (MTH straight from RFC 9162 section
2.1.1); proofs built from stored perfect subtrees must equal those built from the leaves.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from frontporch.translog.errors import ProofError
from frontporch.translog.merkle import (
    consistency_proof,
    consistency_proof_from,
    consistency_proof_ranges,
    inclusion_proof,
    inclusion_proof_from,
    inclusion_proof_ranges,
    is_perfect,
    leaf_hash,
    perfect_subtrees,
    root_from_subtrees,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 300
LEAVES = [leaf_hash(f"entry {i}".encode()) for i in range(MAX_SIZE)]
ROOTS = [root_hash(LEAVES[:size]) for size in range(MAX_SIZE + 1)]


class StoredTree:
    """A fake stored log: it answers only perfect subtrees, and counts the reads."""

    def __init__(self) -> None:
        self.reads: list[tuple[int, int]] = []

    def __call__(self, start: int, end: int) -> bytes:
        assert is_perfect(start, end), f"[{start}, {end}) is not a stored subtree"
        self.reads.append((start, end))
        return root_hash(LEAVES[start:end])


def levels(size: int) -> int:
    """L = ceil(log2(size)), the height of a tree of `size` leaves."""
    return (size - 1).bit_length()


def flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def raises(call: object, *args: object) -> bool:
    """Whether calling `call(*args)` raises ProofError (any other error propagates)."""
    assert callable(call)
    try:
        call(*args)
    except ProofError:
        return True
    return False


def inclusion_shape(index: int, size: int) -> tuple[bool, ...]:
    """For each proof hash, whether it is a left sibling: all the verifier's arithmetic
    uses of (index, size). Equal shapes mean the very same hash computation."""
    return tuple(end <= index for _, end in inclusion_proof_ranges(index, size))


def consistency_shape(size1: int, size2: int) -> tuple[object, ...] | None:
    """Like `inclusion_shape`: whether the old root seeds the proof, and which hashes lie
    inside the old tree. None where the sizes take an empty proof."""
    if size1 in (0, size2):
        return None
    ranges = consistency_proof_ranges(size1, size2)
    return (size1 & (size1 - 1) == 0, tuple(end <= size1 for _, end in ranges))


sizes = st.integers(min_value=1, max_value=MAX_SIZE)


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(min_value=2, max_value=MAX_SIZE))
    return draw(st.integers(min_value=1, max_value=size2 - 1)), size2


@settings(max_examples=300, deadline=None)
@given(size_and_index())
def test_every_inclusion_proof_verifies_against_the_independent_root(
    case: tuple[int, int],
) -> None:
    size, index = case
    proof = inclusion_proof(index, LEAVES[:size])
    stored = StoredTree()
    assert inclusion_proof_from(index, size, stored) == proof
    bound = 2 * levels(size) - 2 if size > 2 else levels(size)
    assert len(stored.reads) <= bound
    verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_SIZE), st.data())
def test_every_consistency_proof_verifies_against_the_independent_roots(
    size2: int, data: st.DataObject
) -> None:
    size1 = data.draw(st.integers(min_value=0, max_value=size2))
    proof = consistency_proof(size1, LEAVES[:size2])
    stored = StoredTree()
    assert consistency_proof_from(size1, size2, stored) == proof
    assert len(stored.reads) <= max(2 * levels(size2) - 1, 0)
    assert root_from_subtrees(size2, StoredTree()) == ROOTS[size2]
    verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])


@settings(max_examples=300, deadline=None)
@given(size_and_index(), st.data())
def test_any_one_change_to_an_inclusion_proof_is_refused(
    case: tuple[int, int], data: st.DataObject
) -> None:
    size, index = case
    leaf, root = LEAVES[index], ROOTS[size]
    proof = inclusion_proof(index, LEAVES[:size])
    other_hash = leaf_hash(data.draw(st.binary(max_size=8), label="other entry"))
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    at = data.draw(st.integers(min_value=0, max_value=len(proof)), label="position")

    assert raises(verify_inclusion, flip(leaf, bit), index, size, proof, root)
    assert raises(verify_inclusion, leaf, index, size, proof, flip(root, bit))
    inserted = [*proof[:at], data.draw(st.sampled_from([other_hash, leaf, root, *proof]))]
    assert raises(verify_inclusion, leaf, index, size, [*inserted, *proof[at:]], root)
    if proof:
        at = min(at, len(proof) - 1)
        flipped = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert raises(verify_inclusion, leaf, index, size, flipped, root)
        assert raises(verify_inclusion, leaf, index, size, proof[:at] + proof[at + 1 :], root)
        replaced = [*proof[:at], other_hash, *proof[at + 1 :]]
        assert raises(verify_inclusion, leaf, index, size, replaced, root)

    other_index = data.draw(st.integers(min_value=-1, max_value=size), label="other index")
    if other_index != index:
        assert raises(verify_inclusion, leaf, other_index, size, proof, root)
    # The proof fixes the leaf's position under this root, not the size: a size whose
    # path has the same shape computes the same root (the size is bound to the root by
    # the signed checkpoint). Every other size is refused.
    other_size = data.draw(st.integers(min_value=0, max_value=2 * MAX_SIZE), label="size")
    if other_size != size:
        same_shape = index < other_size and (
            inclusion_shape(index, other_size) == inclusion_shape(index, size)
        )
        assert raises(verify_inclusion, leaf, index, other_size, proof, root) != same_shape


@settings(max_examples=300, deadline=None)
@given(two_sizes(), st.data())
def test_any_one_change_to_a_consistency_proof_is_refused(
    case: tuple[int, int], data: st.DataObject
) -> None:
    size1, size2 = case
    root1, root2 = ROOTS[size1], ROOTS[size2]
    proof = consistency_proof(size1, LEAVES[:size2])
    assert proof, "growth always takes a proof"
    other_hash = leaf_hash(data.draw(st.binary(max_size=8), label="other entry"))
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="position")

    flipped = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
    assert raises(verify_consistency, size1, size2, flipped, root1, root2)
    assert raises(verify_consistency, size1, size2, proof[:at] + proof[at + 1 :], root1, root2)
    replaced = [*proof[:at], other_hash, *proof[at + 1 :]]
    assert raises(verify_consistency, size1, size2, replaced, root1, root2)
    extra = data.draw(st.sampled_from([other_hash, root1, root2, *proof]), label="extra")
    at_or_end = data.draw(st.integers(min_value=0, max_value=len(proof)), label="insert at")
    inserted = [*proof[:at_or_end], extra, *proof[at_or_end:]]
    assert raises(verify_consistency, size1, size2, inserted, root1, root2)
    assert raises(verify_consistency, size1, size2, proof, flip(root1, bit), root2)
    assert raises(verify_consistency, size1, size2, proof, root1, flip(root2, bit))
    assert raises(verify_consistency, size1, size2, proof, root2, root1)

    # As for inclusion, sizes with the same proof shape compute the same roots.
    shape = consistency_shape(size1, size2)
    other1 = data.draw(st.integers(min_value=-1, max_value=size2 + 1), label="other size1")
    if other1 != size1:
        same_shape = 0 <= other1 <= size2 and consistency_shape(other1, size2) == shape
        assert raises(verify_consistency, other1, size2, proof, root1, root2) != same_shape
    other2 = data.draw(st.integers(min_value=0, max_value=2 * MAX_SIZE), label="other size2")
    if other2 != size2:
        same_shape = size1 <= other2 and consistency_shape(size1, other2) == shape
        assert raises(verify_consistency, size1, other2, proof, root1, root2) != same_shape


def test_the_ranges_name_only_perfect_subtrees_and_one_right_edge_at_most() -> None:
    for size in range(1, 130):
        for index in range(size):
            ranges = inclusion_proof_ranges(index, size)
            assert_ranges_are_subtrees(ranges, size)
            assert len(ranges) <= levels(size)
        for size1 in range(size + 1):
            ranges = consistency_proof_ranges(size1, size)
            assert_ranges_are_subtrees(ranges, size)
            assert len(ranges) <= levels(size) + 1


def assert_ranges_are_subtrees(ranges: list[tuple[int, int]], size: int) -> None:
    """Each range is a perfect subtree or, once at most, the right edge of the tree;
    the ranges are disjoint; and a right-edge range folds from its perfect tiles."""
    edges = [(s, e) for s, e in ranges if not is_perfect(s, e)]
    assert len(edges) <= 1
    for start, end in edges:
        assert end == size
        tiles = perfect_subtrees(start, end)
        assert all(is_perfect(s, e) for s, e in tiles)
        assert [s for s, _ in tiles] == [start] + [e for _, e in tiles[:-1]]
        assert tiles[-1][1] == end
        assert len(tiles) == (end - start).bit_count()
    covered = sorted(ranges)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(covered))


def test_the_read_bounds_are_exact() -> None:
    """2L - 2 reads for inclusion (n > 2) and 2L - 1 for consistency, reached at n = 2^L - 1."""

    def reads(ranges: list[tuple[int, int]]) -> int:
        return sum(len(perfect_subtrees(s, e)) for s, e in ranges)

    for size in range(2, 260):
        height = levels(size)
        worst_inclusion = max(reads(inclusion_proof_ranges(i, size)) for i in range(size))
        worst_consistency = max(reads(consistency_proof_ranges(m, size)) for m in range(size + 1))
        assert worst_inclusion <= (2 * height - 2 if size > 2 else height)
        assert worst_consistency <= 2 * height - 1
        if size == (1 << height) - 1 and height >= 3:
            assert worst_inclusion == 2 * height - 2
            assert worst_consistency == 2 * height - 1
