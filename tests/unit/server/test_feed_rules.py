"""The feed's pure rules: radii and areas agree, who may read a post, how authors are
shown, cursors round-trip and refuse forgeries, media is what it says, byte ranges."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from frontporch import geo
from frontporch.protocol import MAX_POSTER_BYTES, Category
from frontporch.server.feed import rules
from frontporch.server.feed.errors import (
    BadCursor,
    MediaMismatch,
    MediaTooLarge,
    PosterRejected,
    RangeNotSatisfiable,
    UnsupportedMedia,
)

HOME = geo.cell_to_int(geo.home_cell(41.878113, -87.629799))


def test_every_category_has_a_label() -> None:
    assert {c.value for c in Category} == {
        "crime",
        "safety",
        "suspicious_activity",
        "lost_and_found_pets",
        "unexpected_activity",
        "community",
    }
    assert Category.LOST_AND_FOUND_PETS.label == "Lost & found pets"
    assert all(category.label for category in Category)


@pytest.mark.parametrize("radius_mi", [1.0, 2.0, 3.5, 5.0])
def test_area_cells_and_within_agree(radius_mi: float) -> None:
    area = set(rules.area_cells(HOME, radius_mi))
    assert HOME in area
    ring = set(rules.area_cells(HOME, radius_mi + 1.5)) - area
    assert ring, "the wider area must add cells"
    assert all(rules.within(HOME, cell, radius_mi) for cell in area)
    assert not any(rules.within(HOME, cell, radius_mi) for cell in ring)


def test_area_size_grows_with_the_radius() -> None:
    assert len(rules.area_cells(HOME, 2)) < len(rules.area_cells(HOME, 5)) < 300


def test_distances_are_rounded_to_half_miles() -> None:
    far = max(rules.area_cells(HOME, 3), key=lambda cell: rules.distance_mi(HOME, cell))
    shown = rules.rounded_distance_mi(HOME, far)
    assert shown * 2 == int(shown * 2)
    assert abs(shown - rules.distance_mi(HOME, far)) <= 0.25
    assert rules.rounded_distance_mi(HOME, HOME) == 0.0


def test_who_may_read() -> None:
    author = uuid.uuid4()
    near = rules.Viewer(uuid.uuid4(), False, (HOME,))
    homeless = rules.Viewer(uuid.uuid4(), False, ())
    operator = rules.Viewer(uuid.uuid4(), True, ())
    far_cell = max(rules.area_cells(HOME, 7), key=lambda c: rules.distance_mi(HOME, c))
    far = rules.Viewer(uuid.uuid4(), False, (far_cell,))
    assert rules.can_read(near, author, HOME, hidden=False)
    assert not rules.can_read(near, author, HOME, hidden=True)
    assert not rules.can_read(far, author, HOME, hidden=False)
    assert not rules.can_read(homeless, author, HOME, hidden=False)
    assert rules.can_read(operator, author, HOME, hidden=True)
    assert rules.can_read(rules.Viewer(author, False, ()), author, HOME, hidden=True)


def test_authors_are_neighbors_or_agencies() -> None:
    assert rules.author_view("Fire Dept", HOME, HOME) == rules.AuthorView("agency", "Fire Dept")
    neighbor = rules.author_view(None, HOME, HOME)
    assert (neighbor.kind, neighbor.label, neighbor.distance_mi) == ("neighbor", "Neighbor", 0.0)
    assert rules.author_view(None, None, HOME).distance_mi is None


def test_cursors_round_trip_and_refuse_forgeries() -> None:
    assert rules.decode_post_cursor(rules.encode_post_cursor(12345)) == 12345
    moment = datetime(2026, 5, 1, 12, 30, 15, 250000, tzinfo=UTC)
    comment_id = uuid.uuid4()
    cursor = rules.encode_comment_cursor(moment, comment_id)
    assert rules.decode_comment_cursor(cursor) == (moment, comment_id)
    for forged in (
        "",
        "!!",
        "cDE6LTU",
        "cDE6YWJj",
        rules.encode_comment_cursor(moment, comment_id),
    ):
        with pytest.raises(BadCursor):
            rules.decode_post_cursor(forged)
    with pytest.raises(BadCursor) as error:
        rules.decode_comment_cursor(rules.encode_post_cursor(3))
    assert error.value.field == "after"


def test_media_is_what_it_says() -> None:
    mp4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 20
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 20
    assert rules.sniff_media(mp4) == rules.MP4
    assert rules.sniff_media(jpeg) == rules.JPEG
    assert rules.sniff_media(b"GIF89a") is None
    head = rules.SNIFF_BYTES
    assert rules.check_media("video/mp4", mp4[:head], len(mp4), 100) == rules.MP4
    assert rules.check_media("Image/JPEG; charset=x", jpeg[:head], len(jpeg), 100) == rules.JPEG
    with pytest.raises(UnsupportedMedia):
        rules.check_media("image/png", jpeg[:head], len(jpeg), 100)
    with pytest.raises(MediaMismatch):
        rules.check_media("video/mp4", jpeg[:head], len(jpeg), 100)
    with pytest.raises(MediaTooLarge) as too_large:
        rules.check_media("video/mp4", mp4[:head], len(mp4), 10)
    assert too_large.value.status == 413
    assert "10 bytes" in too_large.value.detail


def test_a_poster_is_a_small_jpeg_sent_with_a_clip() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 20
    rules.check_poster("image/jpeg", jpeg, len(jpeg), rules.MP4)
    refusals = [
        ("image/jpeg", jpeg, len(jpeg), rules.JPEG, "with a clip only"),
        ("image/png", jpeg, len(jpeg), rules.MP4, "must be image/jpeg"),
        ("image/jpeg", b"GIF89a", 6, rules.MP4, "not a JPEG"),
        ("image/jpeg", jpeg, MAX_POSTER_BYTES + 1, rules.MP4, "at most"),
    ]
    for declared, head, size, media_type, says in refusals:
        with pytest.raises(PosterRejected) as refused:
            rules.check_poster(declared, head, size, media_type)
        assert (refused.value.status, refused.value.field) == (422, "poster")
        assert says in refused.value.detail


def test_hidden_and_own_posts_cannot_be_reported() -> None:
    assert rules.can_report(mine=False, hidden=False)
    assert not rules.can_report(mine=True, hidden=False)
    assert not rules.can_report(mine=False, hidden=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=10-", (10, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=5-1", None),  # invalid: ignored
        ("bytes=0-1,3-4", None),  # several ranges: the whole blob
        ("items=0-9", None),
        ("bytes=a-b", None),
        ("bytes=-", None),
    ],
)
def test_byte_ranges(header: str | None, expected: tuple[int, int] | None) -> None:
    assert rules.byte_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=150-200", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable) as error:
        rules.byte_range(header, 100)
    assert error.value.headers == {"Content-Range": "bytes */100"}
