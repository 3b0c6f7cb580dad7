"""C2SP tlog-tiles paths: every tile has exactly one spelling, and it round-trips."""

from __future__ import annotations

import pytest

from frontporch.server.transparency.errors import TileNotFound
from frontporch.server.transparency.tiles import MAX_INDEX, index_path, parse_index, parse_level


@pytest.mark.parametrize(
    ("path", "index", "width"),
    [
        ("000", 0, 256),
        ("067", 67, 256),
        ("x001/x234/067", 1234067, 256),
        ("x001/000", 1000, 256),
        ("000.p/1", 0, 1),
        ("x001/x234/067.p/255", 1234067, 255),
    ],
)
def test_the_spec_examples_parse_and_round_trip(path: str, index: int, width: int) -> None:
    assert parse_index(path) == (index, width)
    assert index_path(index, width) == path


@pytest.mark.parametrize("number", [0, 1, 999, 1000, 255_999, 10**12 + 7])
def test_every_index_round_trips(number: int) -> None:
    assert parse_index(index_path(number)) == (number, 256)


@pytest.mark.parametrize(
    "path",
    ["", "1", "0000", "x000/001", "x01/001", "001/x001", "001.p/0", "001.p/256", "001.p/07",
     "001.p/", "001.p", "x001/067/", "a67", "067.p/1/2"],
)  # fmt: skip
def test_other_spellings_are_not_tiles(path: str) -> None:
    with pytest.raises(TileNotFound):
        parse_index(path)


def test_levels_are_plain_decimals_up_to_63() -> None:
    assert parse_level("0") == 0
    assert parse_level("63") == 63
    for text in ("64", "01", "-1", "x", ""):
        with pytest.raises(TileNotFound):
            parse_level(text)


@pytest.mark.parametrize(
    "path",
    [
        "/".join(["x999"] * 1500 + ["999"]),  # past Python's int-from-text limit
        "x999/x999/x999/x999/x999/x999/999",  # 21 digits: past any log's tiles
        "x036/x028/x797/x018/x963/968",  # MAX_INDEX + 1
    ],
)
def test_indexes_past_the_largest_log_are_not_tiles(path: str) -> None:
    with pytest.raises(TileNotFound) as refused:
        parse_index(path)
    assert "too large" in refused.value.detail
    assert parse_index(index_path(MAX_INDEX)) == (MAX_INDEX, 256)
