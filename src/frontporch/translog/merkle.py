"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs (pure; hashlib only).

The log is the Merkle Tree of RFC 9162 section 2.1 (the same tree as RFC 6962), with
SHA-256. Section 2.1.1 defines the Merkle Tree Hash MTH of a list D[n] of entries:
MTH({}) = SHA-256(""), a leaf is HASH(0x00 || entry) and an interior node is
HASH(0x01 || left || right), the distinct prefixes keeping a leaf from being passed off
as a node. For n > 1, D[n] is split at k, the largest power of two smaller than n:
MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])).

Subtree ranges: what a stored log must keep
-------------------------------------------
Every hash a proof carries is MTH(D[start:end]) of a range of leaves [start, end), and
because the tree always splits at a power of two, every range the RFC's recursion
names (sections 2.1.3.1 and 2.1.4.1) is one of two kinds:

- perfect: [i*2^h, (i+1)*2^h), an aligned complete subtree of 2^h leaves. Its hash
  never changes once its last leaf is appended, so a log writes it once (the
  `completed_subtrees` of each append) and reads it forever.
- right edge: [a, n) in a tree of n leaves, where a is a multiple of the smallest power
  of two >= n - a. It exists only while the tree has n leaves, so it is never stored:
  it is the right fold of the perfect subtrees that tile it, largest first, one per set
  bit of n - a (`perfect_subtrees`):

      [a, n) = [a, a + 2^h1) + [a + 2^h1, a + 2^h1 + 2^h2) + ...    (h1 > h2 > ...)
      MTH(D[a:n]) = node(P1, node(P2, ... node(P(r-1), Pr)))        (`fold_subtrees`)

  This is MTH's own recursion: the left part of an aligned range is its largest
  perfect subtree.

`inclusion_proof_ranges` and `consistency_proof_ranges` say which ranges a proof
needs; `inclusion_proof_from` and `consistency_proof_from` build the proof from a
callback that returns the hash of one perfect subtree. How many it reads, for a tree of
n >= 2 leaves and L = ceil(log2(n)) levels: every range a proof names is perfect but at
most one, the right-edge range, which sits as the sibling of a node at some level
f <= L - 1 and has at most f tiles, all below level f. An inclusion proof has one
sibling per level below f, the right-edge range, and at most one per level above f: at
most L hashes, read from at most f + f + (L - 1 - f) = L - 1 + f <= 2L - 2 perfect
subtrees (L when n = 2, whose one sibling is a leaf). A consistency proof from size1
is the largest perfect subtree ending at size1 (at level v = trailing zeros of size1),
then that node's inclusion proof: at most L + 1 hashes, read from at most
1 + (f - v) + f + (L - 1 - f) <= 2L - 1 perfect subtrees. Both bounds are reached
at n = 2^L - 1 for every L >= 3. `root_from_subtrees` reads popcount(n) <= L.
`inclusion_proof` and `consistency_proof` build the same proofs from a full list of
leaf hashes.

Verification follows the algorithms of sections 2.1.3.2 and 2.1.4.2. Every failed or
malformed check raises `ProofError`; nothing returns False. Edge cases follow the
transparency-dev/merkle reference (proof/verify.go): inclusion needs index < size (a
one-leaf tree takes an empty proof and leaf == root); consistency between equal sizes
takes an empty proof and equal roots; any tree is consistent with the empty one (empty
proof, roots not compared); a proof whose length is not exactly what the sizes imply is
refused before any hashing. Unlike the reference, every hash, root included, must be
exactly 32 bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from frontporch.translog.errors import ProofError, TranslogError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

Range = tuple[int, int]
"""Leaves [start, end) of the tree, as in the RFC's D[start:end]."""

PerfectHash = Callable[[int, int], bytes]
"""Returns MTH(D[start:end]) of a perfect aligned subtree; called with no other range."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || data) (RFC 9162 section 2.1.1)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right) (section 2.1.1)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a whole tree given its leaf hashes, in order (section 2.1.1).

    The empty tree's root is SHA-256 of the empty string. Raises `TranslogError` if a
    leaf hash is not 32 bytes.
    """
    for position, value in enumerate(leaf_hashes):
        _require_hash(value, f"leaf hash {position}", TranslogError)
    if not leaf_hashes:
        return EMPTY_ROOT
    return _subtree_hash(leaf_hashes, 0, len(leaf_hashes))


# --- Subtree ranges -------------------------------------------------------------------


def is_perfect(start: int, end: int) -> bool:
    """Whether [start, end) is a perfect aligned subtree [i*2^h, (i+1)*2^h)."""
    width = end - start
    return start >= 0 and width > 0 and width & (width - 1) == 0 and start % width == 0


