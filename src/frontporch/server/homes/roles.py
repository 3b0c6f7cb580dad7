"""What a change of an account's role means for its homes.

Homes are for households; an agency member acts for an institution and has none
(docs/server.md, "Roles"). Access is denied by role wherever homes give access (the
`household` guard, the feed's `viewer`), and when an account becomes an agency member
its homes are let go as well, so nothing it was part of keeps working for it: it leaves
every household, and the homes it owns lose their hubs (their credentials stop working
at once) and pass to the longest-standing member, or are deleted if it had none.

The accounts area, which sets roles, announces the change (`kit/announcements.py`);
this is the homes area's listener, wired in `server/wiring.py`.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from frontporch.server.accounts.models import Role
from frontporch.server.homes.repository import detach_account

log = logging.getLogger(__name__)


def role_changed(db: Session, user_id: uuid.UUID, role: str) -> None:
    """Listens wherever a role is set (the operators' API, `frontporch server
    grant-role`), in the same transaction: an agency member is taken out of every
    household."""
    if role != Role.AGENCY_MEMBER.value:
        return
    left, owned, revoked = detach_account(db, user_id)
    log.info(
        "account %s became an agency member: left %d homes, gave up %d, revoked %d hubs",
        user_id,
        left,
        owned,
        revoked,
    )
