"""A compact range: the few hashes a monitor keeps to extend a tree it has checked.

RFC 9162 section 2.1.1 builds MTH(D[n]) from the perfect aligned subtrees that tile
[0, n), one per set bit of n, largest first (`merkle.perfect_subtrees`); the root is
their right fold (`merkle.fold_subtrees`). A monitor that has hashed every leaf up to n
keeps just those popcount(n) <= log2(n) + 1 hashes. Appending a leaf is a binary
increment: the new leaf merges with the smallest tiles while they have its width (one
merge per trailing set bit of n), so the monitor can recompute the root of any later
size from the new leaves alone, without fetching an old entry again.

This is the "compact range" of transparency-dev/merkle (compact/range.go), restricted
to ranges that start at 0, which is all a monitor needs. Pure: hashlib only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from frontporch.translog.errors import TranslogError
from frontporch.translog.merkle import EMPTY_ROOT, HASH_SIZE, fold_subtrees, node_hash


@dataclass(frozen=True)
class CompactRange:
    """The hashes of the perfect subtrees tiling [0, size), largest first."""

    size: int = 0
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "hashes", tuple(self.hashes))
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise TranslogError(f"a compact range covers 0 or more leaves, not {self.size!r}")
        if len(self.hashes) != self.size.bit_count():
            raise TranslogError(
                f"a compact range of {self.size} leaves holds {self.size.bit_count()} "
                f"subtree hashes (one per set bit of the size), not {len(self.hashes)}"
            )
        for position, value in enumerate(self.hashes):
            if not isinstance(value, bytes) or len(value) != HASH_SIZE:
                raise TranslogError(
                    f"subtree hash {position} of the compact range must be {HASH_SIZE} bytes"
                )

    def appended(self, leaf_hashes: Iterable[bytes]) -> CompactRange:
        """The compact range after appending leaves with these hashes, in order.

        Raises `TranslogError` if a leaf hash is not 32 bytes.
        """
        size = self.size
        stack = list(self.hashes)
        for position, leaf in enumerate(leaf_hashes, start=self.size):
            if not isinstance(leaf, bytes) or len(leaf) != HASH_SIZE:
                raise TranslogError(f"the hash of leaf {position} must be {HASH_SIZE} bytes")
            merged = leaf
            level = 0
            while size >> level & 1:  # each trailing set bit is a tile of the leaf's width
                merged = node_hash(stack.pop(), merged)
                level += 1
            stack.append(merged)
            size += 1
        return CompactRange(size, tuple(stack))

    def root(self) -> bytes:
        """MTH(D[0:size]): the right fold of the tiles, or SHA-256("") when empty."""
        return fold_subtrees(self.hashes) if self.hashes else EMPTY_ROOT


def compact_range_of(leaf_hashes: Sequence[bytes]) -> CompactRange:
    """The compact range of a whole tree given its leaf hashes, in order."""
    return CompactRange().appended(leaf_hashes)
