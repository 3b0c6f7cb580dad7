"""The one read path of a home's feed, for the JSON API (`GET /api/feed`) and the feed
page (`GET /feed`) alike.

A page is read in three steps, each in one place:

1. `reader_state`: the reader's home (or UnknownHome), the feed's change counters — the
   server-wide one and the sum of the area's per-cell ones — and whether the reader has
   hidden posts of their own: one statement, read first, so that a kept page is never
   older than the counters it is filed under. The area is known only once the home's
   cell is: the statement sums the area of the cell this process last read the home at,
   and the rare request that finds the home elsewhere (its first, or after a move) reads
   the right area's sum in one more statement, still before the page.
2. The visible posts of the area (or of one hexagon of it) below the cursor, from the
   process's page cache while the area's counters have not moved (posts/pagecache.py),
   else from the feed query (posts/pagequery.py), their authors as seen from the home.
3. The reader's own hidden posts (authors keep seeing what moderators hid, marked
   hidden), merged in per request — the only place this happens, and only for the few
   readers who have any.

The API sends the page's JSON with `mine` filled in for the reader; the page renders
its posts as the reader's `PostView`s.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from frontporch.protocol import Category
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import ServerContext
from frontporch.server.feed import rules
from frontporch.server.feed.errors import UnknownHome
from frontporch.server.feed.posts.pagecache import (
    FeedPage,
    FeedPageCache,
    PageEntry,
    PageKey,
    PageTag,
)
from frontporch.server.feed.posts.service import PostService
from frontporch.server.feed.posts.views import FeedPost


class FeedReader:
    """Pages of a home's feed, in one request's database session."""

    def __init__(self, db: Session, context: ServerContext, pages: FeedPageCache) -> None:
        self.service = PostService(db, context)
        self.posts = self.service.posts
        self.pages = pages

    def page(
        self,
        subject: AuthSubject,
        home_id: uuid.UUID,
        radius_mi: float,
        category: Category | None,
        before: str | None,
        limit: int,
        only_cell: int | None = None,
    ) -> FeedPage:
        """The newest posts within `radius_mi` of one of the caller's homes (or, with
        `only_cell`, in that one hexagon of the area), below the `before` cursor: hidden
        posts left out, except the caller's own, marked hidden."""
        before_seq = rules.decode_post_cursor(before) if before else None
        # First the change counters, then the page: a kept page is never older than its tag.
        guess = self.pages.home_cell(home_id)
        guessed_area = rules.area_cells(guess, radius_mi) if guess is not None else []
        state = self.posts.reader_state(subject.user_id, home_id, guessed_area)
        if state is None:
            raise UnknownHome()
        area_changes = state.area_changes
        if state.cell != guess:
            area_changes = self.posts.area_changes(rules.area_cells(state.cell, radius_mi))
            self.pages.remember_home(home_id, state.cell)
        wanted = category.value if category else None
        cells = rules.area_cells(state.cell, radius_mi)
        if only_cell is not None:
            cells = [cell for cell in cells if cell == only_cell]
        # Read from this one home: distances are measured from it, and whether a post
        # is readable is settled by the query, so the caller's other homes are not needed.
        viewer = rules.Viewer(subject.user_id, subject.is_operator, (state.cell,))
        key = PageKey(state.cell, radius_mi, wanted, only_cell, before_seq, limit)
        tag = PageTag(state.changes, area_changes)
        page = self.pages.get(key, tag)
        if page is None:
            found = self.posts.visible_page(cells, before_seq, wanted, limit + 1)
            page = FeedPage(self._entries(viewer, found[:limit], state.cell), len(found) > limit)
            self.pages.put(key, tag, page)
        if state.has_hidden_posts:  # rare: shown to their author only, marked hidden
            own = self.posts.own_hidden(subject.user_id, cells, before_seq, wanted, limit + 1)
            page = page.merged(self._entries(viewer, own, state.cell), limit)
        return page

    def _entries(
        self, viewer: rules.Viewer, posts: list[FeedPost], home_cell: int
    ) -> tuple[PageEntry, ...]:
        views = self.service.views(viewer, posts, home_cell)
        return tuple(self.pages.entry(view) for view in views)

    def post_cells(self, cells: list[int], category: Category | None, limit: int) -> list[int]:
        """The cells of the newest `limit` visible posts in `cells`, one per post (what the
        feed page's map shades)."""
        wanted = category.value if category else None
        return [post.cell for post in self.posts.visible_page(cells, None, wanted, limit)]
