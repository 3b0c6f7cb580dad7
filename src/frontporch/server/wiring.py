"""Where the server's areas are put together: who listens to what another area announces,
and what each area adds to every page's header.

The one module that imports every area that listens or adds, so that the announcing
areas (`kit/announcements.py`) and the kit's page rendering (`kit/pages.py`) import
none of them. `create_app` and the command line both build their announcements here.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from frontporch.server.blobs import BlobStore
from frontporch.server.feed.cleanup import before_account_deletion
from frontporch.server.feed.notifications.service import notification_badge
from frontporch.server.homes.navigation import household_links
from frontporch.server.homes.roles import role_changed
from frontporch.server.kit.announcements import Announcements
from frontporch.server.kit.pages import PageHeader

# Listeners of role changes need nothing but the transaction: the command line that
# grants roles uses them without building the rest of the server.
ROLE_CHANGED = (role_changed,)


def announcements(blobs: BlobStore) -> Announcements:
    """Every area's listeners, with the blob store the feed deletes media from."""

    def feed_forgets(db: Session, user_id: uuid.UUID) -> None:
        before_account_deletion(db, blobs, user_id)

    return Announcements(account_deleting=(feed_forgets,), role_changed=ROLE_CHANGED)


def page_header() -> PageHeader:
    """What every signed-in page's header shows: the household's links (homes) and the
    unread notifications badge (feed), each read in the page's request session."""
    return PageHeader(parts=(household_links, notification_badge))
