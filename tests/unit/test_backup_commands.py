"""`frontporch backup`'s time options: ISO 8601 (local unless zoned) or Unix seconds."""

from __future__ import annotations

from datetime import datetime

import pytest
import typer

from frontporch.hub.backup.commands import parse_time


def test_times_read_as_iso_or_unix_seconds() -> None:
    assert parse_time(None, "--from") is None
    assert parse_time("1717400000", "--from") == 1717400000.0
    assert parse_time("2024-06-03T07:33:20Z", "--from") == 1717400000.0
    local = datetime(2024, 6, 3, 9, 0).astimezone().timestamp()
    assert parse_time("2024-06-03T09:00", "--to") == local


def test_a_bad_time_is_a_usage_error() -> None:
    with pytest.raises(typer.Exit) as caught:
        parse_time("yesterday", "--from")
    assert caught.value.exit_code == 2
