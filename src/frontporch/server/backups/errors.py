"""Errors of the backups area; each says what the hub (or the operator) can do next.

A full quota and a full disk are 507 (Insufficient Storage, RFC 4918 §11.5): the hub's
`ServerTarget` turns them into `TargetFull` with this message, so the owner reads it as
written here. Another home's object is a 404, never a 403: whether it exists is not told.
"""

from __future__ import annotations

from frontporch.server.backups.quota import KEY_PATTERN, MAX_OBJECT_BYTES, size_text
from frontporch.server.errors import NotFound, ServerError


class BackupError(ServerError):
    """Base of the backups area's errors."""


class BadObjectKey(BackupError):
    """The key is not 32 lowercase hex digits."""

    status = 422

    def __init__(self) -> None:
        super().__init__(
            "invalid backup object key",
            f"An object key is 32 lowercase hex digits ({KEY_PATTERN}).",
            field="key",
        )


class ObjectTooLarge(BackupError):
    """The body is larger than one object may be."""

    status = 413

    def __init__(self) -> None:
        super().__init__(
            "backup object too large",
            f"An object is at most {MAX_OBJECT_BYTES} bytes ({size_text(MAX_OBJECT_BYTES)}); "
            "split the backup into smaller objects.",
        )


class QuotaFull(BackupError):
    """The upload does not fit into the home's quota."""

    status = 507

    def __init__(self, limit: int, stored: int, incoming: int) -> None:
        super().__init__(
            f"backup quota of {size_text(limit)} for this home is full",
            f"This home stores {size_text(stored)} of {size_text(limit)} and the object is "
            f"{size_text(incoming)}. Keep fewer days of backups, or ask the server's operator "
            "for a larger quota.",
        )


class BackupsOff(BackupError):
    """The operator set the home's quota to 0."""

    status = 507

    def __init__(self) -> None:
        super().__init__(
            "backups are turned off for this home",
            "The server's operator set this home's backup quota to 0. Ask them to turn "
            "backups on, or back up to an S3-compatible bucket instead.",
        )


class StorageFull(BackupError):
    """The server's own storage has no room, whatever the quota says."""

    status = 507

    def __init__(self) -> None:
        super().__init__(
            "server storage full",
            "The server has no room for this object; nothing stored before was lost. Try "
            "again later; the operator has been told in the server's log.",
        )


class StorageUnavailable(BackupError):
    """The blob store could not be used."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "server storage unavailable",
            "The server could not reach its storage; nothing was changed. Try again later.",
            headers={"Retry-After": "60"},
        )


class ObjectNotFound(BackupError, NotFound):
    """No object under that key for this home."""

    def __init__(self) -> None:
        super().__init__(
            "backup object not found",
            "This home has no backup object under that key.",
            field="key",
        )


class HomeNotFound(BackupError, NotFound):
    """The operator named a home that does not exist."""

    def __init__(self) -> None:
        super().__init__("home not found", "No home has that id.", field="home_id")


class BadQuota(BackupError):
    """A quota that is not a whole number of bytes from 0 up."""

    status = 422

    def __init__(self, detail: str) -> None:
        super().__init__("invalid backup quota", detail, field="limit_bytes")
