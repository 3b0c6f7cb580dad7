"""Errors of the transparency log's API; each says what the log holds and what to ask."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, NotFound, ServerError


class TransparencyError(ServerError):
    """Base of the transparency area's errors."""


class NoCheckpoint(TransparencyError, NotFound):
    """The log has not signed a checkpoint yet."""

    def __init__(self) -> None:
        super().__init__(
            "no checkpoint yet",
            "The log has not signed its first checkpoint; one follows within seconds of "
            "the server starting. Try again shortly.",
        )


class BeyondCheckpoint(TransparencyError, BadRequest):
    """A tree size larger than the latest signed checkpoint's."""

    def __init__(self, size: int, latest: int | None, field: str) -> None:
        signed = "no checkpoint yet" if latest is None else f"the latest checkpoint has {latest}"
        super().__init__(
            "size beyond the latest checkpoint",
            f"{field}={size}, but {signed} entries: proofs are only served for trees a "
            "signed checkpoint covers. Fetch GET /api/log/checkpoint and use its size or less.",
            field=field,
        )


class InvalidLogRequest(TransparencyError, BadRequest):
    """Parameters that cannot describe part of the log (index beyond size, reversed range…)."""

    def __init__(self, detail: str, field: str) -> None:
        super().__init__("invalid log request", detail, field=field)


class LeafNotFound(TransparencyError, NotFound):
    """No entry with this leaf hash in the tree asked about."""

    def __init__(self, size: int) -> None:
        super().__init__(
            "leaf hash not found",
            f"No entry among the first {size} of the log has this leaf hash. The leaf hash is "
            "base64(SHA-256(0x00 || entry bytes)) of the canonical entry (RFC 9162 section "
            "2.1.1); if the entry was appended just now, wait for the next checkpoint.",
            field="leaf_hash",
        )


class TileNotFound(TransparencyError, NotFound):
    """A tlog-tiles path that names no tile the latest checkpoint covers."""

    def __init__(self, detail: str) -> None:
        super().__init__("tile not found", detail)
