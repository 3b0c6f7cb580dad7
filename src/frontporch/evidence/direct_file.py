"""Writing a large new file past the page cache (O_DIRECT), falling back where refused.

A sealed clip is written once and read much later (when it is uploaded), so there is
nothing to gain from keeping its pages cached, and on small machines the cached path
is what costs most: every byte is copied into a page, tracked as dirty, written back,
then fsync waits for it. With O_DIRECT the disk reads straight from an aligned buffer
here, so writing a gigabyte takes a fraction of the processor time, and the clip's
pages do not push the hub's recordings out of the cache.

O_DIRECT wants the buffer's address, the length and the file offset aligned to the
device's logical block; `ALIGN` (4 KiB) covers the common 512-byte and 4 KiB devices.
Bytes are gathered in a page-aligned buffer (an anonymous mmap) and written in whole
buffers; the tail shorter than a block is written with O_DIRECT switched off (Linux
lets `fcntl` change it on an open file). Where the filesystem refuses O_DIRECT (older
tmpfs, some network filesystems: EINVAL, at open or at the first write) the file is
simply written through the cache. Either way `finish` ends with an fsync, so the
file's data and size are on disk when it returns.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os

ALIGN = 4096
BUFFER_BYTES = 8 << 20
O_DIRECT_FLAG = getattr(os, "O_DIRECT", 0)  # 0 where the platform has none


class DirectFile:
    """Sequential writes to an existing, empty file at `path`; `finish` makes it durable.

    Not thread-safe: one writer at a time (`seal` gives it its own lane).
    """

    def __init__(self, path: str | os.PathLike[str], buffer_bytes: int = BUFFER_BYTES) -> None:
        if buffer_bytes <= 0 or buffer_bytes % ALIGN:
            raise ValueError(f"the buffer must be a positive multiple of {ALIGN} bytes")
        self.direct = False
        self._descriptor = -1
        if O_DIRECT_FLAG:
            try:
                self._descriptor = os.open(path, os.O_WRONLY | O_DIRECT_FLAG)
                self.direct = True
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
        if self._descriptor < 0:
            self._descriptor = os.open(path, os.O_WRONLY)
        self.opened_direct = self.direct  # `direct` turns off for the unaligned tail
        self._buffer = mmap.mmap(-1, buffer_bytes)
        self._view = memoryview(self._buffer)
        self._fill = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Take all of `data`; whole buffers go to the disk as they fill."""
        source = memoryview(data).cast("B")
        taken = 0
        while taken < len(source):
            room = len(self._buffer) - self._fill
            piece = source[taken : taken + room]
            self._view[self._fill : self._fill + len(piece)] = piece
            self._fill += len(piece)
            taken += len(piece)
            if self._fill == len(self._buffer):
                self._drain(self._fill)
        return taken

    def finish(self) -> None:
        """Write what is left, then fsync; the file is complete and durable after this."""
        aligned = self._fill - self._fill % ALIGN
        if aligned:
            self._drain(aligned)
        if self._fill:
            self._leave_direct()
            self._drain(self._fill)
        os.fsync(self._descriptor)

    def close(self) -> None:
        """Release the descriptor and the buffer (without writing; see `finish`)."""
        if self._descriptor >= 0:
            os.close(self._descriptor)
            self._descriptor = -1
        self._view.release()
        self._buffer.close()

    def __enter__(self) -> DirectFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _drain(self, size: int) -> None:
        """Write the first `size` buffered bytes, keep the rest at the buffer's start."""
        done = 0
        while done < size:
            try:
                written = os.write(self._descriptor, self._view[done:size])
            except OSError as exc:
                if exc.errno != errno.EINVAL or not self.direct:
                    raise
                self._leave_direct()  # refused at the first write: go through the cache
                continue
            if written <= 0:
                raise OSError(errno.ENOSPC, "the disk took no more bytes")
            done += written
            if done % ALIGN:
                self._leave_direct()  # a short write left the offset unaligned
        rest = self._fill - size
        self._view[:rest] = self._view[size : self._fill]
        self._fill = rest

    def _leave_direct(self) -> None:
        if self.direct:
            flags = fcntl.fcntl(self._descriptor, fcntl.F_GETFL)
            fcntl.fcntl(self._descriptor, fcntl.F_SETFL, flags & ~O_DIRECT_FLAG)
            self.direct = False
