"""RFC 9162 Merkle hashing and proofs against the published 8-leaf test tree.

Known answers and the corrupted variants come from transparency-dev/merkle (see
merkle_vectors.py); the edge-case tables follow its proof/verify_test.go.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import merkle_vectors as vectors
import pytest

from frontporch.translog.errors import ProofError, TranslogError
from frontporch.translog.merkle import (
    EMPTY_ROOT,
    completed_subtrees,
    consistency_proof,
    consistency_proof_from,
    consistency_proof_length,
    consistency_proof_ranges,
    fold_subtrees,
    inclusion_proof,
    inclusion_proof_from,
    inclusion_proof_length,
    inclusion_proof_ranges,
    is_perfect,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    root_from_subtrees,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [leaf_hash(entry) for entry in vectors.LEAF_INPUTS]
# 32-byte stand-ins for the reference's "don't care" roots, which are not hashes.
CARE_NOT_1 = hashlib.sha256(b"don't care 1").digest()
CARE_NOT_2 = hashlib.sha256(b"don't care 2").digest()


def stored_subtree(start: int, end: int) -> bytes:
    """A stored log's lookup: only perfect subtrees of the published table exist."""
    width = end - start
    assert is_perfect(start, end), f"asked for [{start}, {end}), which is not stored"
    return vectors.NODE_HASHES[width.bit_length() - 1][start // width]


def flip(value: bytes, bit: int) -> bytes:
    """`value` with one bit inverted (bit 0 is the low bit of the first byte)."""
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


# --- Hashing --------------------------------------------------------------------------


def test_leaf_and_node_hashes_match_the_published_tree() -> None:
    assert vectors.NODE_HASHES[0] == LEAVES
    for level in range(1, 4):
        below = vectors.NODE_HASHES[level - 1]
        pairs = [node_hash(below[i], below[i + 1]) for i in range(0, len(below), 2)]
        assert pairs == vectors.NODE_HASHES[level]


def test_the_prefixes_keep_leaves_and_nodes_apart() -> None:
    left, right = LEAVES[0], LEAVES[1]
    assert leaf_hash(left + right) != node_hash(left, right)
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


@pytest.mark.parametrize("size", range(9))
def test_root_of_every_prefix_matches_the_published_roots(size: int) -> None:
    assert root_hash(LEAVES[:size]) == vectors.ROOTS[size]
    assert root_from_subtrees(size, stored_subtree) == vectors.ROOTS[size]


def test_the_empty_tree_hashes_the_empty_string() -> None:
    assert root_hash([]) == EMPTY_ROOT == vectors.EMPTY_ROOT == hashlib.sha256().digest()


def test_root_hash_refuses_a_leaf_hash_of_the_wrong_size() -> None:
    with pytest.raises(TranslogError, match="leaf hash 1 must be a 32-byte"):
        root_hash([LEAVES[0], LEAVES[1][:31]])


# --- Subtree ranges -------------------------------------------------------------------


@pytest.mark.parametrize(("size", "index"), sorted(vectors.INCLUSION_SHAPES))
def test_inclusion_ranges_match_the_reference_shapes(size: int, index: int) -> None:
    ranges = inclusion_proof_ranges(index, size)
    assert ranges == vectors.INCLUSION_SHAPES[(size, index)]
    assert inclusion_proof_length(index, size) == len(ranges)


@pytest.mark.parametrize(("size", "index"), vectors.INCLUSION_SHAPE_ERRORS)
def test_inclusion_ranges_refuse_leaves_outside_the_tree(size: int, index: int) -> None:
    with pytest.raises(ProofError, match="is not in a tree of"):
        inclusion_proof_ranges(index, size)


@pytest.mark.parametrize(("size1", "size2"), sorted(vectors.CONSISTENCY_SHAPES))
def test_consistency_ranges_match_the_reference_shapes(size1: int, size2: int) -> None:
    ranges = consistency_proof_ranges(size1, size2)
    assert ranges == vectors.CONSISTENCY_SHAPES[(size1, size2)]
    assert consistency_proof_length(size1, size2) == len(ranges)


@pytest.mark.parametrize(("size1", "size2"), vectors.CONSISTENCY_SHAPE_ERRORS)
def test_consistency_ranges_refuse_a_shrinking_log(size1: int, size2: int) -> None:
    with pytest.raises(ProofError, match="cannot extend"):
        consistency_proof_ranges(size1, size2)


def test_negative_sizes_and_indexes_are_refused() -> None:
    with pytest.raises(ProofError, match="negative"):
        inclusion_proof_ranges(-1, 4)
    with pytest.raises(ProofError, match="negative"):
        consistency_proof_ranges(-1, 4)
    with pytest.raises(ProofError, match="negative"):
        consistency_proof_ranges(-3, -1)


def test_consistency_from_the_empty_tree_or_to_the_same_size_needs_no_hashes() -> None:
    assert consistency_proof_ranges(0, 0) == []
    assert consistency_proof_ranges(0, 9) == []
    assert consistency_proof_ranges(9, 9) == []


def test_perfect_subtrees_tile_a_right_edge_range_largest_first() -> None:
    assert perfect_subtrees(0, 7) == [(0, 4), (4, 6), (6, 7)]
    assert perfect_subtrees(88, 95) == [(88, 92), (92, 94), (94, 95)]
    assert perfect_subtrees(64, 80) == [(64, 80)]
    assert perfect_subtrees(5, 5) == []


@pytest.mark.parametrize(("start", "end"), [(1, 4), (2, 5), (4, 9), (3, 5)])
def test_perfect_subtrees_refuse_a_range_that_is_no_subtree(start: int, end: int) -> None:
    with pytest.raises(TranslogError, match="is not a subtree of the log"):
        perfect_subtrees(start, end)


def test_perfect_subtrees_refuse_a_backwards_range() -> None:
    with pytest.raises(TranslogError, match="is not a range of leaves"):
        perfect_subtrees(5, 4)


def test_folding_the_tiles_of_every_prefix_gives_its_root() -> None:
    for size in range(1, 9):
        tiles = [stored_subtree(s, e) for s, e in perfect_subtrees(0, size)]
        assert fold_subtrees(tiles) == vectors.ROOTS[size]
    with pytest.raises(TranslogError, match="empty range"):
        fold_subtrees([])


def test_a_damaged_store_is_reported_not_folded_into_a_proof() -> None:
    def damaged(start: int, end: int) -> bytes:
        return (
            stored_subtree(start, end)[:16]
            if (start, end) == (4, 6)
            else stored_subtree(start, end)
        )

    with pytest.raises(TranslogError, match=r"stored subtree \[4, 6\) must be a 32-byte"):
        inclusion_proof_from(0, 7, damaged)


def test_each_append_completes_the_subtrees_ending_at_the_new_size() -> None:
    assert completed_subtrees(1) == [(0, 1)]
    assert completed_subtrees(6) == [(5, 6), (4, 6)]
    assert completed_subtrees(8) == [(7, 8), (6, 8), (4, 8), (0, 8)]
    with pytest.raises(TranslogError):
        completed_subtrees(0)
    # Appending leaf by leaf stores every perfect subtree exactly once.
    stored = [r for size in range(1, 65) for r in completed_subtrees(size)]
    perfect = [(s, e) for e in range(1, 65) for s in range(e) if is_perfect(s, e)]
    assert sorted(stored) == sorted(perfect)


# --- Known-answer proofs --------------------------------------------------------------


@pytest.mark.parametrize(("index", "size", "proof"), vectors.INCLUSION_PROOFS)
def test_published_inclusion_proofs_are_generated_and_verify(
    index: int, size: int, proof: list[bytes]
) -> None:
    assert inclusion_proof(index, LEAVES[:size]) == proof
    assert inclusion_proof_from(index, size, stored_subtree) == proof
    assert root_from_inclusion_proof(LEAVES[index], index, size, proof) == vectors.ROOTS[size]
    verify_inclusion(LEAVES[index], index, size, proof, vectors.ROOTS[size])


@pytest.mark.parametrize(("size1", "size2", "proof"), vectors.CONSISTENCY_PROOFS)
def test_published_consistency_proofs_are_generated_and_verify(
    size1: int, size2: int, proof: list[bytes]
) -> None:
    root1, root2 = vectors.ROOTS[size1], vectors.ROOTS[size2]
    assert consistency_proof(size1, LEAVES[:size2]) == proof
    assert consistency_proof_from(size1, size2, stored_subtree) == proof
    assert root_from_consistency_proof(size1, size2, proof, root1) == root2
    verify_consistency(size1, size2, proof, root1, root2)


def test_every_proof_in_the_published_tree_verifies() -> None:
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(index, LEAVES[:size])
            assert proof == inclusion_proof_from(index, size, stored_subtree)
            verify_inclusion(LEAVES[index], index, size, proof, vectors.ROOTS[size])
    for size2 in range(0, 9):
        for size1 in range(0, size2 + 1):
            proof = consistency_proof(size1, LEAVES[:size2])
            assert proof == consistency_proof_from(size1, size2, stored_subtree)
            verify_consistency(size1, size2, proof, vectors.ROOTS[size1], vectors.ROOTS[size2])


Probe = tuple[str, Callable[[], None]]


def refused(call: Callable[[], None]) -> bool:
    """Whether `call` raises ProofError; any other exception fails the test."""
    try:
        call()
    except ProofError:
        return True
    return False


def corrupted_inclusions(index: int, size: int, proof: list[bytes], root: bytes) -> list[Probe]:
    """The reference's corruptInclusionProof probes, each a call that must raise."""
    leaf = LEAVES[index]

    def probe(i: int, n: int, lf: bytes, p: list[bytes], r: bytes) -> Callable[[], None]:
        return lambda: verify_inclusion(lf, i, n, p, r)

    probes: list[Probe] = [
        ("index - 1", probe(index - 1, size, leaf, proof, root)),
        ("index + 1", probe(index + 1, size, leaf, proof, root)),
        ("index ^ 2", probe(index ^ 2, size, leaf, proof, root)),
        ("size * 2", probe(index, size * 2, leaf, proof, root)),
        ("size // 2", probe(index, size // 2, leaf, proof, root)),
        ("wrong leaf", probe(index, size, b"WrongLeaf", proof, root)),
        ("wrong leaf of the right size", probe(index, size, vectors.SOME_HASH, proof, root)),
        ("empty root", probe(index, size, leaf, proof, EMPTY_ROOT)),
        ("random root", probe(index, size, leaf, proof, vectors.SOME_HASH)),
        ("trailing garbage", probe(index, size, leaf, [*proof, b""], root)),
        ("trailing root", probe(index, size, leaf, [*proof, root], root)),
        ("preceding garbage", probe(index, size, leaf, [b"", *proof], root)),
        ("preceding root", probe(index, size, leaf, [root, *proof], root)),
    ]
    for i in range(len(proof)):
        for bit in (3, 255):
            changed = [*proof[:i], flip(proof[i], bit), *proof[i + 1 :]]
            probes.append((f"proof[{i}] bit {bit}", probe(index, size, leaf, changed, root)))
    if proof:
        probes.append(("removed component", probe(index, size, leaf, proof[:-1], root)))
    if len(proof) > 1:
        inserted = [proof[0], vectors.SOME_HASH, *proof[1:]]
        probes.append(("inserted component", probe(index, size, leaf, inserted, root)))
    return probes


@pytest.mark.parametrize(("index", "size", "proof"), vectors.INCLUSION_PROOFS)
def test_corrupted_inclusion_proofs_are_refused(index: int, size: int, proof: list[bytes]) -> None:
    probes = corrupted_inclusions(index, size, proof, vectors.ROOTS[size])
    assert [desc for desc, call in probes if not refused(call)] == []


def corrupted_consistencies(
    size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes
) -> list[Probe]:
    """The reference's corruptConsistencyProof probes, each a call that must raise."""

    def probe(n1: int, n2: int, p: list[bytes], r1: bytes, r2: bytes) -> Callable[[], None]:
        return lambda: verify_consistency(n1, n2, p, r1, r2)

    probes: list[Probe] = [
        ("size1 - 1", probe(size1 - 1, size2, proof, root1, root2)),
        ("size1 + 1", probe(size1 + 1, size2, proof, root1, root2)),
        ("size1 ^ 2", probe(size1 ^ 2, size2, proof, root1, root2)),
        ("size2 * 2", probe(size1, size2 * 2, proof, root1, root2)),
        ("size2 // 2", probe(size1, size2 // 2, proof, root1, root2)),
        ("wrong root1", probe(size1, size2, proof, b"WrongRoot", root2)),
        ("wrong root2", probe(size1, size2, proof, root1, b"WrongRoot")),
        ("other root1", probe(size1, size2, proof, vectors.SOME_HASH, root2)),
        ("other root2", probe(size1, size2, proof, root1, vectors.SOME_HASH)),
        ("swapped roots", probe(size1, size2, proof, root2, root1)),
        ("empty proof", probe(size1, size2, [], root1, root2)),
        ("trailing garbage", probe(size1, size2, [*proof, b""], root1, root2)),
        ("trailing root1", probe(size1, size2, [*proof, root1], root1, root2)),
        ("trailing root2", probe(size1, size2, [*proof, root2], root1, root2)),
        ("preceding garbage", probe(size1, size2, [b"", *proof], root1, root2)),
        ("preceding root1", probe(size1, size2, [root1, *proof], root1, root2)),
        ("preceding root2", probe(size1, size2, [root2, *proof], root1, root2)),
        ("preceding proof[0]", probe(size1, size2, [proof[0], *proof], root1, root2)),
        ("truncated proof", probe(size1, size2, proof[:-1], root1, root2)),
    ]
    for i in range(len(proof)):
        for bit in (4, 255):
            changed = [*proof[:i], flip(proof[i], bit), *proof[i + 1 :]]
            probes.append((f"proof[{i}] bit {bit}", probe(size1, size2, changed, root1, root2)))
    return probes


@pytest.mark.parametrize(
    ("size1", "size2", "proof"), [v for v in vectors.CONSISTENCY_PROOFS if v[2]]
)
def test_corrupted_consistency_proofs_are_refused(
    size1: int, size2: int, proof: list[bytes]
) -> None:
    root1, root2 = vectors.ROOTS[size1], vectors.ROOTS[size2]
    probes = corrupted_consistencies(size1, size2, proof, root1, root2)
    assert [desc for desc, call in probes if not refused(call)] == []


# --- Edge cases (proof/verify_test.go) ------------------------------------------------


def test_a_one_leaf_tree_takes_an_empty_proof_and_the_leaf_is_the_root() -> None:
    leaf = leaf_hash(b"data")
    verify_inclusion(leaf, 0, 1, [], leaf)
    for wrong_leaf, wrong_root in [(leaf, b""), (b"", leaf), (b"", b""), (leaf, CARE_NOT_1)]:
        with pytest.raises(ProofError):
            verify_inclusion(wrong_leaf, 0, 1, [], wrong_root)
    with pytest.raises(ProofError, match="needs exactly 0"):
        verify_inclusion(leaf, 0, 1, [leaf], leaf)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (1, 1)])
def test_inclusion_outside_the_tree_never_verifies(index: int, size: int) -> None:
    for leaf, root in [
        (vectors.SOME_HASH, b""),
        (b"", EMPTY_ROOT),
        (vectors.SOME_HASH, EMPTY_ROOT),
        (EMPTY_ROOT, EMPTY_ROOT),
    ]:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, [], root)


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof"),
    [
        # Equal sizes need equal roots.
        (0, 0, CARE_NOT_1, CARE_NOT_2, []),
        (1, 1, CARE_NOT_1, CARE_NOT_2, []),
        (0, 0, EMPTY_ROOT, CARE_NOT_2, []),
        (1, 1, EMPTY_ROOT, CARE_NOT_2, []),
        # Time travel to the past.
        (1, 0, CARE_NOT_1, CARE_NOT_2, []),
        (2, 1, CARE_NOT_1, CARE_NOT_2, []),
        # Growth needs a proof.
        (1, 2, CARE_NOT_1, CARE_NOT_2, []),
        # Roots match but the proof is not empty.
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        # Negative sizes.
        (-1, 1, CARE_NOT_1, CARE_NOT_2, []),
        (-2, -1, CARE_NOT_1, CARE_NOT_2, []),
    ],
)
def test_consistency_edge_cases_that_fail(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> None:
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, root2)


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2"),
    [
        (0, 0, CARE_NOT_1, CARE_NOT_1),
        (0, 1, CARE_NOT_1, CARE_NOT_2),
        (0, 8, EMPTY_ROOT, vectors.ROOTS[8]),
        (1, 1, CARE_NOT_2, CARE_NOT_2),
    ],
)
def test_consistency_edge_cases_that_hold(
    size1: int, size2: int, root1: bytes, root2: bytes
) -> None:
    verify_consistency(size1, size2, [], root1, root2)


