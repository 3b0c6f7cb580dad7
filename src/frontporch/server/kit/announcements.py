"""What one area announces and others act on, without the announcing area importing them.

The accounts area deletes accounts and changes roles; the feed keeps comment counts and
media of an account, and homes are for households only. Rather than accounts calling
into those areas, it announces the change in the same transaction, and each area that
keeps something about accounts listens and cleans up after it. The listeners are wired
once, where the server is put together (`server/wiring.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

# (database session, account id): called in the transaction that deletes the account,
# before the row goes.
AccountDeleting = Callable[[Session, uuid.UUID], None]
# (database session, account id, new role's value): called in the transaction that sets it.
RoleChanged = Callable[[Session, uuid.UUID, str], None]


@dataclass(frozen=True)
class Announcements:
    """The listeners of each announcement, called in the order given."""

    account_deleting: tuple[AccountDeleting, ...] = ()
    role_changed: tuple[RoleChanged, ...] = ()

    def deleting_account(self, db: Session, user_id: uuid.UUID) -> None:
        """Announce that an account is about to be deleted in `db`'s transaction."""
        for listener in self.account_deleting:
            listener(db, user_id)

    def changed_role(self, db: Session, user_id: uuid.UUID, role: str) -> None:
        """Announce that an account's role was set to `role` in `db`'s transaction."""
        for listener in self.role_changed:
            listener(db, user_id, role)
