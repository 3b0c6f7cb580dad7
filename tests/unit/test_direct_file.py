"""`evidence.direct_file.DirectFile`: what is written is what is in the file, at every
size around the alignment and buffer edges, past the page cache where the filesystem
allows it and through it where it refuses."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

import pytest

from frontporch.evidence import direct_file
from frontporch.evidence.direct_file import ALIGN, DirectFile

BUFFER = 4 * ALIGN


def write_in_pieces(path: Path, data: bytes, piece: int) -> bool:
    path.touch()
    with DirectFile(path, buffer_bytes=BUFFER) as out:
        for offset in range(0, len(data), piece):
            assert out.write(data[offset : offset + piece]) == len(data[offset : offset + piece])
        out.finish()
        return out.opened_direct


@pytest.mark.parametrize(
    "size", [0, 1, ALIGN - 1, ALIGN, ALIGN + 1, BUFFER, BUFFER + 1, 3 * BUFFER + ALIGN - 7]
)
@pytest.mark.parametrize("piece", [1000, ALIGN, BUFFER + 5])
def test_the_file_holds_exactly_what_was_written(tmp_path: Path, size: int, piece: int) -> None:
    data = os.urandom(size)
    write_in_pieces(tmp_path / "out", data, piece)
    assert (tmp_path / "out").read_bytes() == data


def test_it_bypasses_the_cache_on_a_disk(tmp_path: Path) -> None:
    data = os.urandom(2 * BUFFER + 123)
    assert write_in_pieces(tmp_path / "out", data, 5000) is True  # ext4, xfs, btrfs, tmpfs
    assert (tmp_path / "out").read_bytes() == data


def test_it_writes_through_the_cache_where_o_direct_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some filesystems (older tmpfs, several network ones) refuse O_DIRECT with EINVAL
    at open, others only at the first write; either way the file is still written."""
    real_open, real_write = os.open, os.write

    def refusing_open(path: str, flags: int, *args: int) -> int:
        if flags & direct_file.O_DIRECT_FLAG:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, *args)

    data = os.urandom(2 * BUFFER + 123)
    monkeypatch.setattr(os, "open", refusing_open)
    assert write_in_pieces(tmp_path / "at-open", data, 5000) is False
    assert (tmp_path / "at-open").read_bytes() == data
    monkeypatch.setattr(os, "open", real_open)

    refused = []

    def refusing_write(descriptor: int, data: bytes) -> int:
        flags = fcntl.fcntl(descriptor, fcntl.F_GETFL)
        if flags & direct_file.O_DIRECT_FLAG:
            refused.append(len(data))
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(descriptor, data)

    monkeypatch.setattr(os, "write", refusing_write)
    write_in_pieces(tmp_path / "at-write", data, 5000)
    assert (tmp_path / "at-write").read_bytes() == data
    assert refused == [BUFFER]  # refused once, then written through the cache


def test_the_buffer_must_be_aligned(tmp_path: Path) -> None:
    (tmp_path / "out").touch()
    with pytest.raises(ValueError, match="multiple of 4096"):
        DirectFile(tmp_path / "out", buffer_bytes=ALIGN + 1)