def test_every_root_and_proof_hash_must_be_32_bytes() -> None:
    proof = inclusion_proof(5, LEAVES)
    root = vectors.ROOTS[8]
    for short in (b"", root[:31], root + b"\x00"):
        with pytest.raises(ProofError, match="the root must be a 32-byte"):
            verify_inclusion(LEAVES[5], 5, 8, proof, short)
        with pytest.raises(ProofError, match="the leaf hash must be a 32-byte"):
            verify_inclusion(short, 5, 8, proof, root)
        with pytest.raises(ProofError, match="proof hash 1 must be a 32-byte"):
            verify_inclusion(LEAVES[5], 5, 8, [proof[0], short, proof[2]], root)
        with pytest.raises(ProofError, match="the old root must be a 32-byte"):
            verify_consistency(0, 8, [], short, root)
        with pytest.raises(ProofError, match="the new root must be a 32-byte"):
            verify_consistency(8, 8, [], root, short)
    with pytest.raises(ProofError, match="not str"):
        verify_inclusion(LEAVES[5], 5, 8, [proof[0], proof[1].hex(), proof[2]], root)  # type: ignore[list-item]


def test_a_consistency_proof_from_the_empty_tree_implies_no_root() -> None:
    with pytest.raises(ProofError, match="every tree is consistent with the empty one"):
        root_from_consistency_proof(0, 8, [], EMPTY_ROOT)
    assert root_from_consistency_proof(8, 8, [], vectors.ROOTS[8]) == vectors.ROOTS[8]


def test_failures_say_what_was_expected() -> None:
    proof = inclusion_proof(5, LEAVES)
    with pytest.raises(ProofError, match=r"has 2 hashes, but leaf 5 of a tree of 8 .* exactly 3"):
        verify_inclusion(LEAVES[5], 5, 8, proof[:2], vectors.ROOTS[8])
    with pytest.raises(ProofError, match="does not lead to the expected root: leaf 5"):
        verify_inclusion(LEAVES[4], 5, 8, proof, vectors.ROOTS[8])
    consistency = consistency_proof(6, LEAVES)
    with pytest.raises(ProofError, match="does not lead to the old root"):
        verify_consistency(6, 8, consistency, vectors.ROOTS[5], vectors.ROOTS[8])
    with pytest.raises(ProofError, match="does not lead to the new root"):
        verify_consistency(6, 8, consistency, vectors.ROOTS[6], vectors.ROOTS[7])
    with pytest.raises(ProofError, match="only grows"):
        verify_consistency(8, 6, consistency, vectors.ROOTS[8], vectors.ROOTS[6])
