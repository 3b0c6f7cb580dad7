"""Where the server's areas are put together: who listens to what another area announces.

The one module that imports every area that listens, so that the announcing areas
import none of them (`kit/announcements.py`). `create_app` and the command line both
build their announcements here.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from frontporch.server.blobs import BlobStore
from frontporch.server.feed.cleanup import before_account_deletion
from frontporch.server.homes.roles import role_changed
from frontporch.server.kit.announcements import Announcements

# Listeners of role changes need nothing but the transaction: the command line that
# grants roles uses them without building the rest of the server.
ROLE_CHANGED = (role_changed,)


def announcements(blobs: BlobStore) -> Announcements:
    """Every area's listeners, with the blob store the feed deletes media from."""

    def feed_forgets(db: Session, user_id: uuid.UUID) -> None:
        before_account_deletion(db, blobs, user_id)

    return Announcements(account_deleting=(feed_forgets,), role_changed=ROLE_CHANGED)
