"""What the backup area needs from the hub's store, and the plain records it gets back.

`BackupStorePort` is part of `hub/ports.py:HubStorePort`; the real implementation is
`hub/store/backup_tables.py:BackupTables` (mixed into `HubStore`). The desk, the
uploader and the pages depend on this Protocol only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from frontporch.hub.backup.index import BackupItem
from frontporch.hub.store.records import Event, Segment


@dataclass(frozen=True, slots=True)
class RecoveryRecipient:
    """A recovery key's public half as the hub keeps it. `confirmed_at` None: the owner
    has not yet said they saved the key, so nothing is encrypted to it."""

    recipient: str
    created_at: float
    confirmed_at: float | None


@dataclass(frozen=True, slots=True)
class BackupRun:
    """One backup pass: when, what it moved, and the error that ended it, if any."""

    id: int
    started: float
    finished: float | None
    uploaded: int
    uploaded_bytes: int
    deleted: int
    error: str | None


class BackupStorePort(Protocol):
    """The store's backup tables, and the footage rows a pass reads."""

    def backup_recipient(self) -> RecoveryRecipient | None:
        """The confirmed recovery recipient backups are encrypted to, or None."""
        ...

    def backup_pending_recipient(self) -> RecoveryRecipient | None:
        """A recipient shown to the owner but not yet confirmed, or None."""
        ...

    def add_backup_recipient(self, recipient: str, now: float) -> None:
        """Keep a new, unconfirmed recipient (replacing any other unconfirmed one)."""
        ...

    def confirm_backup_recipient(self, recipient: str, now: float) -> bool:
        """Make the pending `recipient` the one backups use (every item is then uploaded
        again under it); whether it was the pending one."""
        ...

    def backup_items(self, partial: bool = False) -> list[BackupItem]:
        """Items on the target (or, with `partial`, items whose upload was interrupted)."""
        ...

    def save_backup_item(self, item: BackupItem, *, done: bool, now: float) -> None:
        """Remember an item (and the parts uploaded so far)."""
        ...

    def forget_backup_items(self, idents: Iterable[tuple[str, str]]) -> None:
        """Drop items by (kind, path)."""
        ...

    def backup_meta(self, key: str) -> str | None: ...

    def set_backup_meta(self, key: str, value: str) -> None: ...

    def start_backup_run(self, now: float) -> int:
        """Record that a pass started; its id."""
        ...

    def finish_backup_run(
        self,
        run_id: int,
        now: float,
        uploaded: int,
        uploaded_bytes: int,
        deleted: int,
        error: str | None,
    ) -> None: ...

    def backup_runs(self, limit: int = 10) -> Sequence[BackupRun]:
        """The latest passes, newest first."""
        ...

    def backup_segments(self, since: float, cameras: Sequence[str] | None) -> list[Segment]:
        """Segments ending at or after `since` (of these cameras; None: all), oldest first."""
        ...

    def backup_events(self, since: float, cameras: Sequence[str] | None) -> list[Event]:
        """Closed events ending at or after `since` (of these cameras), oldest first."""
        ...
