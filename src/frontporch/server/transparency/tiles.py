"""C2SP tlog-tiles paths (https://c2sp.org/tlog-tiles), served from the stored subtrees.

A hash tile `tile/<L>/<N>[.p/<W>]` holds the hashes of tree level 8L, numbers N*256 to
N*256 + W - 1, 32 bytes each: exactly the stored perfect subtrees of height 8L at those
indexes (`log_subtrees`). An entry bundle `tile/entries/<N>[.p/<W>]` holds entries N*256
to N*256 + W - 1, each as a big-endian uint16 length and the entry's bytes. A full tile
has W = 256 and no `.p/<W>`; a partial one 1 <= W <= 255. N is written in groups of
three digits, all but the last prefixed with 'x': 1234067 is `x001/x234/067`.

Parsing is strict (one spelling per tile: no leading-zero groups, W in range, decimal
L), so a cache keyed by path never holds two copies of a tile. An index is checked
against the largest a log can have (2^63 entries, so 2^55 tiles) *before* its digits
become a number: a path of thousands of digits is a 404, not a conversion error. Only
tiles a signed
checkpoint covers are served (`LogService.hash_tile`, `entry_bundle`); full tiles never
change and are cacheable forever.
"""

from __future__ import annotations

import re

from fastapi import Response

from frontporch.server.transparency.errors import TileNotFound
from frontporch.server.transparency.service import TILE_WIDTH

MAX_LEVEL = 63
# A log holds fewer than 2^63 entries (sizes are signed 64-bit integers in storage), so
# no tile index reaches 2^63 / 256; with 17 digits, seven groups is more than enough.
MAX_INDEX = (1 << 63) // TILE_WIDTH - 1
MAX_GROUPS = 7
_GROUP = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"[0-9]{3}")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,2}")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_LIVED = "public, max-age=5"


def parse_level(text: str) -> int:
    """The tile level L of a path element; TileNotFound unless a decimal 0..63."""
    if _DECIMAL.fullmatch(text) is None or int(text) > MAX_LEVEL:
        raise TileNotFound(f"'{text[:20]}' is not a tile level: tiles have levels 0 to 63")
    return int(text)


def parse_index(path: str) -> tuple[int, int]:
    """(N, W) of `<N>[.p/<W>]`; TileNotFound for any other spelling."""
    parts = path.split("/")
    width = TILE_WIDTH
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        width_text = parts.pop()
        parts[-1] = parts[-1].removesuffix(".p")
        if _DECIMAL.fullmatch(width_text) is None or not 1 <= int(width_text) < TILE_WIDTH:
            raise TileNotFound(
                f"a partial tile's width is 1 to {TILE_WIDTH - 1}, written without leading "
                f"zeros; got '{width_text[:20]}'"
            )
        width = int(width_text)
    *groups, last = parts
    if len(parts) > MAX_GROUPS:
        raise TileNotFound(_too_large())
    if (
        not all(_GROUP.fullmatch(group) for group in groups)
        or _LAST.fullmatch(last) is None
        or (groups and groups[0] == "x000")
    ):
        raise TileNotFound(
            "a tile index is written in groups of three digits, all but the last after an "
            "'x', with no leading zero group (e.g. x001/x234/067 for 1234067)"
        )
    index = int("".join(group[1:] for group in groups) + last)
    if index > MAX_INDEX:
        raise TileNotFound(_too_large())
    return index, width


def _too_large() -> str:
    return (
        f"the tile index is too large: no log has more than {MAX_INDEX} tiles. Fetch "
        "/log/checkpoint and ask for the tiles it covers."
    )


def index_path(index: int, width: int = TILE_WIDTH) -> str:
    """The path of tile `index` (and width), e.g. 'x001/x234/067' or '000.p/5'."""
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    path = "/".join([*(f"x{group}" for group in groups[:-1]), groups[-1]])
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def binary(body: bytes, width: int) -> Response:
    """A tile as an HTTP response: full tiles are cacheable forever, partial ones briefly."""
    return Response(
        body,
        media_type="application/octet-stream",
        headers={"cache-control": IMMUTABLE if width == TILE_WIDTH else SHORT_LIVED},
    )
