"""The feed's pure rules: areas and radii, who may read a post, how authors are shown,
what text is, page cursors, media types and byte ranges.

Nothing here touches the database or HTTP: plain values in, plain values or a
`FeedError` out, so every rule is tested without a server.

Areas are H3 cells at `geo.HOME_RESOLUTION`, stored as 64-bit integers (as `homes.cell`).
A home's feed at radius r is every post whose cell centre lies within r of the home's
cell centre (`geo.cells_within`); reading one post uses the same test with the largest
radius, so whatever a feed shows, its reader may open.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from frontporch import geo
from frontporch.protocol import MAX_POSTER_BYTES, POSTER_TYPE
from frontporch.server.feed.errors import (
    BadCursor,
    BlankText,
    MediaMismatch,
    MediaTooLarge,
    PosterRejected,
    RangeNotSatisfiable,
    UnsupportedMedia,
)

KM_PER_MILE = 1.609344
MIN_RADIUS_MI = 1.0
MAX_RADIUS_MI = 5.0
DEFAULT_RADIUS_MI = 2.0
# Who may open a post: households whose home lies within the widest feed radius of it.
VISIBILITY_RADIUS_MI = MAX_RADIUS_MI

MP4 = "video/mp4"
JPEG = "image/jpeg"
MEDIA_TYPES = (MP4, JPEG)
NEIGHBOR_LABEL = "Neighbor"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


# -- areas ------------------------------------------------------------------------------


# A cell's centre never changes, and every uncached feed page measures from the reader's
# cell to each of its posts' cells (two H3 look-ups each); 65,536 centres take ~12 MB.
@lru_cache(maxsize=65536)
def _center(cell: int) -> geo.LatLng:
    return geo.cell_center(geo.int_to_cell(cell))


def distance_mi(a: int, b: int) -> float:
    """Miles between the centres of two cells (stored as integers)."""
    return geo.distance_km(_center(a), _center(b)) / KM_PER_MILE


def rounded_distance_mi(a: int, b: int) -> float:
    """The distance shown to readers: cell centre to cell centre, to the nearest half mile."""
    return round(distance_mi(a, b) * 2) / 2


def within(home_cell: int, post_cell: int, radius_mi: float) -> bool:
    """Whether a post's cell lies within `radius_mi` of a home's cell (centre to centre).

    The same test as `geo.cells_within`, so it agrees with `area_cells`.
    """
    return geo.distance_km(_center(home_cell), _center(post_cell)) <= radius_mi * KM_PER_MILE


def area_cells(home_cell: int, radius_mi: float) -> list[int]:
    """The cells (as integers, sorted) of a home's feed at `radius_mi`."""
    return list(_area_cells(home_cell, radius_mi))


# Every feed request needs its area: 39 cells at 2 miles, 269 at 5, each found and
# measured through H3 (0.2 ms and 0.7 ms a request, bench/feed.py). The answer depends
# on the two numbers alone, and a server sees the same few homes and radii again and
# again. 1,024 areas hold at most ~12 MB (all at 5 miles), typically ~2 MB.
@lru_cache(maxsize=1024)
def _area_cells(home_cell: int, radius_mi: float) -> tuple[int, ...]:
    cells = geo.cells_within(geo.int_to_cell(home_cell), radius_mi * KM_PER_MILE)
    return tuple(sorted(geo.cell_to_int(cell) for cell in cells))


# -- who may read -------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who is reading: the account, whether it runs the server, its homes' cells, the
    verified agency it acts for (agency members only; they have no home cells, by role),
    and when each home may open media (`media_from`, (cell, moment) pairs)."""

    user_id: uuid.UUID
    is_operator: bool
    home_cells: tuple[int, ...]
    agency_id: uuid.UUID | None = None
    media_from: tuple[tuple[int, datetime], ...] = ()


def can_read(
    viewer: Viewer,
    author_id: uuid.UUID,
    post_cell: int,
    hidden: bool,
    post_agency_id: uuid.UUID | None = None,
) -> bool:
    """Whether `viewer` may open a post (and its media, comments and reports).

    The author always may, and operators (they moderate). Others never see a hidden
    post; an agency member sees its own agency's posts (and no others: it has no home
    cells); a household needs a home whose area covers the post.
    """
    if viewer.user_id == author_id or viewer.is_operator:
        return True
    if hidden:
        return False
    if viewer.agency_id is not None and post_agency_id == viewer.agency_id:
        return True
    return any(within(home, post_cell, VISIBILITY_RADIUS_MI) for home in viewer.home_cells)


def media_opens_at(
    viewer: Viewer,
    author_id: uuid.UUID,
    post_cell: int,
    post_agency_id: uuid.UUID | None,
    now: datetime,
) -> datetime | None:
    """None if `viewer` may open the media of a post it can read now; else the moment
    it may. A household reads media through a home that is old enough (`media_from`):
    a home added anywhere does not open that area's clips at once (threat model,
    "crawling areas")."""
    if viewer.user_id == author_id or viewer.is_operator:
        return None
    if viewer.agency_id is not None and post_agency_id == viewer.agency_id:
        return None
    moments = [
        moment
        for home, moment in viewer.media_from
        if within(home, post_cell, VISIBILITY_RADIUS_MI)
    ]
    if not moments or min(moments) <= now:
        return None
    return min(moments)


def can_report(mine: bool, hidden: bool) -> bool:
    """Whether a reader of a post may report it: not their own (they delete it), and not
    once a moderator has hidden it (there is nothing left to ask the moderators for)."""
    return not mine and not hidden


def nearest_home(viewer: Viewer, post_cell: int) -> int | None:
    """The viewer's home cell nearest to a post, if it has homes (for the distance shown)."""
    if not viewer.home_cells:
        return None
    return min(viewer.home_cells, key=lambda home: distance_mi(home, post_cell))


