"""Published RFC 6962 / RFC 9162 Merkle tree known answers (data, copied verbatim).

Sources (github.com/transparency-dev/merkle, Apache-2.0), each cited where used:

- [constants] testonly/constants.go (LeafInputs, NodeHashes, RootHashes,
  EmptyRootHash), commit 77f1b57d7aa25fcd2e51273166b6b2b0e74923b1.
- [verify] proof/verify_test.go (inclusionProofs, consistencyProofs, sha256SomeHash),
  commit 02194e9afb6c1d95b5381350007963aa70fff472. Its leaf numbers are 1-based; here
  they are converted to 0-based indexes.
- [shape] proof/proof_test.go (TestInclusion, TestConsistency), commit
  8554bcb10a1221a6cf6746acec96aa930c94fb49. It names proof nodes as (level, index);
  here each is written as its leaf range [index * 2^level, (index + 1) * 2^level), and
  a group it marks for rehashing (the hashes folded into one right-edge node) is
  written as the one range they cover.
"""

from __future__ import annotations


def _h(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text)


# [constants] LeafInputs(): the entries of the 8-leaf test tree.
LEAF_INPUTS = [
    _h(""),
    _h("00"),
    _h("10"),
    _h("2021"),
    _h("3031"),
    _h("40414243"),
    _h("5051525354555657"),
    _h("606162636465666768696a6b6c6d6e6f"),
]

# [constants] NodeHashes(): every perfect subtree of that tree; NODE_HASHES[level][i]
# is MTH of leaves [i * 2^level, (i + 1) * 2^level).
NODE_HASHES = [
    [
        _h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        _h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        _h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        _h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        _h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        _h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        _h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        _h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        _h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        _h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [
        _h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
    ],
]

# [constants] EmptyRootHash() and RootHashes(): ROOTS[n] is the root of the first n
# leaves.
EMPTY_ROOT = _h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
ROOTS = [
    EMPTY_ROOT,
    _h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    _h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    _h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    _h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    _h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    _h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    _h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# [verify] sha256SomeHash: a well-formed hash that is no node of the tree.
SOME_HASH = _h("abacaba000000000000000000000000000000000000000000060061e00123456")

# [verify] inclusionProofs as (index, tree size, proof); index is 0-based here.
INCLUSION_PROOFS: list[tuple[int, int, list[bytes]]] = [
    (0, 1, []),
    (
        0,
        8,
        [
            _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            _h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            _h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            _h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            _h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        3,
        [
            _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        ],
    ),
    (
        1,
        5,
        [
            _h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            _h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# [verify] consistencyProofs as (size1, size2, proof).
CONSISTENCY_PROOFS: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (
        1,
        8,
        [
            _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            _h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            _h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            _h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            _h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            _h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            _h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

# [shape] TestInclusion: (tree size, index) -> the leaf ranges of the proof, lowest first.
INCLUSION_SHAPES: dict[tuple[int, int], list[tuple[int, int]]] = {
    (1, 0): [],
    (2, 0): [(1, 2)],
    (2, 1): [(0, 1)],
    (3, 1): [(0, 1), (2, 3)],
    (7, 0): [(1, 2), (2, 4), (4, 7)],
    (7, 1): [(0, 1), (2, 4), (4, 7)],
    (7, 2): [(3, 4), (0, 2), (4, 7)],
    (7, 3): [(2, 3), (0, 2), (4, 7)],
    (7, 4): [(5, 6), (6, 7), (0, 4)],
    (7, 5): [(4, 5), (6, 7), (0, 4)],
    (7, 6): [(4, 6), (0, 4)],
    (4, 2): [(3, 4), (0, 2)],
    (5, 3): [(2, 3), (0, 2), (4, 5)],
    (6, 3): [(2, 3), (0, 2), (4, 6)],
    (6, 4): [(5, 6), (0, 4)],
    (15, 10): [(11, 12), (8, 10), (12, 15), (0, 8)],
    (31, 24): [(25, 26), (26, 28), (28, 31), (16, 24), (0, 16)],
    (95, 81): [(80, 81), (82, 84), (84, 88), (88, 95), (64, 80), (0, 64)],
}

# [shape] TestInclusion's errors, as (tree size, index).
INCLUSION_SHAPE_ERRORS = [(0, 0), (0, 1), (1, 2), (0, 3), (7, 8)]

# [shape] TestConsistency: (size1, size2) -> the leaf ranges of the proof.
CONSISTENCY_SHAPES: dict[tuple[int, int], list[tuple[int, int]]] = {
    (1, 2): [(1, 2)],
    (1, 4): [(1, 2), (2, 4)],
    (1, 6): [(1, 2), (2, 4), (4, 6)],
    (2, 3): [(2, 3)],
    (2, 8): [(2, 4), (4, 8)],
    (3, 7): [(2, 3), (3, 4), (0, 2), (4, 7)],
    (4, 7): [(4, 7)],
    (5, 7): [(4, 5), (5, 6), (6, 7), (0, 4)],
    (6, 7): [(4, 6), (6, 7), (0, 4)],
    (7, 8): [(6, 7), (7, 8), (4, 6), (0, 4)],
    (1, 1): [],
    (2, 2): [],
    (3, 3): [],
    (4, 4): [],
    (5, 5): [],
    (7, 7): [],
    (8, 8): [],
    (2, 4): [(2, 4)],
    (3, 5): [(2, 3), (3, 4), (0, 2), (4, 5)],
    (3, 6): [(2, 3), (3, 4), (0, 2), (4, 6)],
    (4, 6): [(4, 6)],
    (1, 7): [(1, 2), (2, 4), (4, 7)],
    (10, 15): [(8, 10), (10, 12), (12, 15), (0, 8)],
    (24, 31): [(16, 24), (24, 31), (0, 16)],
    (81, 95): [(80, 81), (81, 82), (82, 84), (84, 88), (88, 95), (64, 80), (0, 64)],
}

# [shape] TestConsistency's errors, as (size1, size2).
CONSISTENCY_SHAPE_ERRORS = [(5, 0), (9, 8)]