def perfect_subtrees(start: int, end: int) -> list[Range]:
    """Tile the subtree range [start, end) with perfect aligned subtrees, largest first.

    [start, end) must be a node of the tree of `end` leaves: start a multiple of the
    smallest power of two >= end - start (true of every range a proof names, and of
    [0, n)). There is one tile per set bit of end - start, and MTH(D[start:end]) is
    `fold_subtrees` of their hashes. An empty range has no tiles. Raises
    `TranslogError` for a range that is not such a node.
    """
    width = end - start
    if start < 0 or width < 0:
        raise TranslogError(f"[{start}, {end}) is not a range of leaves")
    if width and start % (1 << (width - 1).bit_length()):
        raise TranslogError(
            f"[{start}, {end}) is not a subtree of the log: its start must be a "
            f"multiple of {1 << (width - 1).bit_length()}"
        )
    tiles = []
    position = start
    for level in reversed(range(width.bit_length())):
        if width >> level & 1:
            tiles.append((position, position + (1 << level)))
            position += 1 << level
    return tiles


def fold_subtrees(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its `perfect_subtrees`, largest first.

    The fold is from the right: node(P1, node(P2, ... node(P(r-1), Pr))). Raises
    `TranslogError` when given no hashes.
    """
    if not hashes:
        raise TranslogError("an empty range has no subtree hash to fold")
    folded = hashes[-1]
    for left in reversed(hashes[:-1]):
        folded = node_hash(left, folded)
    return folded


def completed_subtrees(size: int) -> list[Range]:
    """The perfect subtrees that become complete when leaf `size - 1` is appended.

    They all end at `size`: [size - 2^h, size) for 2^h dividing size, smallest first,
    so each one's hash is node(stored left half, the previous one). A stored log writes
    these at each append: on average fewer than two per leaf.
    """
    if size < 1:
        raise TranslogError(f"a tree of {size} leaves completes no subtree")
    levels = (size & -size).bit_length()
    return [(size - (1 << level), size) for level in range(levels)]


def inclusion_proof_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes form the inclusion proof of leaf `index` (section 2.1.3.1).

    PATH(m, D[n]) lists the siblings on the way from the leaf to the root, lowest
    first. All are perfect but at most one, the right-edge range. Raises `ProofError`
    unless 0 <= index < size.
    """
    _require_index(index, size)
    ranges = []
    start, end = 0, size
    while end - start > 1:  # Walk down from the root; the RFC lists bottom-up.
        half = _split(end - start)
        if index < start + half:
            ranges.append((start + half, end))
            end = start + half
        else:
            ranges.append((start, start + half))
            start += half
    ranges.reverse()
    return ranges


def consistency_proof_ranges(size1: int, size2: int) -> list[Range]:
    """The ranges whose hashes form the consistency proof size1 -> size2 (section 2.1.4.1).

    PROOF(m, D[n]) = SUBPROOF(m, D[n], true). The first range is the largest perfect
    subtree ending at size1, left out when size1 is a power of two (the verifier holds
    it: it is the old root). Empty when size1 is 0 or equals size2. Raises
    `ProofError` unless 0 <= size1 <= size2.
    """
    _require_sizes(size1, size2)
    if size1 in (0, size2):
        return []
    ranges = []
    start, end, on_left_edge = 0, size2, True
    while end != size1:  # SUBPROOF(size1 - start, D[start:end], on_left_edge)
        half = _split(end - start)
        if size1 <= start + half:
            ranges.append((start + half, end))
            end = start + half
        else:
            ranges.append((start, start + half))
            start += half
            on_left_edge = False
    if not on_left_edge:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        ranges.append((start, end))
    ranges.reverse()
    return ranges


# --- Building proofs ------------------------------------------------------------------


def subtree_hash_from(start: int, end: int, perfect_hash: PerfectHash) -> bytes:
    """MTH(D[start:end]) of a subtree range, reading only its perfect tiles.

    Raises `TranslogError` if the range is no subtree or a stored hash is not 32 bytes
    (a damaged store must not turn into proofs that merely fail to verify elsewhere).
    """
    hashes = []
    for tile_start, tile_end in perfect_subtrees(start, end):
        value = perfect_hash(tile_start, tile_end)
        _require_hash(value, f"the stored subtree [{tile_start}, {tile_end})", TranslogError)
        hashes.append(value)
    return fold_subtrees(hashes)


def root_from_subtrees(size: int, perfect_hash: PerfectHash) -> bytes:
    """The root of the tree of `size` leaves, reading popcount(size) perfect subtrees."""
    if size < 0:
        raise TranslogError(f"a tree cannot have {size} leaves")
    return subtree_hash_from(0, size, perfect_hash) if size else EMPTY_ROOT


def inclusion_proof_from(index: int, size: int, perfect_hash: PerfectHash) -> list[bytes]:
    """The inclusion proof of leaf `index` in the tree of `size` leaves (section 2.1.3.1).

    `perfect_hash(start, end)` is asked only for perfect aligned subtrees, at most
    2L - 2 times for L = ceil(log2(size)) >= 2 (module docstring). Raises `ProofError`
    unless 0 <= index < size.
    """
    ranges = inclusion_proof_ranges(index, size)
    return [subtree_hash_from(start, end, perfect_hash) for start, end in ranges]


def consistency_proof_from(size1: int, size2: int, perfect_hash: PerfectHash) -> list[bytes]:
    """The consistency proof from size1 to size2 (section 2.1.4.1), from stored subtrees.

    `perfect_hash(start, end)` is asked only for perfect aligned subtrees, at most
    2L - 1 times for L = ceil(log2(size2)) (module docstring). Raises `ProofError`
    unless 0 <= size1 <= size2.
    """
    ranges = consistency_proof_ranges(size1, size2)
    return [subtree_hash_from(start, end, perfect_hash) for start, end in ranges]


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The inclusion proof of leaf `index` in the tree of all of `leaf_hashes`."""
    ranges = inclusion_proof_ranges(index, len(leaf_hashes))
    return [_subtree_hash(leaf_hashes, start, end) for start, end in ranges]


def consistency_proof(size1: int, leaf_hashes_of_size2: Sequence[bytes]) -> list[bytes]:
    """The consistency proof from the first `size1` leaves to all of them."""
    ranges = consistency_proof_ranges(size1, len(leaf_hashes_of_size2))
    return [_subtree_hash(leaf_hashes_of_size2, start, end) for start, end in ranges]


# --- Verifying proofs -----------------------------------------------------------------


def inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes the inclusion proof of leaf `index` in `size` leaves has.

    The paths to `index` and to the last leaf part at level `inner`; below it every
    level has a sibling, above it only the levels where `index` is a right child.
    """
    _require_index(index, size)
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(size1: int, size2: int) -> int:
    """How many hashes the consistency proof from size1 to size2 has."""
    _require_sizes(size1, size2)
    if size1 in (0, size2):
        return 0
    # The proof is that subtree's hash (unless it is the old root itself) and its
    # inclusion proof as a node of the tree of size2 seen at the subtree's level.
    level = (size1 & -size1).bit_length() - 1
    subtree_hash_needed = 0 if size1 == 1 << level else 1
    return subtree_hash_needed + inclusion_proof_length(
        (size1 - 1) >> level, ((size2 - 1) >> level) + 1
    )


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that `proof` puts leaf `index` under, in a tree of `tree_size` leaves.

    The algorithm of RFC 9162 section 2.1.3.2, steps 1-4 (step 5, comparing with the
    root, is `verify_inclusion`). Raises `ProofError` for an impossible index or size,
    a hash that is not 32 bytes, or a proof of the wrong length.
    """
    _require_index(index, tree_size)
    _require_hash(leaf_hash, "the leaf hash")
    _require_proof(proof)
    expected = inclusion_proof_length(index, tree_size)
    if len(proof) != expected:
        raise ProofError(
            f"the inclusion proof has {len(proof)} hashes, but leaf {index} of a tree of "
            f"{tree_size} leaves needs exactly {expected}: it was made for another index "
            "or tree size, or was altered"
        )
    fn, sn = index, tree_size - 1
    result = leaf_hash
    for sibling in proof:
        if sn == 0:  # Unreachable after the length check; kept as the RFC's own guard.
            raise ProofError("the inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:  # Climb past levels with no right sibling.
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof ends before it reaches the root")
    return result


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that leaf `index` with `leaf_hash` is in the tree of `tree_size` with `root`.

    RFC 9162 section 2.1.3.2. Returns nothing on success; raises `ProofError` on any
    failure (see `root_from_inclusion_proof`, and a root that does not match).

    The proof fixes the leaf's position under `root`, not the tree size: a size whose
    path has the same shape gives the same result. Take `tree_size` and `root` from one
    verified checkpoint, which signs them together.
    """
    _require_hash(root, "the root")
    computed = root_from_inclusion_proof(leaf_hash, index, tree_size, proof)
    if computed != root:
        raise ProofError(
            f"the inclusion proof does not lead to the expected root: leaf {index} is not "
            f"proven to be in the tree of {tree_size} leaves with root {_short(root)} "
            f"(the proof leads to {_short(computed)})"
        )


def root_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    """Check `proof` against the old root and return the new root it implies.

    The algorithm of RFC 9162 section 2.1.4.2 up to its final comparison with the new
    root, which is `verify_consistency`. For size1 == size2 the proof must be empty and
    the answer is root1. Raises `ProofError` for impossible sizes, a proof from the
    empty tree (it has no hashes to build a root from), a hash that is not 32 bytes, a
    proof of the wrong length, or a proof that does not lead to root1.
    """
    _require_sizes(size1, size2)
    _require_hash(root1, "the old root")
    _require_proof(proof)
    expected = consistency_proof_length(size1, size2)
    if len(proof) != expected:
        raise ProofError(
            f"the consistency proof has {len(proof)} hashes, but one from {size1} to "
            f"{size2} leaves needs exactly {expected}: it was made for other tree sizes "
            "or was altered"
        )
    if size1 == size2:
        return root1
    if size1 == 0:
        raise ProofError(
            "a consistency proof from the empty tree has no hashes, so it implies no new "
            "root; every tree is consistent with the empty one"
        )
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # Step 2: the old root is the proof's first subtree.
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:  # Step 4: start from the largest perfect subtree ending at size1.
        fn, sn = fn >> 1, sn >> 1
    old, new = path[0], path[0]
    for sibling in path[1:]:
        if sn == 0:  # Unreachable after the length check; kept as the RFC's own guard.
            raise ProofError("the consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            old, new = node_hash(sibling, old), node_hash(sibling, new)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:  # A subtree appended after size1: part of the new root only.
            new = node_hash(new, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof ends before it reaches the new root")
    if old != root1:
        raise ProofError(
            f"the consistency proof does not lead to the old root {_short(root1)} of "
            f"{size1} leaves (it leads to {_short(old)}): the log cannot be shown to "
            f"extend that tree"
        )
    return new


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of size2 with root2 extends the tree of size1 with root1.

    RFC 9162 section 2.1.4.2, with the reference's edge cases: equal sizes need an
    empty proof and equal roots; size1 == 0 needs an empty proof and always holds.
    Returns nothing on success; raises `ProofError` on any failure, including root1
    or root2 not being 32 bytes.
    """
    _require_sizes(size1, size2)
    _require_hash(root1, "the old root")
    _require_hash(root2, "the new root")
    # The reference this follows accepts growth from the empty tree with an empty proof;
    # its newest versions refuse size1 == 0 outright (transparency-dev/merkle PR #236).
    if size1 == 0 and size2 > 0:
        _require_proof(proof)
        if proof:
            raise ProofError(
                f"the consistency proof from the empty tree must be empty, not {len(proof)} hashes"
            )
        return
    computed = root_from_consistency_proof(size1, size2, proof, root1)
    if computed != root2:
        raise ProofError(
            f"the consistency proof does not lead to the new root {_short(root2)} of "
            f"{size2} leaves (it leads to {_short(computed)}): the log with {size1} "
            "leaves is not shown to be a prefix of it"
        )


# --- Helpers --------------------------------------------------------------------------


def _split(width: int) -> int:
    """k, the largest power of two smaller than width >= 2 (RFC 9162 section 2.1.1)."""
    return 1 << ((width - 1).bit_length() - 1)


def _subtree_hash(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) straight from the definition in section 2.1.1."""
    if end - start == 1:
        return leaf_hashes[start]
    middle = start + _split(end - start)
    return node_hash(
        _subtree_hash(leaf_hashes, start, middle), _subtree_hash(leaf_hashes, middle, end)
    )


def _require_index(index: int, size: int) -> None:
    if size < 0 or index < 0:
        raise ProofError(f"leaf {index} of a tree of {size} leaves: neither can be negative")
    if index >= size:
        raise ProofError(
            f"leaf {index} is not in a tree of {size} leaves: indexes run from 0 to size - 1"
        )


def _require_sizes(size1: int, size2: int) -> None:
    if size1 < 0 or size2 < 0:
        raise ProofError(f"tree sizes {size1} and {size2}: neither can be negative")
    if size1 > size2:
        raise ProofError(
            f"a log of {size2} leaves cannot extend one of {size1}: the log only grows, so "
            "the older tree must be the smaller"
        )


def _require_hash(value: bytes, what: str, error: type[TranslogError] = ProofError) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        size = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise error(f"{what} must be a {HASH_SIZE}-byte SHA-256 hash, not {size}")


def _require_proof(proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        _require_hash(value, f"proof hash {position}")


def _short(value: bytes) -> str:
    return value.hex()[:16] + "…"