# -- how authors are shown ------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorView:
    """An author as readers see it: a verified agency by name, anyone else as "Neighbor"."""

    kind: str  # 'neighbor' or 'agency'
    label: str
    distance_mi: float | None = None


def author_view(
    agency_name: str | None, viewer_cell: int | None, author_cell: int | None
) -> AuthorView:
    """An agency's name, or "Neighbor" with the rounded distance between the two cells
    (none where either cell is unknown: a comment does not say where its writer lives)."""
    if agency_name is not None:
        return AuthorView("agency", agency_name)
    distance = None
    if viewer_cell is not None and author_cell is not None:
        distance = rounded_distance_mi(viewer_cell, author_cell)
    return AuthorView("neighbor", NEIGHBOR_LABEL, distance)


# -- text -------------------------------------------------------------------------------------


def clean_text(value: str, field: str) -> str:
    """Text without surrounding whitespace; BlankText (naming `field`) if nothing is left."""
    value = value.strip()
    if not value:
        raise BlankText(field)
    return value


# -- cursors --------------------------------------------------------------------------------


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, prefix: str, field: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(field) from None
    if not text.startswith(prefix):
        raise BadCursor(field)
    return text[len(prefix) :]


def encode_post_cursor(seq: int) -> str:
    """The opaque `before` cursor that continues a feed after the post numbered `seq`."""
    return _encode(f"p1:{seq}")


def decode_post_cursor(cursor: str, field: str = "before") -> int:
    """The post number inside a `before` cursor; BadCursor if it is not one of ours."""
    body = _decode(cursor, "p1:", field)
    if not body.isdigit() or len(body) > 18:
        raise BadCursor(field)
    return int(body)


def encode_comment_cursor(created_at: datetime, comment_id: uuid.UUID) -> str:
    """The opaque `after` cursor that continues a thread after one comment."""
    micros = (created_at - EPOCH) // MICROSECOND  # exact: no float rounding
    return _encode(f"c1:{micros}:{comment_id.hex}")


def decode_comment_cursor(cursor: str, field: str = "after") -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) inside an `after` cursor; BadCursor if it is not one of ours."""
    micros, _, hex_id = _decode(cursor, "c1:", field).partition(":")
    try:
        moment = EPOCH + int(micros) * MICROSECOND
        return moment, uuid.UUID(hex=hex_id)
    except (ValueError, OverflowError, OSError):
        raise BadCursor(field) from None


# -- media ------------------------------------------------------------------------------------


def sniff_media(data: bytes) -> str | None:
    """The media type the bytes really are: MP4 (an ISO BMFF `ftyp` box first) or JPEG."""
    if len(data) >= 8 and data[4:8] == b"ftyp":
        return MP4
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    return None


SNIFF_BYTES = 16  # enough of a file's start for `sniff_media`


def _declared(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def check_media(declared: str, head: bytes, size: int, max_bytes: int) -> str:
    """The media type of an upload of `size` bytes starting with `head`, after checking
    its declared type, its size and that its bytes are what it says."""
    content_type = _declared(declared)
    if content_type not in MEDIA_TYPES:
        raise UnsupportedMedia(content_type or "none")
    if size > max_bytes:
        raise MediaTooLarge(max_bytes)
    actual = sniff_media(head)
    if actual != content_type:
        raise MediaMismatch(content_type, actual)
    return content_type


def check_poster(declared: str, head: bytes, size: int, media_type: str) -> None:
    """PosterRejected unless a poster of `size` bytes starting with `head` is a JPEG
    within the size limit, sent with a clip (a snapshot is its own picture)."""
    if media_type != MP4:
        raise PosterRejected("A poster goes with a clip only; a snapshot is its own picture.")
    if _declared(declared) != POSTER_TYPE:
        raise PosterRejected(f"The poster must be {POSTER_TYPE}.")
    if size > MAX_POSTER_BYTES:
        raise PosterRejected(
            f"The poster may be at most {MAX_POSTER_BYTES} bytes; send a smaller still."
        )
    if sniff_media(head) != JPEG:
        raise PosterRejected("The poster's bytes are not a JPEG; send the still itself.")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range (first, last; inclusive) a `Range` header asks for, or None for
    the whole blob (RFC 9110 §14.2: a server may ignore a Range it does not support, so a
    malformed or multi-range header gets the whole blob). RangeNotSatisfiable when the
    range starts beyond the end."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash or not (first_text.isdigit() or first_text == ""):
        return None
    if not (last_text.isdigit() or last_text == "") or first_text == last_text == "":
        return None
    if first_text == "":  # a suffix: the last N bytes
        length = int(last_text)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return max(0, size - length), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:  # invalid: ignored, as the RFC allows
        return None
    if first >= size:
        raise RangeNotSatisfiable(size)
    last = int(last_text) if last_text else size - 1
    return first, min(last, size - 1)
